import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GatewayError } from '../../protocol/errors.js';
import type { ConnectParams, DeviceProof } from '../../protocol/schema/connect.js';
import { buildSignedPayload, payloadFieldsOf, type SignedPayloadFields } from '../../protocol/device-auth.js';
import {
  decodedKeyCacheSize, decodePublicKey, deviceIdOf, normalizePublicKey, verifyDeviceProof, verifyPayloadSignature,
} from './device-proof.js';

// Compiled to dist/src/gateway/auth/: the repository root is four levels up.
const VECTOR_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'test', 'conformance', 'vectors', 'device-signature.json');

interface SignatureCase {
  name: string;
  version: 'v2' | 'v3';
  input: { deviceId: string; signedAtMs: number; nonce: string; clientId: string; clientMode: string; role: string; scopes: string[]; token: string | null; platform?: string; deviceFamily?: string };
  signedPayload: string;
  signatureBase64Url: string;
}
interface RealCapture {
  name: string;
  connectParams: ConnectParams & { device: DeviceProof };
  reconstructedSignedPayload: string;
}
const vector = JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as {
  testKey: { seedHex: string; privateKeyPkcs8DerPrefixHex: string; publicKeyBase64Url: string; deviceId: string };
  cases: SignatureCase[];
  realCaptures: RealCapture[];
};

const testPrivateKey = createPrivateKey({
  key: Buffer.from(vector.testKey.privateKeyPkcs8DerPrefixHex + vector.testKey.seedHex, 'hex'), format: 'der', type: 'pkcs8',
});
const testPublicKey = vector.testKey.publicKeyBase64Url;

function fieldsOf(c: SignatureCase): SignedPayloadFields {
  return { ...c.input, token: c.input.token ?? '' };
}

/** A fresh device: keys, id and a signer for connect params. */
function device(keys = generateKeyPairSync('ed25519')) {
  const raw = keys.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { privateKey: keys.privateKey, publicKey: raw.toString('base64url'), id: deviceIdOf(raw) };
}

const NOW = 1_795_000_000_000;
const NONCE = '0c6018ba-7585-4f02-9641-6f3fa13af2cd';

function signedConnect(
  dev: { privateKey: KeyObject; publicKey: string; id: string },
  over: { version?: 'v2' | 'v3'; signedAt?: number; nonce?: string; id?: string; publicKey?: string; signature?: string } = {},
): { params: ConnectParams; device: DeviceProof } {
  const params: ConnectParams = {
    minProtocol: 4, maxProtocol: 4, client: { id: 'cli', version: '1', platform: 'Linux', mode: 'cli', deviceFamily: 'Linux' },
    role: 'operator', scopes: ['operator.write', 'operator.read'], auth: { token: 'shared' },
  };
  const proof: DeviceProof = { id: over.id ?? dev.id, publicKey: over.publicKey ?? dev.publicKey, signature: '', signedAt: over.signedAt ?? NOW, nonce: over.nonce ?? NONCE };
  const payload = buildSignedPayload(over.version ?? 'v3', payloadFieldsOf(params, proof, proof.nonce.trim()));
  proof.signature = over.signature ?? sign(null, Buffer.from(payload), dev.privateKey).toString('base64url');
  return { params: { ...params, device: proof }, device: proof };
}

function refusalOf(fn: () => unknown): { message: string; details: unknown } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'INVALID_REQUEST');
    return { message: err.message, details: err.details };
  }
  assert.fail('expected a refusal');
}

describe('device-signature.json vectors', () => {
  it('derives the test key id as the SHA-256 of the raw public key', () => {
    assert.equal(deviceIdOf(Buffer.from(testPublicKey, 'base64url')), vector.testKey.deviceId);
  });

  for (const c of vector.cases) {
    it(`builds the ${c.name} payload and reproduces its deterministic signature`, () => {
      const payload = buildSignedPayload(c.version, fieldsOf(c));
      assert.equal(payload, c.signedPayload);
      assert.equal(sign(null, Buffer.from(payload), testPrivateKey).toString('base64url'), c.signatureBase64Url);
      const key = decodePublicKey(testPublicKey)?.key;
      assert.ok(key);
      assert.equal(verifyPayloadSignature(key, payload, c.signatureBase64Url), true);
    });
  }

  for (const r of vector.realCaptures) {
    it(`verifies the real captured signature ${r.name} at its own time and nonce`, () => {
      const { connectParams: params } = r;
      assert.equal(buildSignedPayload('v3', payloadFieldsOf(params, params.device, params.device.nonce)), r.reconstructedSignedPayload);
      const verified = verifyDeviceProof(params, params.device, params.device.nonce, params.device.signedAt);
      assert.deepEqual(verified, { id: params.device.id, publicKey: params.device.publicKey, payloadVersion: 'v3' });
    });
  }
});

describe('device public keys (protocol.md 5.1)', () => {
  const raw = Buffer.from(testPublicKey, 'base64url');

  it('normalises padded and standard base64 and PEM SPKI to raw base64url', () => {
    const pem = decodePublicKey(testPublicKey)?.key?.export({ type: 'spki', format: 'pem' }).toString() ?? '';
    for (const form of [testPublicKey, raw.toString('base64'), `${testPublicKey}=`, pem]) {
      assert.equal(normalizePublicKey(form), testPublicKey, form);
    }
  });

  it('refuses text that is neither base64 nor a PEM key, and keys that are not 32 bytes', () => {
    assert.equal(decodePublicKey('not a key!'), undefined);
    assert.equal(normalizePublicKey(raw.subarray(0, 31).toString('base64url')), undefined);
  });
});

