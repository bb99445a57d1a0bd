// Interop (issue 5, "our CLI does the same against the real gateway"): our `farclaw` CLI, with
// its own device identity, pairs with the real OpenClaw 2026.9.6 gateway over a non-loopback
// path. The real gateway runs (`--bind lan`, a token) in one network namespace, our CLI in
// another, joined by a veth pair (netns.ts): the mirror image of openclaw-cli-device-pairing.
// The operator approves with the real `openclaw devices approve` on the gateway's host (loopback
// inside the gateway's namespace). Expectations: protocol.md 5, 6.1-6.3, 12 (last paragraph).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOut, show, type CliResult } from '../helpers/cli-output.js';
import { runFarclaw, TEST_TOKEN } from '../helpers/gateway-process.js';
import { createNetnsPair, type NetnsPair } from '../helpers/netns.js';
import { NetnsRelay } from '../helpers/netns-relay.js';
import { startOpenclawGateway, type OpenclawGateway } from '../helpers/openclaw-gateway.js';
import { ensurePeer, runOpenclaw, type Peer } from '../helpers/peer.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

/** The real gateway needs 15–25 s to start on 2 cores; a first run also installs the peer. */
const SETUP_TIMEOUT_MS = 15 * 60_000;
const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 2 * CLI_TIMEOUT_MS;

describe('our CLI pairing with the real OpenClaw gateway from another network namespace', () => {
  let peer: Peer;
  let pair: NetnsPair;
  let inGateway: NetnsRelay;
  let gw: OpenclawGateway;
  /** Our CLI's HOME (its `~/.farclaw`: device identity and device tokens), kept across the steps. */
  let cliHome: TmpHome;
  let remoteUrl: string;
  /** Filled in by each step for the next one. */
  let requestId: string | undefined;
  let deviceId: string | undefined;

  before(async () => {
    peer = await ensurePeer();
    pair = await createNetnsPair();
    inGateway = await NetnsRelay.start(pair.gateway);
    gw = await startOpenclawGateway(TEST_TOKEN, {
      bind: 'lan',
      spawnPrefix: pair.gateway.prefix,
      isReady: async (port) => (await inGateway.httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200,
    });
    remoteUrl = `ws://${pair.gateway.address}:${gw.port}`;
    cliHome = tmpHome('farclaw-cli-vs-openclaw-pairing-');
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    await gw?.stop();
    await inGateway?.close();
    await pair?.dispose();
    cliHome?.dispose();
  });

  /** Our CLI, run inside the client namespace with its own HOME. */
  const farclaw = async (args: string[]): Promise<CliResult> => await runFarclaw(args, cliHome.env, CLI_TIMEOUT_MS, pair.client.prefix);
  /** The real CLI on the gateway's host: loopback, the shared token, no device identity of its own. */
  const operator = async (args: string[]) =>
    await runOpenclaw([...args, '--url', gw.url, '--token', TEST_TOKEN], peer.env({ HOME: gw.home.home }), CLI_TIMEOUT_MS, pair.gateway.prefix);

  /** The gateway's pairing state as `openclaw devices list --json` shows it. */
  async function devicesList(): Promise<{ pending: any[]; paired: any[] }> {
    const r = await operator(['devices', 'list', '--json']);
    assert.equal(r.code, 0, show(r));
    return JSON.parse(r.stdout);
  }

  /** Our CLI's stored device tokens (`~/.farclaw/identity/device-tokens.json`). */
  function storedTokens(): Record<string, Record<string, Record<string, { token: string; scopes: string[] }>>> {
    return JSON.parse(readFileSync(join(cliHome.stateDir, 'identity', 'device-tokens.json'), 'utf8')).gateways;
  }

  it('gets a pending pairing request on the first call, says so in one clear message, and exits 1', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await farclaw(['gateway', 'call', 'status', '--url', remoteUrl, '--token', TEST_TOKEN]);
    assert.equal(r.code, 1, show(r));
    const match = /^Fix: on the gateway host run: farclaw devices approve ([0-9a-f-]{36})$/m.exec(r.stderr);
    assert.ok(match, show(r));
    requestId = match[1];
    assert.match(r.stderr.split('\n')[0] ?? '', /^Gateway call failed: pairing required/, show(r));
    assert.match(r.stderr, /^Why: this device is waiting for approval\.$/m, show(r));
    deviceId = JSON.parse(readFileSync(join(cliHome.stateDir, 'identity', 'device.json'), 'utf8')).deviceId;
    const { pending, paired } = await devicesList();
    assert.deepEqual(paired, []);
    assert.deepEqual(
      pending.map((p) => ({ requestId: p.requestId, deviceId: p.deviceId, clientId: p.clientId, clientMode: p.clientMode, role: p.role, scopes: p.scopes })),
      [{ requestId, deviceId, clientId: 'cli', clientMode: 'cli', role: 'operator', scopes: ['operator.read'] }],
    );
  });

  it('is approved by the real CLI on the gateway host', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(requestId, 'needs the request of the previous test');
    const r = await operator(['devices', 'approve', requestId, '--json']);
    assert.equal(r.code, 0, show(r));
    const { paired } = await devicesList();
    assert.deepEqual(paired.map((d) => d.deviceId), [deviceId]);
  });

  it('gets in on the next call and keeps the device token it was issued for this gateway', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deviceId, 'needs the device of the first test');
    const r = await farclaw(['gateway', 'call', 'status', '--url', remoteUrl, '--token', TEST_TOKEN, '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(typeof jsonOut(r).runtimeVersion, 'string', show(r));
    const stored = storedTokens()[remoteUrl]?.[deviceId]?.operator;
    assert.match(stored?.token ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(stored?.scopes, ['operator.read']);
    const { paired } = await devicesList();
    const operatorToken = paired[0]?.tokens?.find((t: any) => t.role === 'operator');
    assert.ok(operatorToken, JSON.stringify(paired));
    assert.equal(operatorToken.lastUsedAtMs, undefined, 'this call got in with the shared token, not the device token');
  });

  it('authenticates with that device token alone once no shared secret is configured', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deviceId, 'needs the device of the first test');
    cliHome.writeConfig({ gateway: { mode: 'remote', remote: { url: remoteUrl } } });
    const before = storedTokens()[remoteUrl]?.[deviceId]?.operator?.token;
    const r = await farclaw(['gateway', 'call', 'status', '--json']);
    assert.equal(r.code, 0, show(r));
    assert.equal(typeof jsonOut(r).runtimeVersion, 'string', show(r));
    assert.equal(storedTokens()[remoteUrl]?.[deviceId]?.operator?.token, before, 'the gateway echoed the same token');
    const { paired } = await devicesList();
    const tokens = paired[0]?.tokens ?? [];
    assert.equal(typeof tokens.find((t: any) => t.role === 'operator')?.lastUsedAtMs, 'number', `the gateway saw the device token used: ${JSON.stringify(tokens)}`);
  });
});
