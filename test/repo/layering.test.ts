import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/paths.js';

const SRC = join(REPO_ROOT, 'src');

/** Every `.ts` file under `dir` (colocated tests included: they follow the same rules). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    return e.isDirectory() ? sources(full) : /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

/** Top-level area of a file under src/ (`gateway`, `client`…). */
const areaOf = (file: string): string => relative(SRC, file).split(sep)[0] ?? '';

/** `[fromArea, toArea]` for every relative import that leaves its own area. */
function crossings(): Array<{ file: string; from: string; to: string }> {
  const found: Array<{ file: string; from: string; to: string }> = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), m[1] ?? '');
      if (!target.startsWith(SRC + sep)) continue;
      const from = areaOf(file);
      const to = areaOf(target);
      if (from !== to) found.push({ file: relative(REPO_ROOT, file), from, to });
    }
  }
  return found;
}

/** Which areas each area must never import (style guide B1, issue 13 "Layering"). */
const FORBIDDEN: Record<string, readonly string[]> = {
  client: ['gateway', 'cli', 'node', 'tunnel'],
  gateway: ['cli', 'client', 'node', 'tunnel'],
  // The Control UI runs in a browser: it shares only the wire vocabulary (style B3.9).
  web: ['agent', 'channels', 'cli', 'client', 'gateway', 'infra', 'node', 'service', 'store', 'tunnel'],
};

describe('layering', () => {
  it('keeps src/protocol free of imports from the rest of src/', () => {
    const bad = crossings().filter((c) => c.from === 'protocol');
    assert.deepEqual(bad, []);
  });

  it('never imports upward (client never imports gateway, gateway never cli/client/node)', () => {
    const bad = crossings().filter((c) => FORBIDDEN[c.from]?.includes(c.to));
    assert.deepEqual(bad, []);
  });
});
