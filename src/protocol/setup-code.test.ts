import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSetupCode, encodeSetupCode } from './setup-code.js';

const payload = { url: 'ws://192.168.1.20:18789', bootstrapToken: 'tok_-abc', expiresAtMs: 1_795_000_000_000 };

describe('setup code encoding (openclaw qr format)', () => {
  it('is the JSON payload as base64url without padding, keys in the real gateway\u2019s order', () => {
    const code = encodeSetupCode(payload);
    assert.match(code, /^[A-Za-z0-9_-]+$/);
    assert.equal(Buffer.from(code, 'base64url').toString('utf8'), '{"url":"ws://192.168.1.20:18789","bootstrapToken":"tok_-abc","expiresAtMs":1795000000000}');
  });

  it('round-trips, also through an oc-pair:// link and non-ASCII hosts', () => {
    assert.deepEqual(decodeSetupCode(encodeSetupCode(payload)), payload);
    assert.deepEqual(decodeSetupCode(`oc-pair://${encodeSetupCode(payload)}`), payload);
    const unicode = { ...payload, url: 'wss://gätewäy.example' };
    assert.deepEqual(decodeSetupCode(encodeSetupCode(unicode)), unicode);
  });

  it('decodes a code made by another encoder and ignores unknown keys', () => {
    const foreign = Buffer.from(JSON.stringify({ ...payload, urls: [payload.url], tlsFingerprint: 'ab' })).toString('base64url');
    assert.deepEqual(decodeSetupCode(foreign), payload);
  });

  it('refuses anything that is not a complete payload', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of ['', 'not a code!', enc([1]), enc({ url: 'ws://x' }), enc({ ...payload, bootstrapToken: '' }), enc({ ...payload, expiresAtMs: -1 }), 'eyJ1cmwi']) {
      assert.throws(() => decodeSetupCode(bad), { message: 'Invalid setup code.' }, bad);
    }
  });
});
