import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSignedPayload, payloadFieldsOf } from '../protocol/device-auth.js';
import type { ConnectChallenge, ConnectParams } from '../protocol/schema/connect.js';
import { writeFileAtomic } from '../infra/atomic-write.js';

/** This installation's Ed25519 device identity (protocol.md 5.1). */
export interface DeviceIdentity {
  /** Lowercase hex SHA-256 of the raw public key. */
  deviceId: string;
  /** Raw 32-byte public key, base64url without padding. */
  publicKey: string;
  /** Signs a UTF-8 string; base64url signature. */
  sign(payload: string): string;
}

interface StoredIdentity {
  version: 1;
  deviceId: string;
  publicKey: string;
  privateKeyPem: string;
  createdAtMs: number;
}

export const identityDir = (stateDir: string): string => join(stateDir, 'identity');
const identityFile = (stateDir: string): string => join(identityDir(stateDir), 'device.json');

function fromStored(s: StoredIdentity): DeviceIdentity {
  const key = createPrivateKey(s.privateKeyPem);
  return { deviceId: s.deviceId, publicKey: s.publicKey, sign: (payload) => sign(null, Buffer.from(payload, 'utf8'), key).toString('base64url') };
}

/** The identity of this state dir, or undefined when none was created yet (probes never create one). */
export function loadDeviceIdentity(stateDir: string): DeviceIdentity | undefined {
  let text: string;
  try {
    text = readFileSync(identityFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  const s = JSON.parse(text) as Partial<StoredIdentity>;
  if (s.version !== 1 || typeof s.privateKeyPem !== 'string' || typeof s.deviceId !== 'string' || typeof s.publicKey !== 'string') {
    throw new Error(`device identity ${identityFile(stateDir)} is damaged; move it away to create a new one (the gateway will ask to pair again)`);
  }
  return fromStored(s as StoredIdentity);
}

/** Loads the identity, creating it once (key pair in a 0600 file, directory 0700). */
export function loadOrCreateDeviceIdentity(stateDir: string, now = Date.now()): DeviceIdentity {
  const existing = loadDeviceIdentity(stateDir);
  if (existing) return existing;
  const { privateKey } = generateKeyPairSync('ed25519');
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const raw = der.subarray(der.length - 32);
  const stored: StoredIdentity = {
    version: 1,
    deviceId: createHash('sha256').update(raw).digest('hex'),
    publicKey: raw.toString('base64url'),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    createdAtMs: now,
  };
  mkdirSync(identityDir(stateDir), { recursive: true, mode: 0o700 });
  // `exclusive`: two CLIs racing to create it keep the first one.
  if (!writeFileAtomic(identityFile(stateDir), JSON.stringify(stored, null, 2) + '\n', { exclusive: true })) {
    return loadDeviceIdentity(stateDir) ?? fromStored(stored);
  }
  return fromStored(stored);
}

/**
 * Adds the device block to connect params: a v3 signature over the challenge nonce, signed at
 * the challenge `ts` like the real clients, so this machine's clock does not matter.
 */
export function withDeviceProof(identity: DeviceIdentity, params: ConnectParams, challenge: ConnectChallenge): ConnectParams {
  const device = { id: identity.deviceId, publicKey: identity.publicKey, signature: '', signedAt: challenge.ts, nonce: challenge.nonce };
  device.signature = identity.sign(buildSignedPayload('v3', payloadFieldsOf(params, device, challenge.nonce)));
  return { ...params, device };
}
