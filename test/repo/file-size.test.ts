import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const MAX_LINES = 500;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? sources(full) : /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

describe('repository hygiene', () => {
  it(`keeps every production TypeScript file at or under ${MAX_LINES} lines`, () => {
    const tooLong = sources(join(REPO_ROOT, 'src'))
      .filter((f) => !/\.test\.tsx?$/.test(f))
      .map((f) => ({ file: relative(REPO_ROOT, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES);
    assert.deepEqual(tooLong, []);
  });
});
