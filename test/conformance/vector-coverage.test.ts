import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../helpers/paths.js';
import { isCloseEntry, loadVector, syntheticFrameText, VECTORS_DIR } from './vector-file.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * Vector files that are not captured exchanges (vectors/README.md: "every file except
 * device-signature.json" has frames), with the unit test that checks them instead.
 */
const UNIT_TESTED_VECTORS: Readonly<Record<string, string>> = {
  'device-signature': 'src/gateway/auth/device-proof.test.ts',
};
const allVectorNames = readdirSync(VECTORS_DIR)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
const vectorNames = allVectorNames.filter((name) => !(name in UNIT_TESTED_VECTORS));

test('every copied vector file has a conformance test file', () => {
  const missing = vectorNames.filter((name) => !existsSync(join(HERE, `${name}.test.js`)));
  assert.deepEqual(missing, []);
});

test('every verification vector without frames has its unit test', () => {
  const missing = allVectorNames
    .filter((name) => name in UNIT_TESTED_VECTORS)
    .filter((name) => !existsSync(join(REPO_ROOT, UNIT_TESTED_VECTORS[name] ?? '')));
  assert.deepEqual(missing, []);
});

test('every vector file loads as frames and closes of named connections', () => {
  for (const name of vectorNames) {
    const file = loadVector(name);
    assert.ok(file.entries.length > 0, `${name} has no entries`);
    for (const entry of file.entries) {
      if (isCloseEntry(entry)) assert.ok(Number.isInteger(entry.code), `${name} #${entry.index}: close without code`);
      else assert.ok(entry.frame, `${name} #${entry.index}: no frame`);
    }
  }
});

test('synthetic oversized frames are rebuilt at their captured byte size', () => {
  const file = loadVector('bad-frames');
  const synthetic = file.entries.filter((e) => !isCloseEntry(e) && e.frame.synthetic === true);
  assert.equal(synthetic.length, 2);
  for (const entry of synthetic) {
    if (isCloseEntry(entry)) continue;
    const text = syntheticFrameText(String(entry.frame.note));
    assert.equal(Buffer.byteLength(text), entry.bytes);
    assert.match(text, /^\{"type":"req","id":"big","method":"connect","params":\{"pad":"x+"\}\}$/);
  }
});
