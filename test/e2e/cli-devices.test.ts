// `farclaw devices list|approve|reject|remove|rename|rotate|revoke`: our CLI binary against our
// real gateway process. Device clients are played by raw sockets that sign real device proofs.
// Pairing requests stay pending only for remote devices; here the gateway runs with
// `gateway.nodes.pairing.autoApproveLocal: false`, so loopback devices need approval too.
// Expectations: shared/spec/protocol.md 6.1-6.3, 7.3; remote-access.md 7.3, 7.5.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertExit, flatText, jsonOut, linesOf, show, stderrLine1 } from '../helpers/cli-output.js';
import { connectWith, nodeParams, operatorParams } from '../helpers/device-session.js';
import { startForwardingProxy } from '../helpers/forwarding-proxy.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startTcpTripwire } from '../helpers/tcp-tripwire.js';
import { newTestDevice, type TestDevice } from '../helpers/test-device.js';
import { tmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const T = TEST_TOKEN;

/** A gateway whose loopback devices need an operator's approval, and a CLI config that targets it. */
async function pairingGateway(): Promise<RunningGateway> {
  const port = await freePort();
  return await startGateway({
    port,
    config: {
      // trustedProxies: the forwarding proxy below stands in front of the gateway on loopback (6.4).
      gateway: { mode: 'local', port, auth: { mode: 'token', token: T }, trustedProxies: ['127.0.0.1'], nodes: { pairing: { autoApproveLocal: false } } },
    },
  });
}

describe('farclaw devices against a real gateway', () => {
  /** Shared by the tests that only look at their own requests and devices. */
  let gw: RunningGateway;
  /** Untouched until the list test, so its tables hold exactly what that test creates. */
  let fresh: RunningGateway;
  before(async () => {
    [gw, fresh] = await Promise.all([pairingGateway(), pairingGateway()]);
  });
  after(async () => {
    await Promise.all([gw?.stop(), fresh?.stop()]);
  });

  const disposers: (() => unknown)[] = [];
  afterEach(async () => {
    while (disposers.length) await disposers.pop()?.();
  });
  /** The CLI on the gateway host: its config names the gateway's port and token. */
  const cli = async (g: RunningGateway, args: string[]) => await runFarclaw(['devices', ...args], g.home.env);

  /** A device's first connect: refused with NOT_PAIRED; returns the pending request's id. */
  async function requestPairing(g: RunningGateway, params = operatorParams(['operator.read']), device = newTestDevice()) {
    const { client, res } = await connectWith(g.url, { ...params, client: { ...params.client, displayName: 'test-laptop' } }, device);
    await client.waitClose();
    assert.equal(res.error?.details?.code, 'PAIRING_REQUIRED', JSON.stringify(res));
    return { device, requestId: String(res.error?.details?.requestId) };
  }

  /** Connects an approved device (shared token + proof) and keeps the session open. */
  async function session(g: RunningGateway, device: TestDevice, params = operatorParams(['operator.read'])) {
    const { client, res } = await connectWith(g.url, params, device);
    disposers.push(() => client.terminate());
    assert.equal(res.ok, true, JSON.stringify(res.error));
    return { client, deviceToken: String(res.payload.auth.deviceToken) };
  }

  /** A paired operator device with a live session (approved through the CLI). */
  async function pairedDevice(g: RunningGateway) {
    const { device, requestId } = await requestPairing(g);
    assertExit(await cli(g, ['approve', requestId]), 0);
    return { device, ...(await session(g, device)) };
  }

  // ---- list ----

  it('lists pending requests and paired devices in two tables, and the method payload with --json, never a token value', async () => {
    const empty = await cli(fresh, ['list']);
    assertExit(empty, 0);
    assert.deepEqual(linesOf(empty.stdout), ['Pending (0)', 'No pending pairing requests.', '', 'Paired (0)', 'No paired devices.'], show(empty));

    const { device: paired, deviceToken } = await pairedDevice(fresh);
    const { device: waiting, requestId } = await requestPairing(fresh);
    const [human, json] = await Promise.all([cli(fresh, ['list']), cli(fresh, ['list', '--json'])]);
    assertExit(human, 0);
    const text = flatText(human.stdout);
    assert.match(text, /Pending \(1\) Request Device Name \/ platform Role Scopes Age Remote IP /, show(human));
    assert.match(text, new RegExp(`${requestId} ${waiting.id.slice(0, 12)} test-laptop · linux operator operator\\.read \\d+s local `), show(human));
    assert.match(text, /Paired \(1\) Device Name Roles Scopes Approved via Last seen Connected /, show(human));
    assert.match(text, new RegExp(`${paired.id.slice(0, 12)} test-laptop operator operator\\.read owner \\d+s ago yes `), show(human));
    assert.ok(!human.stdout.includes(waiting.id), `the human tables show short device ids\n${show(human)}`);

    assertExit(json, 0);
    const j = jsonOut(json);
    assert.deepEqual(j.pending.map((r: { requestId: string }) => r.requestId), [requestId], show(json));
    assert.equal(j.pending[0].deviceId, waiting.id);
    assert.equal(j.paired[0].deviceId, paired.id);
    assert.deepEqual(j.paired[0].tokens.map((t: { role: string }) => t.role), ['operator']);
    for (const out of [human.stdout, json.stdout]) assert.ok(!out.includes(deviceToken), 'no device token value is printed');
  });

  // ---- approve ----

  it('approves an operator request within operator.pairing with that scope alone, after which the device connects', async () => {
    const { device, requestId } = await requestPairing(gw, operatorParams(['operator.pairing']));
    const r = await cli(gw, ['approve', requestId]);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [`Approved ${device.id} (test-laptop) as operator [operator.pairing] · request ${requestId}`], show(r));
    assert.equal(r.stderr, '');
    await session(gw, device, operatorParams(['operator.pairing']));
  });

  it('approves a node-role request by retrying with operator.admin after the gateway denies operator.pairing alone', async () => {
    const { device, requestId } = await requestPairing(gw, nodeParams());
    const r = await cli(gw, ['approve', requestId]);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [`Approved ${device.id} (test-laptop) as node · request ${requestId} · needed operator.admin`], show(r));
    await session(gw, device, nodeParams());
  });

  it('approves an operator request for scopes beyond operator.pairing through the same operator.admin retry', async () => {
    const { device, requestId } = await requestPairing(gw, operatorParams(['operator.read', 'operator.write']));
    const r = await cli(gw, ['approve', requestId]);
    assertExit(r, 0);
    assert.deepEqual(
      linesOf(r.stdout),
      [`Approved ${device.id} (test-laptop) as operator [operator.read, operator.write] · request ${requestId} · needed operator.admin`],
      show(r),
    );
    await session(gw, device, operatorParams(['operator.read', 'operator.write']));
  });

  it('prints the device.pair.approve payload with --json', async () => {
    const { device, requestId } = await requestPairing(gw);
    const r = await cli(gw, ['approve', requestId, '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    assert.equal(j.requestId, requestId, show(r));
    assert.equal(j.device.deviceId, device.id);
    assert.equal(j.device.approvedVia, 'owner');
    assert.deepEqual(j.device.roles, ['operator']);
  });

  it('approves the newest pending request with --latest and leaves older ones pending', async () => {
    const older = await requestPairing(gw);
    const olderTs = Date.now();
    await waitFor('the clock to move past the older request', () => Date.now() > olderTs + 1);
    const newer = await requestPairing(gw);
    const r = await cli(gw, ['approve', '--latest']);
    assertExit(r, 0);
    assert.match(r.stdout, new RegExp(`^Approved ${newer.device.id} .* · request ${newer.requestId} · needed operator\\.admin\\n$`), show(r));
    const list = jsonOut(await cli(gw, ['list', '--json']));
    assert.ok(list.pending.some((p: { requestId: string }) => p.requestId === older.requestId), 'the older request is still pending');
  });

  // ---- reject, remove, rename ----

  it('rejects a pending request, which then leaves the list', async () => {
    const { device, requestId } = await requestPairing(gw);
    const r = await cli(gw, ['reject', requestId]);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [`Rejected request ${requestId} (device ${device.id}).`], show(r));
    const list = jsonOut(await cli(gw, ['list', '--json']));
    assert.ok(!list.pending.some((p: { requestId: string }) => p.requestId === requestId), 'the request is gone');
    assert.ok(!list.paired.some((d: { deviceId: string }) => d.deviceId === device.id), 'the device was not paired');
  });

  it('removes a paired device named by its short id, and its live session closes with 4001', async () => {
    const { device, client } = await pairedDevice(gw);
    const r = await cli(gw, ['remove', device.id.slice(0, 12)]);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [`Removed device ${device.id}.`], show(r));
    assert.deepEqual(await client.waitClose(), { code: 4001, reason: 'device removed' });
    const list = jsonOut(await cli(gw, ['list', '--json']));
    assert.ok(!list.paired.some((d: { deviceId: string }) => d.deviceId === device.id), 'the device is forgotten');
  });

  it('renames a paired device, and the list shows the new name', async () => {
    const { device } = await pairedDevice(gw);
    const r = await cli(gw, ['rename', device.id, 'Kitchen tablet']);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [`Renamed device ${device.id} to "Kitchen tablet".`], show(r));
    const list = await cli(gw, ['list']);
    assert.match(flatText(list.stdout), new RegExp(`${device.id.slice(0, 12)} Kitchen tablet operator `), show(list));
  });

  // ---- rotate, revoke ----

  it('rotates another device’s token: delivery withheld, no token printed, the old token refused and its session closed', async () => {
    const { device, client, deviceToken } = await pairedDevice(gw);
    const r = await cli(gw, ['rotate', device.id, '--role', 'operator']);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [
      `Rotated the operator token of device ${device.id}.`,
      'Scopes: operator.read',
      'Token delivery: withheld-cross-device (not sent to this CLI; the device receives the new token on its next connect with the gateway token or password)',
    ], show(r));
    assert.equal((await client.waitClose()).code, 4001);
    const stale = await connectWith(gw.url, operatorParams(['operator.read'], { deviceToken }), device);
    disposers.push(() => stale.client.terminate());
    assert.equal(stale.res.error?.details?.code, 'AUTH_DEVICE_TOKEN_MISMATCH', JSON.stringify(stale.res));
  });

  it('rotates with narrower scopes and prints the payload with --json, which has no token when withheld', async () => {
    const { device } = await pairedDevice(gw);
    const r = await cli(gw, ['rotate', '--device', device.id, '--role', 'operator', '--scope', 'operator.read', '--json']);
    assertExit(r, 0);
    const j = jsonOut(r);
    assert.equal(j.tokenDelivery, 'withheld-cross-device', show(r));
    assert.deepEqual(j.scopes, ['operator.read']);
    assert.equal('token' in j, false);
  });

  it('revokes a role’s token: its session closes with 4001 and the list marks the token revoked', async () => {
    const { device, client } = await pairedDevice(gw);
    const r = await cli(gw, ['revoke', device.id, '--role', 'operator']);
    assertExit(r, 0);
    assert.deepEqual(linesOf(r.stdout), [`Revoked the operator token of device ${device.id}.`], show(r));
    assert.deepEqual(await client.waitClose(), { code: 4001, reason: 'device removed' });
    const list = await cli(gw, ['list']);
    assert.match(flatText(list.stdout), new RegExp(`${device.id.slice(0, 12)} test-laptop operator \\(token revoked\\) `), show(list));
  });

  // ---- failures ----

  it('exits 1 with the gateway’s message for an unknown requestId and the fix (cli-error format), and as JSON', async () => {
    const [human, json] = await Promise.all([
      cli(gw, ['approve', 'no-such-request']),
      cli(gw, ['approve', 'no-such-request', '--json']),
    ]);
    assertExit(human, 1);
    assert.deepEqual(linesOf(human.stderr), ['devices approve failed: INVALID_REQUEST: unknown requestId', 'Fix: correct what the gateway names above and run the command again'], show(human));
    assert.equal(human.stdout, '');
    assertExit(json, 1);
    assert.deepEqual(jsonOut(json), {
      ok: false, error: { type: 'gateway_request_error', code: 'INVALID_REQUEST', message: 'unknown requestId', retryable: false },
    });
  });

  it('exits 1 with the gateway’s message for an unknown request or device in reject, remove and rotate', async () => {
    const unknown = 'f'.repeat(64);
    const [reject, remove, rotate] = await Promise.all([
      cli(gw, ['reject', 'no-such-request']), cli(gw, ['remove', unknown]), cli(gw, ['rotate', unknown, '--role', 'operator']),
    ]);
    assertExit(reject, 1);
    assert.deepEqual(linesOf(reject.stderr), ['devices reject failed: INVALID_REQUEST: unknown requestId', 'Fix: correct what the gateway names above and run the command again'], show(reject));
    assertExit(remove, 1);
    assert.deepEqual(linesOf(remove.stderr), ['devices remove failed: INVALID_REQUEST: unknown deviceId', 'Fix: correct what the gateway names above and run the command again'], show(remove));
    assertExit(rotate, 1);
    assert.deepEqual(linesOf(rotate.stderr), ['devices rotate failed: INVALID_REQUEST: device token rotation denied', 'Fix: correct what the gateway names above and run the command again'], show(rotate));
  });

  it('exits 1 with missing scope when the gateway clears a proxied CLI’s scopes', async () => {
    const proxy = await startForwardingProxy(gw.port);
    disposers.push(() => proxy.close());
    const r = await cli(gw, ['list', '--url', proxy.url, '--token', T, '--json']);
    assertExit(r, 1);
    const j = jsonOut(r);
    assert.equal(j.error.code, 'FORBIDDEN', show(r));
    assert.equal(j.error.message, 'missing scope: operator.pairing');
    assert.equal(j.error.details.code, 'MISSING_SCOPE');
    const human = await cli(gw, ['list', '--url', proxy.url, '--token', T]);
    assertExit(human, 1);
    assert.deepEqual(linesOf(human.stderr), [
      'devices list failed: FORBIDDEN: missing scope: operator.pairing',
      'Fix: this connection lacks the scope the method needs: on the gateway host run farclaw devices list, then farclaw devices approve <requestId>',
    ], show(human));
  });

  it('refuses --url without --token or --password before connecting, whatever the config holds', async () => {
    const r = await cli(gw, ['list', '--url', gw.url]);
    assertExit(r, 1);
    assert.equal(stderrLine1(r), 'gateway url override requires explicit credentials', show(r));
    const j = jsonOut(await cli(gw, ['approve', 'x', '--url', gw.url, '--json']));
    assert.equal(j.error.type, 'gateway_credentials_required');
  });

  it('exits 1 on usage errors: approve without an id or --latest, rotate without --role, without connecting', async () => {
    const h = tmpHome();
    disposers.push(() => h.dispose());
    const trap = await startTcpTripwire();
    disposers.push(() => trap.close());
    h.writeConfig({ gateway: { mode: 'local', port: trap.port, auth: { mode: 'token', token: T } } });
    const [approve, both, rotate] = await Promise.all([
      runFarclaw(['devices', 'approve'], h.env),
      runFarclaw(['devices', 'approve', 'abc', '--latest'], h.env),
      runFarclaw(['devices', 'rotate', 'abc'], h.env),
    ]);
    assertExit(approve, 1);
    assert.equal(stderrLine1(approve), 'devices approve failed: give a <requestId> (see farclaw devices list) or --latest.', show(approve));
    assertExit(both, 1);
    assert.equal(stderrLine1(both), 'devices approve failed: use either <requestId> or --latest, not both.', show(both));
    assertExit(rotate, 1);
    assert.equal(stderrLine1(rotate), 'devices rotate failed: --role <role> is required.', show(rotate));
    assert.equal(await trap.settle(), 0, 'no connection was made');
  });

  it('exits 1 when --latest finds nothing pending', async () => {
    const empty = await pairingGateway();
    disposers.push(() => empty.stop());
    const r = await cli(empty, ['approve', '--latest']);
    assertExit(r, 1);
    assert.deepEqual(linesOf(r.stderr), [
      'devices approve failed: no pending pairing request to approve.',
      'Fix: a device asks for approval when it first connects: connect it, then run farclaw devices list',
    ], show(r));
  });
});
