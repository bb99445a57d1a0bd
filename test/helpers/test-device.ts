import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { buildSignedPayload, payloadFieldsOf } from '../../src/protocol/device-auth.js';
import type { ConnectParams, DeviceProof } from '../../src/protocol/schema/connect.js';

/** A throwaway Ed25519 device identity for tests. */
export interface TestDevice {
  id: string;
  /** Raw key, base64url without padding (the wire form). */
  publicKey: string;
  privateKey: KeyObject;
}

export function newTestDevice(): TestDevice {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  return { id: createHash('sha256').update(raw).digest('hex'), publicKey: raw.toString('base64url'), privateKey };
}

/** Signs a payload string, base64url like real clients. */
export function signWith(device: TestDevice, payload: string): string {
  return sign(null, Buffer.from(payload, 'utf8'), device.privateKey).toString('base64url');
}

/** `params` with a v3 device proof for this challenge (signedAt = challenge ts, as real clients). */
export function withDeviceProof(device: TestDevice, params: ConnectParams, challenge: { nonce: string; ts: number }): ConnectParams {
  const proof: DeviceProof = { id: device.id, publicKey: device.publicKey, signature: '', signedAt: challenge.ts, nonce: challenge.nonce };
  proof.signature = signWith(device, buildSignedPayload('v3', payloadFieldsOf(params, proof, challenge.nonce)));
  return { ...params, device: proof };
}
