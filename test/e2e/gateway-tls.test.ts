// TLS and certificate pinning, black-box against the real binary (acceptance.md G, remote-access.md 8).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { GatewayClient } from '../../src/client/gateway-client.js';
import { buildConnectParams } from '../../src/client/frames.js';
import { generateSelfSigned, issueSelfSigned } from '../../src/gateway/tls/certificate.js';
import { colonHex, leafSha256, parseTlsPin, spkiSha256 } from '../../src/infra/tls-pin.js';
import { assertExit, assertHasLine, jsonOut, show, stderrLine1 } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { httpsReady, startTlsRecorder } from '../helpers/tls-recorder.js';
import { waitFor } from '../helpers/wait-for.js';

const SELF_SIGNED = 'self-signed certificate; if the root CA is installed locally, try running Node.js with --use-system-ca';
const MISMATCH = 'gateway tls fingerprint mismatch';
const tlsConfig = (extra: Record<string, unknown> = {}) => ({
  gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'token', token: TEST_TOKEN }, tls: { enabled: true, ...extra } },
});
const remoteConfig = (url: string, tlsFingerprint: string) => ({ gateway: { mode: 'remote', remote: { url, token: TEST_TOKEN, tlsFingerprint } } });

function tlsPaths(home: TmpHome) {
  const dir = join(home.stateDir, 'gateway', 'tls');
  return { cert: join(dir, 'gateway-cert.pem'), key: join(dir, 'gateway-key.pem') };
}

/** The leaf certificate a TLS client is served right now on the port. */
function servedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cert = s.getPeerX509Certificate();
      s.destroy();
      if (cert) resolve(cert);
      else reject(new Error('no certificate'));
    });
    s.on('error', reject);
  });
}

/** Replaces a file the way a renewal tool does: write aside, rename over. */
function replaceFile(path: string, content: string): void {
  writeFileSync(`${path}.new`, content, { mode: 0o600 });
  renameSync(`${path}.new`, path);
}

