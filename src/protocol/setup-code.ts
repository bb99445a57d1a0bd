/**
 * The setup code of QR onboarding (`openclaw qr`, `device.pair.setupCode`): the JSON payload
 * `{url, bootstrapToken, expiresAtMs}` as UTF-8, base64url without padding, the format the real
 * OpenClaw 2026.9.6 clients decode (an `oc-pair://` prefix is also accepted when decoding). It
 * carries a short-lived single-use bootstrap token, never the gateway's shared secret.
 */
export interface SetupPayload {
  /** The gateway WebSocket URL the device should dial (ws:// or wss://). */
  url: string;
  bootstrapToken: string;
  /** When the bootstrap token stops working (ms since the epoch). */
  expiresAtMs: number;
}

const SETUP_URL_PREFIX = 'oc-pair://';
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(code: string): string {
  const binary = atob(code.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
}

/** Encodes a payload (keys in the real gateway's order). */
export function encodeSetupCode(payload: SetupPayload): string {
  return toBase64Url(JSON.stringify({ url: payload.url, bootstrapToken: payload.bootstrapToken, expiresAtMs: payload.expiresAtMs }));
}

/**
 * Decodes a setup code (or an `oc-pair://` link). Unknown keys are ignored.
 * @throws Error `Invalid setup code.` when it is not a well-formed payload.
 */
export function decodeSetupCode(input: string): SetupPayload {
  const trimmed = input.trim();
  const code = trimmed.toLowerCase().startsWith(SETUP_URL_PREFIX) ? trimmed.slice(SETUP_URL_PREFIX.length) : trimmed;
  let value: unknown;
  try {
    if (!BASE64URL.test(code)) throw new Error('not base64url');
    value = JSON.parse(fromBase64Url(code));
  } catch {
    throw new Error('Invalid setup code.');
  }
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { url, bootstrapToken, expiresAtMs } = v;
  if (typeof url !== 'string' || url === '' || typeof bootstrapToken !== 'string' || bootstrapToken === '') throw new Error('Invalid setup code.');
  if (typeof expiresAtMs !== 'number' || !Number.isSafeInteger(expiresAtMs) || expiresAtMs < 0) throw new Error('Invalid setup code.');
  return { url, bootstrapToken, expiresAtMs };
}
