import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a device token (43 base64url characters, as the real gateway's). */
const DEVICE_TOKEN_BYTES = 32;

/** A fresh device token: 32 random bytes, base64url without padding. */
export function newDeviceToken(): string {
  return randomBytes(DEVICE_TOKEN_BYTES).toString('base64url');
}

/** What is stored instead of the token: its SHA-256 digest (32 bytes). */
export function digestToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether `token` is the one whose digest is `digest`, compared in constant time. */
export function tokenMatches(token: string, digest: Buffer): boolean {
  const given = digestToken(token);
  return given.length === digest.length && timingSafeEqual(given, digest);
}
