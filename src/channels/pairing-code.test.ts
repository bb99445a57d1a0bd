import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newPairingCode, PAIRING_CODE_ALPHABET } from './pairing-code.js';

describe('sender pairing codes (assistant.md 10.4)', () => {
  it('makes 8-character codes from the unambiguous alphabet', () => {
    assert.doesNotMatch(PAIRING_CODE_ALPHABET, /[0O1I]/);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const code = newPairingCode();
      assert.match(code, /^[A-HJ-NP-Z2-9]{8}$/);
      seen.add(code);
    }
    assert.ok(seen.size > 190, 'codes are random');
  });
});
