import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** Subject and issuer CN of a generated certificate: the real gateway's, so tools that look for it agree. */
export const SELF_SIGNED_CN = 'openclaw-gateway';
const VALIDITY_DAYS = 3650;
const DAY_MS = 86_400_000;

/** A PEM certificate and its PEM private key. */
export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

/**
 * Issues a self-signed certificate for an existing RSA key (remote-access.md 8.1): RSA, SHA-256,
 * CN=openclaw-gateway as subject and issuer, `CA:TRUE`, no SAN, valid 3650 days from `now`.
 * Re-issuing for the same key is how a renewal keeps SPKI pins valid.
 * @throws Error when the key is not an unencrypted RSA private key
 */
export function issueSelfSigned(keyPem: string, now = Date.now()): string {
  // node-forge reads PKCS#1 and unencrypted PKCS#8; normalise through Node so both work.
  const pkcs8 = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(pkcs8) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // A positive 128-bit serial (leading byte below 0x80), fresh for every issue.
  cert.serialNumber = (0x10 + (randomBytes(1)[0]! % 0x70)).toString(16) + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(now - 60_000);
  cert.validity.notAfter = new Date(now + VALIDITY_DAYS * DAY_MS);
  const name = [{ name: 'commonName', value: SELF_SIGNED_CN }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A new RSA-2048 key (generated natively) and its self-signed certificate. */
export function generateSelfSigned(now = Date.now()): CertificatePair {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem: issueSelfSigned(keyPem, now), keyPem };
}

/** Whether a certificate is one this module issued (self-signed with our CN). */
export function isGeneratedCertificate(cert: X509Certificate): boolean {
  return cert.subject === `CN=${SELF_SIGNED_CN}` && cert.issuer === cert.subject;
}
