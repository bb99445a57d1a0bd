import { createHash, type X509Certificate } from 'node:crypto';

/**
 * A certificate pin (remote-access.md 8.2, plus a farclaw extension):
 * - `leaf`: SHA-256 of the DER leaf certificate, what OpenClaw and `openssl x509 -fingerprint
 *   -sha256` use. Breaks at every certificate renewal.
 * - `spki`: SHA-256 of the certificate's DER SubjectPublicKeyInfo. A renewed certificate for the
 *   same key still matches; a certificate for another key does not.
 */
export interface TlsPin {
  kind: 'leaf' | 'spki';
  /** Lowercase hex, no colons. */
  sha256: string;
}

export const INVALID_FINGERPRINT = 'Invalid TLS fingerprint; expected a SHA-256 certificate fingerprint.';
export const PIN_MISMATCH = 'gateway tls fingerprint mismatch';
const SPKI_PREFIX = 'spki-sha256:';

/** Thrown for a pin that does not parse; the message is the CLI's exact wording. */
export class TlsPinFormatError extends Error {
  constructor() {
    super(INVALID_FINGERPRINT);
    this.name = 'TlsPinFormatError';
  }
}

/** 64 hex digits or 32 colon-separated pairs, any case → lowercase hex; else undefined. */
function hexDigest(text: string): string | undefined {
  const t = text.trim();
  if (/^[0-9a-f]{64}$/i.test(t)) return t.toLowerCase();
  if (/^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/i.test(t)) return t.replace(/:/g, '').toLowerCase();
  return undefined;
}

/**
 * Parses a pin. Leaf: `AA:BB:…`, 64 hex, optional `sha256:` prefix (8.2). SPKI: `spki-sha256:`
 * followed by 64 hex / colon pairs, or the 44-character base64 form HPKP used.
 * @throws TlsPinFormatError
 */
export function parseTlsPin(input: string): TlsPin {
  const text = input.trim();
  if (text.toLowerCase().startsWith(SPKI_PREFIX)) {
    const body = text.slice(SPKI_PREFIX.length);
    const hex = hexDigest(body) ?? fromBase64Digest(body);
    if (hex === undefined) throw new TlsPinFormatError();
    return { kind: 'spki', sha256: hex };
  }
  const hex = hexDigest(text.replace(/^sha256:/i, ''));
  if (hex === undefined) throw new TlsPinFormatError();
  return { kind: 'leaf', sha256: hex };
}

function fromBase64Digest(text: string): string | undefined {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('hex');
}

/** SHA-256 of the DER leaf certificate, lowercase hex. */
export function leafSha256(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}

/** SHA-256 of the certificate's DER SubjectPublicKeyInfo, lowercase hex. */
export function spkiSha256(cert: X509Certificate): string {
  const der = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** Whether the peer's leaf certificate satisfies the pin. */
export function pinMatches(pin: TlsPin, cert: X509Certificate): boolean {
  return (pin.kind === 'leaf' ? leafSha256(cert) : spkiSha256(cert)) === pin.sha256;
}

/** `AA:BB:…` as `openssl x509 -fingerprint -sha256` prints it. */
export const colonHex = (hex: string): string => hex.toUpperCase().replace(/(..)(?!$)/g, '$1:');

/** The two pins of a certificate, in the forms a user writes into `gateway.remote.tlsFingerprint`. */
export function pinsOf(cert: X509Certificate): { leaf: string; spki: string } {
  return { leaf: `sha256:${leafSha256(cert)}`, spki: `${SPKI_PREFIX}${spkiSha256(cert)}` };
}
