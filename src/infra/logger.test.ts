import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createGatewayLogger } from './logger.js';

/** Logs through a real gateway logger; returns the console text and the file's JSON records. */
function logThrough(write: (logger: ReturnType<typeof createGatewayLogger>['logger']) => void): { text: string; records: Record<string, unknown>[] } {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-logger-'));
  try {
    const out = new PassThrough();
    const log = createGatewayLogger(dir, { console: out, level: 'debug' });
    write(log.logger);
    log.close();
    const lines = readFileSync(log.file, 'utf8').split('\n').filter((l) => l !== '');
    return { text: String(out.read() ?? ''), records: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const clock = (ms: unknown): string => new Date(Number(ms)).toISOString().slice(11, 19);

describe('console log lines', () => {
  it('shows gateway-level records and per-connection warnings, not per-connection chatter', () => {
    const { text, records } = logThrough((logger) => {
      logger.info('listening on ws://127.0.0.1:18789');
      logger.info({ conn: 'c1', remote: '127.0.0.1' }, 'client connected');
      logger.debug({ conn: 'c1', code: 1000 }, 'socket closed');
      logger.warn({ conn: 'c2', buffered: 1 }, 'slow consumer: send buffer over limit, closing');
      logger.error({ err: new Error('disk I/O error') }, 'state database unavailable');
    });
    assert.deepEqual(records.map((r) => [r.level, r.msg]), [
      [30, 'listening on ws://127.0.0.1:18789'],
      [30, 'client connected'],
      [20, 'socket closed'],
      [40, 'slow consumer: send buffer over limit, closing'],
      [50, 'state database unavailable'],
    ]);
    const [listening, , , slow, failed] = records;
    assert.equal(
      text,
      `${clock(listening?.time)} info listening on ws://127.0.0.1:18789\n` +
        `${clock(slow?.time)} warn slow consumer: send buffer over limit, closing\n` +
        `${clock(failed?.time)} error state database unavailable\n`,
    );
  });

  it('prints the message of a record given as an error or as the merge object\'s msg field', () => {
    const { text, records } = logThrough((logger) => {
      logger.error(new Error('bind failed: EADDRINUSE'));
      logger.info({ msg: 'message in the fields' });
      logger.info('formatted %s of %d', 'line', 2);
    });
    assert.deepEqual(records.map((r) => r.msg), ['bind failed: EADDRINUSE', 'message in the fields', 'formatted line of 2']);
    assert.deepEqual(text.split('\n').map((l) => l.slice(9)), [
      'error bind failed: EADDRINUSE',
      'info message in the fields',
      'info formatted line of 2',
      '',
    ]);
  });

  it('keeps secrets out of the file and the console alike', () => {
    const { text, records } = logThrough((logger) => {
      logger.info({ auth: { token: 'sekrit-token' }, token: 'sekrit-token' }, 'connect attempt');
    });
    assert.equal(JSON.stringify(records).includes('sekrit'), false);
    assert.deepEqual(records[0]?.auth, { token: '[redacted]' });
    assert.equal(text.includes('sekrit'), false);
    assert.match(text, /^\d\d:\d\d:\d\d info connect attempt\n$/);
  });
});
