// Interop: the real OpenClaw 2026.9.6 CLI (Node 24) reaching our wss:// gateway with a pin
// (acceptance.md G5, G6; remote-access.md 8.3).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { colonHex, leafSha256 } from '../../src/infra/tls-pin.js';
import { useDisposers } from '../helpers/disposers.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { ensurePeer, runOpenclaw, type OpenclawResult, type Peer } from '../helpers/peer.js';
import { httpsReady, startTlsRecorder } from '../helpers/tls-recorder.js';

// The real CLI alone spends 10–40 s on its own start-up (state schema, plugins) on a busy 2-core box.
const CLI_TIMEOUT_MS = 150_000;
const PEER_INSTALL_TIMEOUT_MS = 15 * 60_000;

const show = (r: OpenclawResult): string => `exit ${String(r.code ?? r.signal)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

describe('the real OpenClaw CLI against our wss:// gateway', () => {
  const d = useDisposers();
  let peer: Peer;
  let gw: RunningGateway;
  let certPem: string;
  let keyPem: string;

  before(async () => {
    peer = await ensurePeer();
    gw = await startGateway({
      config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN }, tls: { enabled: true } } },
      isReady: httpsReady,
    });
    const dir = join(gw.home.stateDir, 'gateway', 'tls');
    certPem = readFileSync(join(dir, 'gateway-cert.pem'), 'utf8');
    keyPem = readFileSync(join(dir, 'gateway-key.pem'), 'utf8');
  }, { timeout: PEER_INSTALL_TIMEOUT_MS });
  after(async () => {
    await gw?.stop();
  });

  /** Runs the real CLI in a fresh HOME whose ~/.openclaw/openclaw.json targets `url` with `pin`. */
  async function openclawPinned(url: string, pin: string, args: string[]): Promise<OpenclawResult> {
    const home = d.home();
    const dir = join(home.home, '.openclaw');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const config = { gateway: { mode: 'remote', remote: { url, token: TEST_TOKEN, tlsFingerprint: pin } } };
    writeFileSync(join(dir, 'openclaw.json'), JSON.stringify(config), { mode: 0o600 });
    return await runOpenclaw(args, peer.env(home.env), CLI_TIMEOUT_MS);
  }

  test('reaches our gateway over wss:// with the leaf fingerprint as openssl prints it', { timeout: 2 * CLI_TIMEOUT_MS }, async () => {
    const pin = colonHex(leafSha256(new X509Certificate(certPem)));
    const r = await openclawPinned(`wss://127.0.0.1:${gw.port}`, pin, ['gateway', 'call', 'health', '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal((JSON.parse(r.stdout) as { ok?: unknown }).ok, true, show(r));
  });

  test('a wrong pin fails with the mismatch error and the TLS peer receives nothing', { timeout: 2 * CLI_TIMEOUT_MS }, async () => {
    const recorder = await startTlsRecorder(certPem, keyPem);
    d.defer(() => recorder.close());
    const r = await openclawPinned(recorder.url, `sha256:${'0'.repeat(64)}`, ['gateway', 'call', 'health', '--json', '--timeout', '5000']);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stdout + r.stderr, /gateway tls fingerprint mismatch/, show(r));
    assert.ok(recorder.connections() >= 1, 'the CLI never connected');
    assert.equal(recorder.bytesReceived(), 0, `the CLI sent ${JSON.stringify(recorder.received())}`);
  });
});
