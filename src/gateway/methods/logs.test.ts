import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { tailLog } from './logs.js';

describe('logs.tail cursors', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-logs-'));
    file = join(dir, 'gateway.log');
    writeFileSync(file, ['{"n":1}', '{"n":2}', '{"n":3}', ''].join('\n'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the last lines and a cursor at the end of the file', () => {
    const r = tailLog(file, { limit: 2 });
    assert.deepEqual(r.lines, ['{"n":2}', '{"n":3}']);
    assert.equal(r.cursor, r.size);
  });

  it('continues from a cursor with only the lines written since', () => {
    const first = tailLog(file, {});
    appendFileSync(file, '{"n":4}\n{"n":5}\n');
    const next = tailLog(file, { cursor: first.cursor });
    assert.deepEqual(next.lines, ['{"n":4}', '{"n":5}']);
    assert.equal(next.truncated, false);
    assert.deepEqual(tailLog(file, { cursor: next.cursor }).lines, []);
  });

  it('never returns a half-written line', () => {
    const first = tailLog(file, {});
    appendFileSync(file, '{"n":4}\n{"n":');
    const next = tailLog(file, { cursor: first.cursor });
    assert.deepEqual(next.lines, ['{"n":4}']);
    appendFileSync(file, '5}\n');
    assert.deepEqual(tailLog(file, { cursor: next.cursor }).lines, ['{"n":5}']);
  });

  it('pages by limit and says more is waiting', () => {
    const r = tailLog(file, { cursor: 0, limit: 2 });
    assert.deepEqual(r.lines, ['{"n":1}', '{"n":2}']);
    assert.equal(r.truncated, true);
    assert.deepEqual(tailLog(file, { cursor: r.cursor }).lines, ['{"n":3}']);
  });

  it('starts over when the file shrank below the cursor', () => {
    writeFileSync(file, '{"n":9}\n');
    const r = tailLog(file, { cursor: 1000 });
    assert.equal(r.reset, true);
    assert.deepEqual(r.lines, ['{"n":9}']);
  });

  it('answers an empty result for a missing file', () => {
    assert.deepEqual(tailLog(join(dir, 'nope.log'), {}).lines, []);
  });
});
