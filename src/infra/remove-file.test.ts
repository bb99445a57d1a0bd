import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { removeFile } from './remove-file.js';

describe('removeFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'farclaw-remove-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('removes an existing file', () => {
    const path = join(dir, 'a.json');
    writeFileSync(path, '{}');
    removeFile(path);
    assert.equal(existsSync(path), false);
  });

  it('does nothing when the file does not exist', () => {
    removeFile(join(dir, 'missing.json'));
    assert.equal(existsSync(dir), true);
  });

  it('refuses a directory and leaves it in place', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    assert.throws(() => removeFile(sub), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' || err.code === 'EPERM');
    assert.equal(existsSync(sub), true);
  });
});
