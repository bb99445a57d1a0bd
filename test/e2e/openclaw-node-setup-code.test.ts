// Interop (issue 5, setup codes): the real OpenClaw 2026.9.6 node host consumes a setup code
// printed by our `farclaw qr` (`openclaw node run --pair <code>`) and pairs with our gateway over
// a non-loopback path: our gateway (`--bind lan`, so the code carries its LAN URL) in one network
// namespace, the real node host in another, joined by a veth pair (netns.ts). Then the node host
// reconnects with the device token the handoff gave it, and nobody can use the code again.
// Expectations: protocol.md 3.4 (`auth.deviceTokens`), 4.1, 6.3; OpenClaw's `openclaw qr` docs.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { decodeSetupCode } from '../../src/protocol/setup-code.js';
import { jsonOut, show } from '../helpers/cli-output.js';
import { adminClient, type Endpoint } from '../helpers/device-session.js';
import { runFarclaw, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startLanGateway, type LanGateway } from '../helpers/lan-gateway.js';
import type { NetnsPair } from '../helpers/netns.js';
import { ensurePeer, type Peer } from '../helpers/peer.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const SETUP_TIMEOUT_MS = 15 * 60_000;
/**
 * A ceiling, not an expectation: the real node host needs 5–10 s to start and connect on an
 * idle 2-core machine, and over 30 s while other suites load it.
 */
const NODE_CONNECT_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 2 * NODE_CONNECT_TIMEOUT_MS + 30_000;

/** A real `openclaw node run` in the client namespace, in its own process group. */
interface NodeHost {
  output(): string;
  stop(): void;
}

describe('the real OpenClaw node host pairing with our gateway by a farclaw qr setup code', () => {
  let peer: Peer;
  let lan: LanGateway;
  let pair: NetnsPair;
  let gw: RunningGateway;
  let local: Endpoint;
  /** The node host's HOME (its `~/.openclaw`), kept across the steps. */
  let nodeHome: TmpHome;
  const homes: TmpHome[] = [];
  const hosts: NodeHost[] = [];
  let setupCode = '';
  let deviceId: string | undefined;

  before(async () => {
    peer = await ensurePeer();
    lan = await startLanGateway();
    ({ pair, gw, local } = lan);
    nodeHome = tmpHome('openclaw-node-setup-');
    homes.push(nodeHome);
  }, { timeout: SETUP_TIMEOUT_MS });

  after(async () => {
    for (const h of hosts) h.stop();
    await lan?.dispose();
    for (const h of homes) h.dispose();
  });

  function startNodeHost(args: string[], home: TmpHome): NodeHost {
    const child: ChildProcess = pair.client.spawn(peer.nodeBin, [peer.openclawEntry, 'node', 'run', ...args], {
      env: peer.env({ HOME: home.home }), cwd: home.home, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const host: NodeHost = {
      output: () => out,
      stop() {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      },
    };
    hosts.push(host);
    return host;
  }

  /** Our gateway's view, through a loopback admin in its namespace. */
  async function call(method: string, params: unknown = {}): Promise<any> {
    const admin = await adminClient(local);
    try {
      const res = await admin.call(method, params);
      assert.equal(res.ok, true, JSON.stringify(res.error));
      return res.payload;
    } finally {
      admin.terminate();
    }
  }

  it('prints a setup code with the gateway’s LAN URL on the gateway host', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await runFarclaw(['qr', '--port', String(gw.port), '--token', TEST_TOKEN, '--json'], gw.home.env, 30_000, pair.gateway.prefix);
    const out = jsonOut(r);
    assert.equal(out.gatewayUrl, `ws://${pair.gateway.address}:${gw.port}`, show(r));
    assert.equal(out.urlSource, 'gateway.bind=lan');
    setupCode = String(out.setupCode);
    assert.equal(decodeSetupCode(setupCode).url, out.gatewayUrl);
  });

  it('pairs the node host that presents it, with no operator approving anything', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(setupCode, 'needs the code of the previous test');
    const host = startNodeHost(['--pair', setupCode], nodeHome);
    const paired = await waitFor('the node host to pair and connect', async () => {
      const { paired: list } = await call('device.pair.list');
      return list.find((d: any) => d.clientId === 'node-host' && d.connected === true);
    }, NODE_CONNECT_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${host.output()}`));
    deviceId = paired.deviceId;
    assert.equal(paired.approvedVia, 'bootstrap-token');
    assert.deepEqual(paired.roles, ['node', 'operator']);
    assert.deepEqual(paired.tokens.map((t: any) => t.role).sort(), ['node', 'operator']);
    assert.deepEqual((await call('device.pair.list')).pending, [], 'nothing waits for approval');
    // The node host persists the token before it reports the connection: stopping it earlier
    // would throw the token away.
    await waitFor('the node host to report the connection', () => host.output().includes('node host gateway connected:'), NODE_CONNECT_TIMEOUT_MS, 100)
      .catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${host.output()}`));
    host.stop();
  });

  it('reconnects with the node token of the handoff, without the setup code or a shared secret', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deviceId, 'needs the device of the previous test');
    await waitFor('the first node session to close', async () => {
      const { paired } = await call('device.pair.list');
      return paired.find((d: any) => d.deviceId === deviceId)?.connected === false;
    }, NODE_CONNECT_TIMEOUT_MS, 250);
    const host = startNodeHost(['--host', pair.gateway.address, '--port', String(gw.port)], nodeHome);
    const nodeToken = await waitFor('the node host to reconnect with its device token', async () => {
      const { paired } = await call('device.pair.list');
      const device = paired.find((d: any) => d.deviceId === deviceId);
      const token = device?.tokens.find((t: any) => t.role === 'node');
      return device?.connected === true && typeof token?.lastUsedAtMs === 'number' ? token : undefined;
    }, NODE_CONNECT_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${host.output()}`));
    assert.deepEqual(nodeToken.scopes, []);
    host.stop();
  });

  it('refuses the used code to another node host', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(setupCode, 'needs the code of the first test');
    const other = tmpHome('openclaw-node-setup-other-');
    homes.push(other);
    const host = startNodeHost(['--pair', setupCode], other);
    await waitFor('the node host to report the refusal', () => /setup code is unknown, expired or already used/.test(host.output()), NODE_CONNECT_TIMEOUT_MS, 250)
      .catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${host.output()}`));
    host.stop();
    const { paired, pending } = await call('device.pair.list');
    assert.deepEqual(paired.map((d: any) => d.deviceId), [deviceId]);
    assert.deepEqual(pending, []);
  });
});
