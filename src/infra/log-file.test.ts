import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { waitFor } from '../../test/helpers/wait-for.js';
import { createGatewayLogger } from './logger.js';

const recordsIn = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the batched file log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-log-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps an info line off the caller\'s path and appends it soon after, without a close', async () => {
    const log = createGatewayLogger(dir, { quiet: true });
    try {
      log.logger.info({ conn: 'c1' }, 'client connected');
      assert.equal(readFileSync(log.file, 'utf8'), '', 'written during the log call');
      const records = await waitFor('the line in the file', () => {
        const r = recordsIn(log.file);
        return r.length > 0 && r;
      }, 30_000);
      assert.deepEqual(records.map((r) => r.msg), ['client connected']);
      assert.equal(statSync(log.file).mode & 0o777, 0o600);
    } finally {
      log.close();
    }
  });

  it('writes an error line at once, after the lines that waited, in order', () => {
    const log = createGatewayLogger(dir, { quiet: true });
    try {
      log.logger.info('first');
      log.logger.warn('second');
      log.logger.error('state database unavailable');
      assert.deepEqual(recordsIn(log.file).map((r) => r.msg), ['first', 'second', 'state database unavailable']);
    } finally {
      log.close();
    }
  });

  it('appends what waits when the process exits without closing the log', () => {
    const loggerUrl = new URL('./logger.js', import.meta.url).href;
    const script = `const { createGatewayLogger } = await import(${JSON.stringify(loggerUrl)});
      const log = createGatewayLogger(${JSON.stringify(dir)}, { quiet: true });
      for (let i = 0; i < 3; i++) log.logger.info({ i }, 'line');
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(recordsIn(join(dir, 'gateway.log')).map((x) => x.i), [0, 1, 2]);
  });

  it('drops nothing and splits no line when a burst outgrows the buffer', () => {
    const log = createGatewayLogger(dir, { quiet: true });
    const text = 'x'.repeat(1000);
    for (let i = 0; i < 200; i++) log.logger.info({ i, text }, 'burst');
    const early = recordsIn(log.file);
    assert.ok(early.length > 0 && early.length < 200, `${early.length} of 200 lines written before the flush`);
    log.close();
    assert.deepEqual(recordsIn(log.file).map((r) => r.i), Array.from({ length: 200 }, (_, i) => i));
  });
});
