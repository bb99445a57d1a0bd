// Child process for the SIGKILL test: appends to the event log as fast as it can and reports
// each cursor on stdout only after append() returned (i.e. the entry is acknowledged).
import { writeSync } from 'node:fs';
import { openStateDb } from '../../src/store/db.js';
import { EventLog } from '../../src/store/event-log.js';

const [dbPath, stream = 'kill-test'] = process.argv.slice(2);
if (!dbPath) throw new Error('usage: event-log-writer <db> [stream]');
const log = new EventLog(openStateDb(dbPath), { maxEntriesPerStream: 1_000_000, maxAgeMs: 24 * 60 * 60_000 });
for (let i = 0; ; i++) {
  const cursor = log.append(stream, 'tick', { i, pad: 'x'.repeat(i % 512) });
  writeSync(1, `${cursor} ${i}\n`);
}
