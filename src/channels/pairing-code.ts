import { randomInt } from 'node:crypto';

/** OpenClaw's pairing-code alphabet: upper-case letters and digits without 0, O, 1 and I. */
export const PAIRING_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const PAIRING_CODE_LENGTH = 8;
/** A sender pairing request lives one hour; at most three wait per account (assistant.md 10.4). */
export const PAIRING_REQUEST_TTL_MS = 60 * 60 * 1000;
export const MAX_PENDING_PAIRING_REQUESTS = 3;

/** A fresh 8-character pairing code (cryptographically random). */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)];
  return code;
}
