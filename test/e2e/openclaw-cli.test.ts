// Interop: the real OpenClaw 2026.9.6 CLI (Node 24, from the peer cache) against our gateway.
// Cases and expectations: shared/spec/protocol.md section 12 and remote-access.md 7, 9, 13.
// The expected texts were read from the real CLI talking to the real OpenClaw gateway.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { ensurePeer, runOpenclaw, type OpenclawResult, type Peer } from '../helpers/peer.js';
import { tmpHome } from '../helpers/tmp-home.js';
import { jsonOut } from '../helpers/cli-output.js';

/** The real CLI needs ≈2–4 s per start; this is only a ceiling for a hung call. */
// The real CLI alone spends 10–40 s on its own start-up (state schema, plugins) on a busy 2-core box.
const CLI_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 2 * CLI_TIMEOUT_MS;
/** A first run installs Node 24 and openclaw from the npm registry (about a minute). */
const PEER_INSTALL_TIMEOUT_MS = 15 * 60_000;

interface ClientConfig {
  gateway: { mode: 'remote'; remote: { url: string; token: string } };
}

/** Runs the real CLI in a fresh HOME (its own `~/.openclaw`), optionally with a client config. */
async function openclaw(peer: Peer, args: string[], clientConfig?: ClientConfig): Promise<OpenclawResult> {
  const home = tmpHome('farclaw-openclaw-cli-');
  try {
    if (clientConfig) {
      const dir = join(home.home, '.openclaw');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(join(dir, 'openclaw.json'), JSON.stringify(clientConfig, null, 2), { mode: 0o600 });
    }
    return await runOpenclaw(args, peer.env(home.env), CLI_TIMEOUT_MS);
  } finally {
    home.dispose();
  }
}

/** Everything needed to see why a CLI call did not do what a test expected. */
function show(r: OpenclawResult): string {
  const how = r.timedOut ? `timed out after ${CLI_TIMEOUT_MS}ms` : `exit ${String(r.code ?? r.signal)}`;
  return `openclaw ${how}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
}

describe('the real OpenClaw CLI against our gateway', () => {
  let peer: Peer;
  let gateway: RunningGateway | undefined;
  let gatewayUrl: string;
  let remoteConfig: ClientConfig;

  before(
    async () => {
      peer = await ensurePeer();
      gateway = await startGateway({
        config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } },
      });
      gatewayUrl = gateway.url;
      remoteConfig = { gateway: { mode: 'remote', remote: { url: gatewayUrl, token: TEST_TOKEN } } };
    },
    { timeout: PEER_INSTALL_TIMEOUT_MS },
  );

  after(async () => {
    await gateway?.stop();
  });

  test('`gateway call health --json` exits 0 and prints the health payload', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['gateway', 'call', 'health', '--url', gatewayUrl, '--token', TEST_TOKEN, '--json']);
    assert.equal(r.code, 0, show(r));
    const health = jsonOut(r);
    assert.equal(health.ok, true, show(r));
  });

  test('`gateway health` exits 0 and reports OK with a latency', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['gateway', 'health', '--url', gatewayUrl, '--token', TEST_TOKEN]);
    assert.equal(r.code, 0, show(r));
    // Real output: "Gateway Health\nOK (34ms)\n"
    assert.match(r.stdout, /^Gateway Health$/m, show(r));
    assert.match(r.stdout, /^OK \(\d+ms\)$/m, show(r));
  });

  test('`health --json` in remote mode reaches the configured gateway and exits 0', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['health', '--json'], remoteConfig);
    assert.equal(r.code, 0, show(r));
    const health = jsonOut(r);
    assert.equal(health.ok, true, show(r));
  });

  test('`status --json` in remote mode shows the gateway reachable', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['status', '--json'], remoteConfig);
    // `status` exits 0 even when the gateway is unreachable (remote-access.md 13.2), so the
    // `gateway` object is what tells a working gateway from a broken one.
    assert.equal(r.code, 0, show(r));
    const gw = jsonOut(r).gateway;
    assert.equal(field(gw, 'mode'), 'remote', show(r));
    assert.equal(field(gw, 'url'), gatewayUrl, show(r));
    assert.equal(field(gw, 'urlSource'), 'config gateway.remote.url', show(r));
    assert.equal(field(gw, 'error'), null, show(r));
    assert.equal(field(gw, 'reachable'), true, show(r));
  });

  test('`gateway probe --json` exits 0 with ok:true and a connected explicit target', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['gateway', 'probe', '--url', gatewayUrl, '--token', TEST_TOKEN, '--json']);
    assert.equal(r.code, 0, show(r));
    const probe = jsonOut(r);
    assert.equal(probe.ok, true, show(r));
    // The probe also tries the default local port (18789); only the --url target is ours.
    const targets = Array.isArray(probe.targets) ? probe.targets : [];
    const explicit = targets.find((t) => field(t, 'id') === 'explicit');
    assert.ok(explicit, `no "explicit" target\n${show(r)}`);
    assert.equal(field(explicit, 'url'), gatewayUrl, show(r));
    assert.equal(field(field(explicit, 'connect'), 'ok'), true, show(r));
    assert.equal(field(field(explicit, 'auth'), 'role'), 'operator', show(r));
  });

  test('`gateway status` exits 0 and reports the connectivity probe ok', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['gateway', 'status', '--url', gatewayUrl, '--token', TEST_TOKEN]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, new RegExp(`^Probe target: ${gatewayUrl.replaceAll('.', '\\.')}$`, 'm'), show(r));
    assert.match(r.stdout, /^Connectivity probe: ok$/m, show(r));
  });

  test('`gateway call health` with a wrong token exits non-zero with "gateway token mismatch"', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['gateway', 'call', 'health', '--url', gatewayUrl, '--token', 'wrong']);
    assert.notEqual(r.code, 0, show(r));
    assert.equal(r.timedOut, false, show(r));
    assert.match(`${r.stdout}\n${r.stderr}`, /gateway token mismatch/, show(r));
  });

  test('`gateway call health --json` with a wrong token prints the AUTH_TOKEN_MISMATCH error', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(peer, ['gateway', 'call', 'health', '--url', gatewayUrl, '--token', 'wrong', '--json']);
    assert.equal(r.code, 1, show(r));
    // The CLI copies the connect `res` error into its own JSON (remote-access.md 7.5).
    const error = jsonOut(r).error;
    assert.equal(field(error, 'type'), 'gateway_request_error', show(r));
    assert.equal(field(error, 'code'), 'INVALID_REQUEST', show(r));
    assert.match(String(field(error, 'message')), /^unauthorized: gateway token mismatch/, show(r));
    assert.equal(field(field(error, 'details'), 'code'), 'AUTH_TOKEN_MISMATCH', show(r));
  });
});
