import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import type { ConnectParams, DeviceProof } from '../../protocol/schema/connect.js';
import { buildSignedPayload, payloadFieldsOf } from '../../protocol/device-auth.js';

/** `signedAt` may differ from the server clock by at most this much either way (protocol.md 5.3). */
export const DEVICE_SIGNATURE_SKEW_MS = 120_000;

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** A wire public key decoded as far as it can be (protocol.md 5.1). */
export interface DecodedPublicKey {
  /** The bytes the device id is the SHA-256 of: the raw key, or the whole SPKI of a non-Ed25519 PEM. */
  idBytes: Buffer;
  /** The raw 32-byte Ed25519 key, when the input is one. */
  ed25519Raw: Buffer | undefined;
  /** A key object usable for verification (Ed25519 or Ed448), when the input is one. */
  key: KeyObject | undefined;
}

function rawFromSpki(spki: Buffer): Buffer | undefined {
  const isEd25519 = spki.length === ED25519_SPKI_PREFIX.length + 32 && spki.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX);
  return isEd25519 ? spki.subarray(ED25519_SPKI_PREFIX.length) : undefined;
}

function verifyingKey(key: KeyObject): KeyObject | undefined {
  return key.asymmetricKeyType === 'ed25519' || key.asymmetricKeyType === 'ed448' ? key : undefined;
}

/**
 * Decoded keys of recently seen devices. Building a KeyObject costs ~200 µs, more than the
 * signature check itself, and the same few devices reconnect over and over.
 */
export const DECODED_CACHE_MAX = 1024;
/**
 * Only texts this short are cached: an Ed25519 key is 43 characters as the wire form and ~113 as
 * a PEM, an Ed448 PEM ~156. Anything longer is decoded every time and never kept (issue 12.7).
 */
export const CACHEABLE_KEY_CHARS = 256;
const decodedCache = new Map<string, DecodedPublicKey>();

/**
 * Decodes `device.publicKey`: raw 32 bytes in base64url (the wire form), padded or standard
 * base64, or a PEM SPKI. Returns undefined when the text is neither base64 nor a parsable PEM.
 * Only keys that decoded to a verifying key, from texts of at most CACHEABLE_KEY_CHARS, are
 * cached: a peer sending junk before any credential check cannot fill the cache with it.
 */
export function decodePublicKey(text: string): DecodedPublicKey | undefined {
  const cached = decodedCache.get(text);
  if (cached) return cached;
  const decoded = decodeUncached(text);
  if (decoded?.key && text.length <= CACHEABLE_KEY_CHARS) {
    if (decodedCache.size >= DECODED_CACHE_MAX) decodedCache.delete(decodedCache.keys().next().value as string);
    decodedCache.set(text, decoded);
  }
  return decoded;
}

/** Keys cached now (tests: the cache holds only what it should). */
export function decodedKeyCacheSize(): number {
  return decodedCache.size;
}

/** A device id as the wire carries it: the lowercase hex SHA-256 of the key (protocol.md 5.1). */
const DEVICE_ID_FORM = /^[0-9a-f]{64}$/;

function decodeUncached(text: string): DecodedPublicKey | undefined {
  const trimmed = text.trim();
  try {
    if (trimmed.includes('BEGIN')) {
      const key = createPublicKey(trimmed);
      const spki = key.export({ type: 'spki', format: 'der' });
      const raw = rawFromSpki(spki);
      return { idBytes: raw ?? spki, ed25519Raw: raw, key: verifyingKey(key) };
    }
    if (!BASE64_TEXT.test(trimmed)) return undefined;
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length !== 32) return { idBytes: bytes, ed25519Raw: undefined, key: undefined };
    const key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, bytes]), format: 'der', type: 'spki' });
    return { idBytes: bytes, ed25519Raw: bytes, key };
  } catch {
    return undefined;
  }
}

/** Lowercase hex SHA-256 of the raw public key (protocol.md 5.1). */
export function deviceIdOf(rawPublicKey: Buffer): string {
  return createHash('sha256').update(rawPublicKey).digest('hex');
}

/**
 * The canonical wire form of a public key (raw 32 bytes, base64url without padding), or
 * undefined when `text` is not an Ed25519 key in one of the accepted encodings.
 */
