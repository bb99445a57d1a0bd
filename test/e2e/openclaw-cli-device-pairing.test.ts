// Interop (issue 5): the real OpenClaw 2026.9.6 CLI, with its own device identity, pairs with our
// gateway over a non-loopback path. The gateway runs as a real process (`--bind lan`) in one
// network namespace, the real CLI in another, joined by a veth pair (netns.ts); our CLI approves
// from the gateway's host (a loopback client in the gateway's namespace).
//
// The real CLI creates its device identity (state/openclaw.sqlite, `device_identities`) only in
// commands that do not open the shared state read-only: `gateway call`, `health`, `status` and
// `devices` never create one (and then connect device-less), `system presence` does. So the first
// call below is what gives the CLI its identity. Expectations: protocol.md 5, 6.1-6.3, 12.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { adminClient, type Endpoint } from '../helpers/device-session.js';
import { runFarclaw, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startLanGateway, type LanGateway } from '../helpers/lan-gateway.js';
import type { NetnsPair } from '../helpers/netns.js';
import { ensurePeer, runOpenclaw, type OpenclawResult, type Peer } from '../helpers/peer.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

/** The real CLI needs ≈2–4 s per start; this is only a ceiling for a hung call. */
// The real CLI alone spends 10–40 s on its own start-up (state schema, plugins) on a busy 2-core box.
const CLI_TIMEOUT_MS = 150_000;
const TEST_TIMEOUT_MS = 2 * CLI_TIMEOUT_MS;
/** A first run installs Node 24 and openclaw from the npm registry (about a minute). */
const PEER_INSTALL_TIMEOUT_MS = 15 * 60_000;
const PAIRING_REQUIRED = /^device pairing required \(requestId: ([0-9a-f-]{36})\)$/;

function show(r: { code: number | null; stdout: string; stderr: string }): string {
  return `exit ${String(r.code)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

function parseJson(r: OpenclawResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not one JSON document\n${show(r)}`);
  }
}

/** The device tokens the real CLI persisted, per gateway origin (state/openclaw.sqlite). */
function storedOriginTokens(home: TmpHome): { gateway_scope: string; device_id: string; role: string; token: string; scopes_json: string }[] {
  const db = new Database(join(home.home, '.openclaw', 'state', 'openclaw.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT gateway_scope, device_id, role, token, scopes_json FROM gateway_origin_device_tokens').all() as never;
  } finally {
    db.close();
  }
}

describe('the real OpenClaw CLI pairing with our gateway from another network namespace', () => {
  let peer: Peer;
  let lan: LanGateway;
  let pair: NetnsPair;
  let gw: RunningGateway;
  /** The real CLI's HOME (its `~/.openclaw`), kept across the steps below. */
  let cliHome: TmpHome;
  let local: Endpoint;
  let remoteUrl: string;
  /** Filled in by each step for the next one. */
  let requestId: string | undefined;
  let deviceId: string | undefined;

  before(async () => {
    peer = await ensurePeer();
    lan = await startLanGateway();
    ({ pair, gw, local, remoteUrl } = lan);
    cliHome = tmpHome('farclaw-openclaw-device-');
  }, { timeout: PEER_INSTALL_TIMEOUT_MS });

  after(async () => {
    await lan?.dispose();
    cliHome?.dispose();
  });

  /** The real CLI, run inside the client namespace with its own HOME. */
  const openclaw = async (args: string[]) => await runOpenclaw(args, peer.env(cliHome.env), CLI_TIMEOUT_MS, pair.client.prefix);

  /** The gateway's record of the real CLI's device, read by a loopback admin. */
  async function pairingState(): Promise<{ pending: any[]; paired: any[] }> {
    const admin = await adminClient(local);
    try {
      return (await admin.call('device.pair.list')).payload;
    } finally {
      admin.terminate();
    }
  }

  it('refuses the first call with a pending pairing request for the CLI’s own new device identity', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await openclaw(['system', 'presence', '--url', remoteUrl, '--token', TEST_TOKEN, '--json']);
    assert.equal(r.code, 1, show(r));
    const message = String(parseJson(r).error?.message);
    requestId = PAIRING_REQUIRED.exec(message)?.[1];
    assert.ok(requestId, `no request id in ${JSON.stringify(message)}\n${show(r)}`);

    const identity = await openclaw(['node', 'identity', '--json']);
    assert.equal(identity.code, 0, show(identity));
    const { deviceId: id, publicKey } = parseJson(identity);
    deviceId = String(id);
    const { pending, paired } = await pairingState();
    assert.deepEqual(paired, []);
    assert.equal(pending.length, 1);
    assert.deepEqual(
      { ...pending[0], ts: typeof pending[0].ts },
      {
        requestId, deviceId, publicKey, platform: 'linux', deviceFamily: 'Linux', clientId: 'cli', clientMode: 'cli',
        role: 'operator', roles: ['operator'], scopes: ['operator.read'], silent: false, isRepair: false,
        ts: 'number', remoteIp: pair.client.address,
      },
    );
  });

  it('lets our CLI approve the request from the gateway’s host', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(requestId, 'needs the request of the previous test');
    const r = await runFarclaw(['devices', 'approve', requestId, '--url', gw.url, '--token', TEST_TOKEN, '--json'], gw.home.env, CLI_TIMEOUT_MS, pair.gateway.prefix);
    assert.equal(r.code, 0, show(r));
    const { paired } = await pairingState();
    assert.deepEqual(
      paired.map((d) => ({ deviceId: d.deviceId, approvedVia: d.approvedVia, scopes: d.scopes, tokens: d.tokens.map((t: any) => t.role) })),
      [{ deviceId, approvedVia: 'owner', scopes: ['operator.read'], tokens: ['operator'] }],
    );
  });

  it('admits the next call and issues a device token, which the CLI keeps for this gateway', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deviceId, 'needs the device of the first test');
    const r = await openclaw(['system', 'presence', '--url', remoteUrl, '--token', TEST_TOKEN, '--json']);
    assert.equal(r.code, 0, show(r));
    assert.ok(Array.isArray(parseJson(r)), show(r));
    const stored = storedOriginTokens(cliHome);
    assert.deepEqual(stored.map((t) => ({ ...t, token: /^[A-Za-z0-9_-]{43}$/.test(t.token) })), [
      { gateway_scope: remoteUrl, device_id: deviceId, role: 'operator', token: true, scopes_json: '["operator.read"]' },
    ]);
    const { paired } = await pairingState();
    assert.equal(paired[0]?.tokens[0]?.lastUsedAtMs, undefined, 'the call got in with the shared token, not the device token');
  });

  it('admits a call by the stored device token alone once no shared secret is configured', { timeout: TEST_TIMEOUT_MS }, async () => {
    assert.ok(deviceId, 'needs the device of the first test');
    const configDir = join(cliHome.home, '.openclaw');
    mkdirSync(configDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(configDir, 'openclaw.json'), JSON.stringify({ gateway: { mode: 'remote', remote: { url: remoteUrl } } }), { mode: 0o600 });
    const r = await openclaw(['system', 'presence', '--json']);
    assert.equal(r.code, 0, show(r));
    assert.ok(Array.isArray(parseJson(r)), show(r));
    const { paired } = await pairingState();
    assert.equal(typeof paired[0]?.tokens[0]?.lastUsedAtMs, 'number', 'the gateway saw the device token used');
  });
});