describe('gateway over TLS (acceptance G)', () => {
  let gw: RunningGateway;
  let cert: X509Certificate;
  const d = useDisposers();

  before(async () => {
    gw = await startGateway({ config: tlsConfig(), isReady: httpsReady });
    cert = new X509Certificate(readFileSync(tlsPaths(gw.home).cert));
  });
  after(async () => {
    await gw.stop();
  });

  test('G1: generates a self-signed RSA-2048 certificate, CN=openclaw-gateway, 3650 days, no SAN, files 0600', () => {
    const paths = tlsPaths(gw.home);
    for (const p of [paths.cert, paths.key]) assert.equal(statSync(p).mode & 0o777, 0o600, p);
    assert.equal(cert.subject, 'CN=openclaw-gateway');
    assert.equal(cert.issuer, 'CN=openclaw-gateway');
    assert.equal(cert.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(cert.subjectAltName, undefined);
    assert.equal(cert.ca, true);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    assert.ok(days > 3649 && days < 3651, `validity ${days} days`);
    assert.match(gw.stderr(), /gateway tls: generated self-signed cert at ~\/\.farclaw\/gateway\/tls\/gateway-cert\.pem/);
  });

  test('G2: TLS 1.2 is refused and plaintext ws:// gets no hello', async () => {
    const err = await new Promise<Error | undefined>((resolve) => {
      const s = tlsConnect({ host: '127.0.0.1', port: gw.port, rejectUnauthorized: false, maxVersion: 'TLSv1.2' }, () => {
        s.destroy();
        resolve(undefined);
      });
      s.on('error', resolve);
    });
    assert.ok(err, 'a TLS 1.2 handshake succeeded');
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      const s = netConnect(gw.port, '127.0.0.1', () => {
        s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
      });
      s.on('data', (b: Buffer) => (got += b.toString('latin1')));
      s.on('error', () => resolve(got));
      s.on('close', () => resolve(got));
    });
    assert.doesNotMatch(answer, /HTTP\/1\.1 101|connect\.challenge/);
  });

  test('G3: the same home reaches its local TLS gateway with no flags (local certificate auto-pinned)', async () => {
    const r = await runFarclaw(['gateway', 'call', 'health', '--port', String(gw.port), '--json'], gw.home.env);
    assertExit(r, 0);
    assert.equal(jsonOut(r).ok, true);
  });

  test('gateway status and gateway probe reach the local TLS gateway through the local certificate pin', async () => {
    const status = await runFarclaw(['gateway', 'status', '--json', '--port', String(gw.port)], gw.home.env);
    assertExit(status, 0);
    assert.equal(jsonOut(status).rpc.ok, true, show(status));
    const probe = await runFarclaw(['gateway', 'probe', '--json', '--port', String(gw.port)], gw.home.env);
    const target = jsonOut(probe).targets[0];
    assert.equal(target.url, `wss://127.0.0.1:${gw.port}`);
    assert.equal(target.connect.ok, true, show(probe));
  });

  test('G4: another home with --url gets the self-signed error as cli_error', async () => {
    const home = d.home();
    const r = await runFarclaw(['gateway', 'call', 'health', '--url', `wss://127.0.0.1:${gw.port}`, '--token', TEST_TOKEN, '--json'], home.env);
    assertExit(r, 1);
    assert.deepEqual(jsonOut(r).error, { type: 'cli_error', message: SELF_SIGNED });
  });

  test('G5: a configured pin in colon, bare-hex and sha256: forms works for gateway call and health', async () => {
    const hex = leafSha256(cert);
    for (const pin of [colonHex(hex), hex, `sha256:${hex}`]) {
      const home = d.home(remoteConfig(`wss://127.0.0.1:${gw.port}`, pin));
      assertExit(await runFarclaw(['gateway', 'call', 'health', '--json'], home.env), 0);
      assertExit(await runFarclaw(['health', '--json'], home.env), 0);
    }
  });

  test('status --deep reaches a pinned wss:// gateway and fails with the mismatch under a wrong pin', async () => {
    const good = d.home(remoteConfig(`wss://127.0.0.1:${gw.port}`, colonHex(leafSha256(cert))));
    const ok = await runFarclaw(['status', '--deep', '--json'], good.env);
    assertExit(ok, 0);
    const bad = d.home(remoteConfig(`wss://127.0.0.1:${gw.port}`, `sha256:${'0'.repeat(64)}`));
    const refused = await runFarclaw(['status', '--deep'], bad.env);
    assertExit(refused, 1);
    assert.equal(stderrLine1(refused), `Status check failed: ${MISMATCH}`, show(refused));
    assert.match(refused.stderr, /^Why: the first broken hop is TLS: gateway tls fingerprint mismatch/m, show(refused));
    assert.match(refused.stderr, /^Fix: .*set gateway\.remote\.tlsFingerprint/m, show(refused));
  });

  test('G6: a wrong pin fails with the mismatch error (cli_error), also through health', async () => {
    const home = d.home(remoteConfig(`wss://127.0.0.1:${gw.port}`, `sha256:${'0'.repeat(64)}`));
    const call = await runFarclaw(['gateway', 'call', 'health', '--json'], home.env);
    assertExit(call, 1);
    assert.deepEqual(jsonOut(call).error, { type: 'cli_error', message: MISMATCH });
    const health = await runFarclaw(['health'], home.env);
    assertExit(health, 1);
    assert.equal(stderrLine1(health), `Health check failed: ${MISMATCH}`, show(health));
    assert.match(health.stderr, /^Fix: .*gateway\.remote\.tlsFingerprint/m, show(health));
  });

  test('G7: a pin that is not a fingerprint is refused with the format error', async () => {
    const home = d.home(remoteConfig(`wss://127.0.0.1:${gw.port}`, 'not-a-fingerprint'));
    const r = await runFarclaw(['gateway', 'call', 'health'], home.env);
    assertExit(r, 1);
    assert.match(stderrLine1(r), /Invalid TLS fingerprint; expected a SHA-256 certificate fingerprint\.$/);
  });

  test('G8: the configured pin is not applied to --url targets', async () => {
    const home = d.home(remoteConfig(`wss://127.0.0.1:${gw.port}`, leafSha256(cert)));
    const r = await runFarclaw(['gateway', 'call', 'health', '--url', `wss://127.0.0.1:${gw.port}`, '--token', TEST_TOKEN], home.env);
    assertExit(r, 1);
    assert.match(r.stderr, new RegExp(SELF_SIGNED.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  });

  test('a pin on a ws:// URL is refused before connecting', async () => {
    const home = d.home(remoteConfig(`ws://127.0.0.1:${gw.port}`, leafSha256(cert)));
    const r = await runFarclaw(['gateway', 'call', 'health'], home.env);
    assertExit(r, 1);
    assert.match(stderrLine1(r), /gateway tls fingerprint requires wss:\/\/ gateway url/);
  });

  test('a pin mismatch sends nothing: the TLS peer receives zero application bytes', async () => {
    const recorder = await startTlsRecorder(readFileSync(tlsPaths(gw.home).cert, 'utf8'), readFileSync(tlsPaths(gw.home).key, 'utf8'));
    d.defer(() => recorder.close());
    const wrong = d.home(remoteConfig(recorder.url, `sha256:${'ab'.repeat(32)}`));
    const r = await runFarclaw(['gateway', 'call', 'health', '--json', '--timeout', '3000'], wrong.env);
    assertExit(r, 1);
    assert.equal(jsonOut(r).error.message, MISMATCH);
    assert.ok(recorder.connections() >= 1, 'the client never connected');
    assert.equal(recorder.bytesReceived(), 0, `the client sent ${JSON.stringify(recorder.received())}`);
    // Control: with the right pin the same recorder does see the upgrade request.
    const right = d.home(remoteConfig(recorder.url, leafSha256(cert)));
    await runFarclaw(['gateway', 'call', 'health', '--json', '--timeout', '1500'], right.env);
    assert.match(recorder.received(), /^GET \/ HTTP\/1\.1\r\n/);
  });
});

describe('key pins survive certificate renewal', () => {
  const d = useDisposers();

  test('a renewed certificate for the same key keeps a key-pinned client connected; a new key fails closed', async () => {
    const gw = await startGateway({ config: tlsConfig(), isReady: httpsReady });
    d.defer(() => gw.stop());
    const paths = tlsPaths(gw.home);
    const original = new X509Certificate(readFileSync(paths.cert));
    const keyPin = `spki-sha256:${spkiSha256(original)}`;
    const url = `wss://127.0.0.1:${gw.port}`;

    const client = new GatewayClient();
    d.defer(() => client.close());
    await client.connect(url, buildConnectParams({ clientId: 'cli', mode: 'cli', version: 'test', scopes: ['operator.read'], token: TEST_TOKEN }), 5000, {
      tlsPin: parseTlsPin(keyPin),
    });

    // Renewal: a new certificate (new serial and validity) for the same key, swapped in on disk.
    replaceFile(paths.cert, issueSelfSigned(readFileSync(paths.key, 'utf8'), Date.now() + 86_400_000));
    const renewed = await waitFor('the gateway to serve the renewed certificate', async () => {
      const c = await servedCertificate(gw.port);
      return leafSha256(c) !== leafSha256(original) ? c : undefined;
    });
    assert.equal(spkiSha256(renewed), spkiSha256(original));
    assert.equal(client.isOpen, true, 'the open connection was dropped by the reload');
    assert.equal(((await client.request('health', {}, 5000)) as { ok?: boolean }).ok, true);

    const keyPinned = d.home(remoteConfig(url, keyPin));
    const ok = await runFarclaw(['gateway', 'call', 'health', '--json'], keyPinned.env);
    assertExit(ok, 0);
    const leafPinned = d.home(remoteConfig(url, leafSha256(original)));
    const stale = await runFarclaw(['gateway', 'call', 'health', '--json'], leafPinned.env);
    assertExit(stale, 1);
    assert.equal(jsonOut(stale).error.message, MISMATCH, show(stale));

    // A certificate for a different key: the key pin fails closed.
    const other = generateSelfSigned();
    replaceFile(paths.key, other.keyPem);
    replaceFile(paths.cert, other.certPem);
    await waitFor('the gateway to serve the other key', async () => spkiSha256(await servedCertificate(gw.port)) !== spkiSha256(original));
    const refused = await runFarclaw(['gateway', 'call', 'health', '--json'], keyPinned.env);
    assertExit(refused, 1);
    assert.equal(jsonOut(refused).error.message, MISMATCH, show(refused));
  });
});

describe('TLS start-up refusals', () => {
  const d = useDisposers();

  test('G9: only one of cert/key present: the gateway does not start and generates nothing', async () => {
    const home = d.home(tlsConfig());
    const paths = tlsPaths(home);
    const pair = generateSelfSigned();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home.stateDir, 'gateway', 'tls'), { recursive: true });
    writeFileSync(paths.cert, pair.certPem, { mode: 0o600 });
    const gw = await startGateway({ home, waitReady: false });
    const code = await gw.exited;
    assert.equal(code, 78, gw.stderr());
    assert.match(gw.stderr(), /gateway tls: cert\/key missing/);
    assert.equal(existsSync(paths.key), false);
    assert.equal(readFileSync(paths.cert, 'utf8'), pair.certPem);
  });

  test('configured cert and key paths are used as given', async () => {
    const base = tmpHome();
    d.defer(() => base.dispose());
    const pair = generateSelfSigned();
    const certPath = join(base.home, 'my-cert.pem');
    const keyPath = join(base.home, 'my-key.pem');
    writeFileSync(certPath, pair.certPem, { mode: 0o600 });
    writeFileSync(keyPath, pair.keyPem, { mode: 0o600 });
    const gw = await startGateway({ config: tlsConfig({ certPath, keyPath }), isReady: httpsReady });
    d.defer(() => gw.stop());
    assert.equal(leafSha256(await servedCertificate(gw.port)), leafSha256(new X509Certificate(pair.certPem)));
    assert.equal(existsSync(tlsPaths(gw.home).cert), false);
  });
});