export function normalizePublicKey(text: string): string | undefined {
  return decodePublicKey(text)?.ed25519Raw?.toString('base64url');
}

function decodeSignature(text: string): Buffer | undefined {
  return BASE64_TEXT.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** Whether `signature` (base64url or base64) is a valid signature of `payload` under `key`. */
export function verifyPayloadSignature(key: KeyObject, payload: string, signature: string): boolean {
  const sig = decodeSignature(signature);
  if (!sig) return false;
  try {
    return verify(null, Buffer.from(payload, 'utf8'), key, sig);
  } catch {
    return false;
  }
}

/** A device whose proof verified. */
export interface VerifiedDevice {
  id: string;
  /** Canonical raw key, base64url without padding. */
  publicKey: string;
  payloadVersion: 'v2' | 'v3';
}

/** Device-auth failure kinds with their wire message and `details.code` (protocol.md 5.3). */
const FAILURES = {
  'device-id-mismatch': ['device identity mismatch', 'DEVICE_AUTH_DEVICE_ID_MISMATCH'],
  'device-signature-stale': ['device signature expired', 'DEVICE_AUTH_SIGNATURE_EXPIRED'],
  'device-nonce-missing': ['device nonce required', 'DEVICE_AUTH_NONCE_REQUIRED'],
  'device-nonce-mismatch': ['device nonce mismatch', 'DEVICE_AUTH_NONCE_MISMATCH'],
  'device-signature': ['device signature invalid', 'DEVICE_AUTH_SIGNATURE_INVALID'],
  'device-public-key': ['device public key invalid', 'DEVICE_AUTH_PUBLIC_KEY_INVALID'],
} as const;
export type DeviceAuthFailure = keyof typeof FAILURES;

/** The `INVALID_REQUEST` error of a failed device proof (`details: {code, reason}`). */
export function deviceAuthError(reason: DeviceAuthFailure): GatewayError {
  const [message, code] = FAILURES[reason];
  return new GatewayError(ErrorCode.INVALID_REQUEST, message, { details: { code, reason } });
}

/**
 * Verifies a connect's device proof in the real gateway's order (protocol.md 5.3): the id must
 * be the SHA-256 of the key (an undecodable key can have no matching id), `signedAt` within
 * ±2 min of `nowMs`, a non-empty nonce equal to this connection's challenge nonce, then a v3
 * signature or else a v2 one, and last a key that normalises to raw Ed25519 (an Ed448 PEM can
 * sign but is refused here). Throws the matching `DEVICE_AUTH_*` GatewayError.
 */
export function verifyDeviceProof(params: ConnectParams, device: DeviceProof, challengeNonce: string, nowMs: number): VerifiedDevice {
  // A cheap check first: an id that cannot be a SHA-256 cannot match any key, decoded or not.
  if (!DEVICE_ID_FORM.test(device.id)) throw deviceAuthError('device-id-mismatch');
  const decoded = decodePublicKey(device.publicKey);
  if (!decoded || deviceIdOf(decoded.idBytes) !== device.id) throw deviceAuthError('device-id-mismatch');
  if (Math.abs(nowMs - device.signedAt) > DEVICE_SIGNATURE_SKEW_MS) throw deviceAuthError('device-signature-stale');
  const nonce = device.nonce.trim();
  if (nonce === '') throw deviceAuthError('device-nonce-missing');
  if (nonce !== challengeNonce) throw deviceAuthError('device-nonce-mismatch');
  const fields = payloadFieldsOf(params, device, nonce);
  let payloadVersion: 'v2' | 'v3' | undefined;
  if (decoded.key) {
    if (verifyPayloadSignature(decoded.key, buildSignedPayload('v3', fields), device.signature)) payloadVersion = 'v3';
    else if (verifyPayloadSignature(decoded.key, buildSignedPayload('v2', fields), device.signature)) payloadVersion = 'v2';
  }
  if (!payloadVersion) throw deviceAuthError('device-signature');
  if (!decoded.ed25519Raw) throw deviceAuthError('device-public-key');
  return { id: device.id, publicKey: decoded.ed25519Raw.toString('base64url'), payloadVersion };
}
