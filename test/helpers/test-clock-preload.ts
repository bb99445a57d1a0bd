// Preloaded (`node --import`) into a gateway process under test, to move its `Date.now()` forward
// without waiting: expiry rules (a pairing request's five minutes) then run on real code paths in
// a real process. Inert unless TEST_CLOCK_FILE is set. On SIGUSR2 it reads the offset from that
// file and acknowledges on stderr; test-clock.ts is the other side.
import { readFileSync } from 'node:fs';

const file = process.env.TEST_CLOCK_FILE;
if (file !== undefined && file.length > 0) {
  const realNow = Date.now.bind(Date);
  let offsetMs = 0;
  Date.now = () => realNow() + offsetMs;
  process.on('SIGUSR2', () => {
    const { seq, offsetMs: next } = JSON.parse(readFileSync(file, 'utf8')) as { seq: number; offsetMs: number };
    offsetMs = next;
    process.stderr.write(`[test-clock] seq=${seq} offsetMs=${offsetMs}\n`);
  });
}
