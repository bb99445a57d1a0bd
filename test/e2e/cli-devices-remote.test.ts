// `farclaw devices` with a real remote CLI: the gateway runs (`--bind lan`) in one network
// namespace and a second farclaw CLI, with its own state dir and device identity, in another,
// joined by a veth pair (netns.ts). The gateway host's operator is our CLI on loopback inside the
// gateway's namespace. Expectations: protocol.md 6.1-6.3, 12 (last paragraph).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { loadDeviceIdentity } from '../../src/client/device-identity.js';
import { readDeviceToken } from '../../src/client/device-token-store.js';
import { assertExit, flatText, jsonOut, linesOf, show } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { createNetnsPair, type NetnsPair } from '../helpers/netns.js';
import { NetnsRelay } from '../helpers/netns-relay.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';

const T = TEST_TOKEN;
/** Namespaces, a relay and a gateway process: allow for slow starts on a loaded machine. */
const SETUP_TIMEOUT_MS = 60_000;
const CLI_TIMEOUT_MS = 30_000;

describe('farclaw devices with a remote CLI over a veth pair', () => {
  let pair: NetnsPair;
  let inGateway: NetnsRelay;
  let gw: RunningGateway;
  /** The gateway as the remote machine dials it. */
  let remoteUrl: string;

  before(async () => {
    pair = await createNetnsPair();
    inGateway = await NetnsRelay.start(pair.gateway);
    const port = await freePort();
    gw = await startGateway({
      port,
      args: ['--bind', 'lan'],
      config: { gateway: { mode: 'local', port, auth: { mode: 'token', token: T } } },
      spawnPrefix: pair.gateway.prefix,
      isReady: async (p) => (await inGateway.httpStatus(`http://127.0.0.1:${p}/readyz`)) === 200,
    });
    remoteUrl = `ws://${pair.gateway.address}:${gw.port}`;
  }, { timeout: SETUP_TIMEOUT_MS });
  after(async () => {
    await gw?.stop();
    await inGateway?.close();
    await pair?.dispose();
  });

  const disposers: (() => unknown)[] = [];
  afterEach(() => {
    while (disposers.length) disposers.pop()?.();
  });
  /** A second machine: a fresh state dir, so a fresh device identity on first use. */
  const machine = (): TmpHome => {
    const h = tmpHome();
    disposers.push(() => h.dispose());
    return h;
  };

  /** Our CLI on the gateway host (loopback inside the gateway's namespace; its config names port and token). */
  const onHost = async (args: string[]) => await runFarclaw(['devices', ...args], gw.home.env, CLI_TIMEOUT_MS, pair.gateway.prefix);
  /** Our CLI on the remote machine `h`, with the shared token unless `args` says otherwise. */
  const onRemote = async (h: TmpHome, args: string[], auth = ['--url', remoteUrl, '--token', T]) =>
    await runFarclaw(['devices', ...args, ...auth], h.env, CLI_TIMEOUT_MS, pair.client.prefix);

  /** The remote CLI's first call: refused until approved; returns the request id from its hint. */
  async function firstCall(h: TmpHome): Promise<string> {
    const r = await onRemote(h, ['list']);
    assertExit(r, 1);
    assert.equal(linesOf(r.stderr)[0], 'devices list failed: pairing required: device is not approved yet', show(r));
    const requestId = /farclaw devices approve (\S+)/.exec(r.stderr)?.[1];
    assert.ok(requestId, `the refusal names the request to approve\n${show(r)}`);
    return requestId;
  }

  /** The remote machine's device id (created by its first call). */
  const deviceIdOf = (h: TmpHome): string => {
    const identity = loadDeviceIdentity(h.stateDir);
    assert.ok(identity, 'the remote CLI created its device identity');
    return identity.deviceId;
  };

  it('keeps a remote CLI out until the gateway host approves it, then lets it see its own device only', async () => {
    const remote = machine();
    const requestId = await firstCall(remote);
    const deviceId = deviceIdOf(remote);

    const listed = await onHost(['list']);
    assertExit(listed, 0);
    assert.match(flatText(listed.stdout), new RegExp(`${requestId} ${deviceId.slice(0, 12)} linux operator operator\\.pairing \\d+s ${pair.client.address.replaceAll('.', '\\.')} `), show(listed));

    const approved = await onHost(['approve', requestId]);
    assertExit(approved, 0);
    assert.deepEqual(linesOf(approved.stdout), [`Approved ${deviceId} as operator [operator.pairing] · request ${requestId}`], show(approved));

    const own = await onRemote(remote, ['list', '--json']);
    assertExit(own, 0);
    assert.deepEqual(jsonOut(own).paired.map((d: { deviceId: string }) => d.deviceId), [deviceId], show(own));
  });

  it('rotates its own token in-band: printed only with --show-token or --json, and stored for its next call', async () => {
    const remote = machine();
    assertExit(await onHost(['approve', await firstCall(remote)]), 0);
    const deviceId = deviceIdOf(remote);
    const stored = (): string | undefined => readDeviceToken(remote.stateDir, remoteUrl, deviceId, 'operator')?.token;

    const quiet = await onRemote(remote, ['rotate', deviceId, '--role', 'operator']);
    assertExit(quiet, 0);
    assert.deepEqual(linesOf(quiet.stdout), [
      `Rotated the operator token of device ${deviceId}.`,
      'Scopes: operator.pairing',
      'Token delivery: in-band (the new token was delivered to this CLI and not printed; --show-token or --json prints it)',
    ], show(quiet));
    const afterQuiet = stored();
    assert.match(afterQuiet ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!quiet.stdout.includes(afterQuiet ?? '-'), 'the token stays off the screen');

    const shown = await onRemote(remote, ['rotate', deviceId, '--role', 'operator', '--show-token']);
    assertExit(shown, 0);
    assert.deepEqual(linesOf(shown.stdout).slice(2), ['Token delivery: in-band', `Token: ${stored()}`], show(shown));
    assert.notEqual(stored(), afterQuiet);

    const json = await onRemote(remote, ['rotate', deviceId, '--role', 'operator', '--json']);
    assertExit(json, 0);
    const j = jsonOut(json);
    assert.equal(j.tokenDelivery, 'in-band', show(json));
    assert.equal(j.token, stored());

    // No shared secret this time: only the device token the last rotation handed over.
    remote.writeConfig({ gateway: { mode: 'remote', remote: { url: remoteUrl } } });
    const next = await onRemote(remote, ['list', '--json'], []);
    assertExit(next, 0);
    assert.deepEqual(jsonOut(next).paired.map((d: { deviceId: string }) => d.deviceId), [deviceId], show(next));
  });
});
