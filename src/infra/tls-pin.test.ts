import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { generateSelfSigned, issueSelfSigned } from '../gateway/tls/certificate.js';
import { colonHex, INVALID_FINGERPRINT, leafSha256, parseTlsPin, pinMatches, pinsOf, spkiSha256 } from './tls-pin.js';

const HEX = 'ab'.repeat(32);

describe('parseTlsPin', () => {
  test('accepts 64 hex, colon pairs and the sha256: prefix in any case, as one canonical leaf pin', () => {
    for (const text of [HEX, HEX.toUpperCase(), colonHex(HEX), `sha256:${HEX}`, `SHA256:${colonHex(HEX)}`, `  ${HEX}  `]) {
      assert.deepEqual(parseTlsPin(text), { kind: 'leaf', sha256: HEX }, text);
    }
  });

  test('accepts key pins as spki-sha256: with hex, colon pairs or base64', () => {
    const b64 = Buffer.from(HEX, 'hex').toString('base64');
    for (const text of [`spki-sha256:${HEX}`, `spki-sha256:${colonHex(HEX)}`, `SPKI-SHA256:${b64}`]) {
      assert.deepEqual(parseTlsPin(text), { kind: 'spki', sha256: HEX }, text);
    }
  });

  test('refuses anything else with the exact message', () => {
    for (const text of ['not-a-fingerprint', '', HEX.slice(2), `${HEX}00`, 'sha1:' + HEX, 'spki-sha256:', 'spki-sha256:zz', `md5:${HEX}`]) {
      assert.throws(() => parseTlsPin(text), { message: INVALID_FINGERPRINT }, text);
    }
  });
});

describe('pinMatches', () => {
  const pair = generateSelfSigned();
  const cert = new X509Certificate(pair.certPem);
  const renewed = new X509Certificate(issueSelfSigned(pair.keyPem));
  const other = new X509Certificate(generateSelfSigned().certPem);

  test('a leaf pin matches only the exact certificate', () => {
    const pin = parseTlsPin(pinsOf(cert).leaf);
    assert.equal(pinMatches(pin, cert), true);
    assert.equal(pinMatches(pin, renewed), false);
    assert.equal(leafSha256(cert), cert.fingerprint256.replace(/:/g, '').toLowerCase());
  });

  test('a key pin matches a renewed certificate for the same key and nothing else', () => {
    const pin = parseTlsPin(pinsOf(cert).spki);
    assert.notEqual(leafSha256(renewed), leafSha256(cert));
    assert.equal(spkiSha256(renewed), spkiSha256(cert));
    assert.equal(pinMatches(pin, cert), true);
    assert.equal(pinMatches(pin, renewed), true);
    assert.equal(pinMatches(pin, other), false);
  });
});