describe('device proof verification (protocol.md 5.3)', () => {
  const dev = device();

  it('accepts a v3 signature over the challenge nonce', () => {
    const c = signedConnect(dev);
    assert.deepEqual(verifyDeviceProof(c.params, c.device, NONCE, NOW + 1000), { id: dev.id, publicKey: dev.publicKey, payloadVersion: 'v3' });
  });

  it('accepts a legacy v2 signature', () => {
    const c = signedConnect(dev, { version: 'v2' });
    assert.equal(verifyDeviceProof(c.params, c.device, NONCE, NOW).payloadVersion, 'v2');
  });

  it('accepts the key as PEM and reports it in the canonical form', () => {
    const pem = decodePublicKey(dev.publicKey)?.key?.export({ type: 'spki', format: 'pem' }).toString() ?? '';
    const c = signedConnect(dev, { publicKey: pem });
    assert.equal(verifyDeviceProof(c.params, c.device, NONCE, NOW).publicKey, dev.publicKey);
  });

  it('refuses an id that is not the SHA-256 of the key', () => {
    const c = signedConnect(dev, { id: '0'.repeat(64) });
    assert.deepEqual(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)), {
      message: 'device identity mismatch', details: { code: 'DEVICE_AUTH_DEVICE_ID_MISMATCH', reason: 'device-id-mismatch' },
    });
  });

  it('refuses an undecodable key as an identity mismatch, like the real gateway', () => {
    const c = signedConnect(dev, { publicKey: '%%%' });
    assert.equal(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)).message, 'device identity mismatch');
  });

  it('keeps no junk public key in its decode cache, whatever the id (issue 12.7)', () => {
    const before = decodedKeyCacheSize();
    for (let i = 0; i < 50; i++) {
      const junk = `${'A'.repeat(60 * 1024)}${i}`;
      for (const id of ['not-an-id', 'f'.repeat(64)]) {
        const c = signedConnect(dev, { id, publicKey: junk });
        assert.equal(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)).message, 'device identity mismatch');
      }
      const pem = `-----BEGIN PUBLIC KEY-----\n${'B'.repeat(4096)}${i}\n-----END PUBLIC KEY-----`;
      const c = signedConnect(dev, { id: 'e'.repeat(64), publicKey: pem });
      assert.equal(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)).message, 'device identity mismatch');
    }
    assert.equal(decodedKeyCacheSize(), before);
  });

  it('refuses a signature made more than two minutes before the server clock', () => {
    const c = signedConnect(dev, { signedAt: NOW - 120_001 });
    assert.deepEqual(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)), {
      message: 'device signature expired', details: { code: 'DEVICE_AUTH_SIGNATURE_EXPIRED', reason: 'device-signature-stale' },
    });
  });

  it('refuses a signature dated more than two minutes ahead of the server clock', () => {
    const c = signedConnect(dev, { signedAt: NOW + 120_001 });
    assert.equal(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)).message, 'device signature expired');
  });

  it('refuses an empty nonce', () => {
    const c = signedConnect(dev, { nonce: '  ' });
    assert.deepEqual(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)), {
      message: 'device nonce required', details: { code: 'DEVICE_AUTH_NONCE_REQUIRED', reason: 'device-nonce-missing' },
    });
  });

  it("refuses a nonce that is not this connection's challenge (a replayed proof)", () => {
    const c = signedConnect(dev);
    assert.deepEqual(refusalOf(() => verifyDeviceProof(c.params, c.device, 'another-challenge', NOW)), {
      message: 'device nonce mismatch', details: { code: 'DEVICE_AUTH_NONCE_MISMATCH', reason: 'device-nonce-mismatch' },
    });
  });

  it('refuses a signature over other connect params', () => {
    const c = signedConnect(dev);
    const params = { ...c.params, scopes: ['operator.admin'] };
    assert.deepEqual(refusalOf(() => verifyDeviceProof(params, c.device, NONCE, NOW)), {
      message: 'device signature invalid', details: { code: 'DEVICE_AUTH_SIGNATURE_INVALID', reason: 'device-signature' },
    });
  });

  it('refuses a signature made by another key', () => {
    const other = device();
    const forged = signedConnect(other);
    const c = signedConnect(dev, { signature: forged.device.signature });
    assert.equal(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)).message, 'device signature invalid');
  });

  it('refuses a key that signs correctly but is not Ed25519 (Ed448 PEM)', () => {
    const ed448 = generateKeyPairSync('ed448');
    const pem = ed448.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const id = deviceIdOf(ed448.publicKey.export({ type: 'spki', format: 'der' }));
    const c = signedConnect({ privateKey: ed448.privateKey, publicKey: pem, id });
    assert.deepEqual(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)), {
      message: 'device public key invalid', details: { code: 'DEVICE_AUTH_PUBLIC_KEY_INVALID', reason: 'device-public-key' },
    });
  });

  it('checks the id before the clock and the clock before the nonce', () => {
    const c = signedConnect(dev, { id: '0'.repeat(64), signedAt: 0, nonce: '' });
    assert.equal(refusalOf(() => verifyDeviceProof(c.params, c.device, NONCE, NOW)).message, 'device identity mismatch');
    const d = signedConnect(dev, { signedAt: 0, nonce: '' });
    assert.equal(refusalOf(() => verifyDeviceProof(d.params, d.device, NONCE, NOW)).message, 'device signature expired');
  });
});
