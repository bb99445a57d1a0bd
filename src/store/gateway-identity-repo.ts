import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/** The gateway's own long-lived Ed25519 identity (protocol.md 11.12). */
export interface GatewayIdentity {
  deviceId: string;
  /** Raw 32-byte public key, base64url without padding. */
  publicKey: string;
  createdAtMs: number;
  sign(data: Buffer | string): string;
  /**
   * Keyed digest (`hmac-sha256:v1:…`) for values derived from secrets, such as the config hash:
   * stable for this gateway, useless for guessing the secrets offline.
   */
  keyedHash(data: string): string;
}

/** Raw Ed25519 public key bytes from a KeyObject (the last 32 bytes of the SPKI DER). */
function rawPublicKey(pem: string): Buffer {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}

/** Loads the identity, creating and persisting it on first use. */
export function loadOrCreateGatewayIdentity(db: Database, now = Date.now()): GatewayIdentity {
  let row = db.prepare('SELECT device_id, public_key, private_key_pem, created_at_ms FROM gateway_identity WHERE id = 1').get() as
    | { device_id: string; public_key: string; private_key_pem: string; created_at_ms: number }
    | undefined;
  if (!row) {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const raw = rawPublicKey(pem);
    row = {
      device_id: createHash('sha256').update(raw).digest('hex'),
      public_key: raw.toString('base64url'),
      private_key_pem: pem,
      created_at_ms: now,
    };
    db.prepare('INSERT INTO gateway_identity (id, device_id, public_key, private_key_pem, created_at_ms) VALUES (1, ?, ?, ?, ?)').run(
      row.device_id, row.public_key, row.private_key_pem, row.created_at_ms,
    );
  }
  const key = createPrivateKey(row.private_key_pem);
  const hmacKey = createHash('sha256').update('farclaw keyed hash\0').update(row.private_key_pem).digest();
  return {
    deviceId: row.device_id,
    publicKey: row.public_key,
    createdAtMs: row.created_at_ms,
    sign: (data) => sign(null, Buffer.from(data), key).toString('base64url'),
    keyedHash: (data) => `hmac-sha256:v1:${createHmac('sha256', hmacKey).update(data).digest('base64url')}`,
  };
}
