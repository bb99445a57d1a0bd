import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveExecutable } from './argv-run.js';

const dir = mkdtempSync(join(tmpdir(), 'argv-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'bin'));
mkdirSync(join(dir, 'other'));
writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n');
chmodSync(join(dir, 'bin', 'tool'), 0o755);
writeFileSync(join(dir, 'other', 'tool'), 'not executable');
mkdirSync(join(dir, 'other', 'dir-not-file'));

test('a bare name resolves to the first executable file on PATH, as spawn would start it', () => {
  const path = [join(dir, 'other'), join(dir, 'bin')].join(':');
  assert.equal(resolveExecutable('tool', dir, path), join(dir, 'bin', 'tool'));
  assert.equal(resolveExecutable('dir-not-file', dir, join(dir, 'other')), undefined);
  assert.equal(resolveExecutable('missing', dir, path), undefined);
  assert.equal(resolveExecutable('', dir, path), undefined);
});

test('a name with a slash resolves against the working directory, not PATH', () => {
  assert.equal(resolveExecutable('bin/tool', dir, ''), join(dir, 'bin', 'tool'));
  assert.equal(resolveExecutable(join(dir, 'bin', 'tool'), '/', ''), join(dir, 'bin', 'tool'));
  assert.equal(resolveExecutable('other/tool', dir, join(dir, 'bin')), undefined);
});
