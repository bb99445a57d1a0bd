// The SSH transport from the CLI's side, against a real sshd and our real gateway: with only
// `gateway.remote.{transport,sshTarget,…}` configured every command works with no flags (through
// the managed tunnel or one opened for the call), `farclaw tunnel up|down|status`, and the faults
// that involve the CLI process itself (fatal host key, parent SIGKILLed, sshd restarted).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { GatewayClient } from '../../src/client/gateway-client.js';
import { buildConnectParams } from '../../src/client/frames.js';
import { GatewayError } from '../../src/protocol/errors.js';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { FARCLAW_BIN } from '../helpers/paths.js';
import { tunnelSshPids } from '../helpers/ssh-procs.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import type { TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const T = TEST_TOKEN;

describe('SSH transport in the CLI (real sshd, real gateway)', () => {
  const { defer, home } = useDisposers();

  async function setup(): Promise<{ sshd: Sshd; gw: RunningGateway; h: TmpHome; env: NodeJS.ProcessEnv }> {
    const sshd = await startSshd();
    defer(() => sshd.dispose());
    const gw = await startGateway({ args: ['--token', T] });
    defer(() => gw.stop('SIGKILL'));
    const h = home({
      gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: sshd.target, sshIdentity: sshd.clientKey, remotePort: gw.port, token: T } },
    });
    const env = { ...h.env, FARCLAW_SSH_CONFIG: sshd.sshConfigFile };
    // Whatever a test leaves running is stopped the way a user would, then checked for orphans.
    defer(async () => {
      await runFarclaw(['tunnel', 'down'], env);
    });
    return { sshd, gw, h, env };
  }
  const cli = async (env: NodeJS.ProcessEnv, args: string[]) => await runFarclaw(args, env);

  it('runs health, status, gateway call and devices with no flags through an on-demand tunnel, leaving no ssh', async () => {
    const { sshd, env } = await setup();
    const health = await cli(env, ['health', '--json']);
    assertExit(health, 0);
    assert.equal(jsonOut(health).ok, true);
    const status = await cli(env, ['status']);
    assertExit(status, 0);
    assert.match(status.stdout, /remote · ws:\/\/127\.0\.0\.1:\d+ \(ssh tunnel gateway\.remote\.sshTarget\) · reachable/, show(status));
    assertExit(await cli(env, ['gateway', 'call', 'health']), 0);
    assertExit(await cli(env, ['gateway', 'health']), 0);
    const devices = await cli(env, ['devices', 'list', '--json']);
    assertExit(devices, 0);
    assert.deepEqual(tunnelSshPids(sshd.port), [], 'an on-demand ssh outlived its command');
  });

  it('tunnel up/status/down: a background tunnel that commands reuse', async () => {
    const { sshd, env } = await setup();
    const up = await cli(env, ['tunnel', 'up', '--probe-interval', '300']);
    assertExit(up, 0);
    assert.match(up.stdout, /^Tunnel up: ws:\/\/127\.0\.0\.1:\d+ → .+@127\.0\.0\.1:\d+ \(gateway port \d+\)/, show(up));
    const st = jsonOut(await cli(env, ['tunnel', 'status', '--json']));
    assert.equal(st.running, true);
    assert.equal(st.status, 'up');
    assert.equal(st.target, sshd.target);
    assert.equal(typeof st.pid, 'number');
    assert.equal(typeof st.localPort, 'number');
    assert.equal(st.restarts, 0);
    const sshPid = st.sshPid as number;
    assert.deepEqual(tunnelSshPids(sshd.port), [sshPid]);
    await waitFor('a liveness probe with a latency', async () => {
      const s = jsonOut(await cli(env, ['tunnel', 'status', '--json']));
      return typeof s.lastProbe?.latencyMs === 'number' && s.lastProbe.ok === true;
    });
    const health = await cli(env, ['health', '--json']);
    assertExit(health, 0);
    assert.deepEqual(tunnelSshPids(sshd.port), [sshPid], 'the command opened its own ssh instead of using the managed tunnel');
    const human = await cli(env, ['tunnel', 'status']);
    for (const label of ['Tunnel: up', `Target: ${sshd.target}`, 'Local: ws://127.0.0.1:', 'PID: ', 'Uptime: ', 'Last probe: ok (', 'Restarts: 0']) {
      assert.ok(human.stdout.includes(label), `missing "${label}"\n${show(human)}`);
    }
    const again = await cli(env, ['tunnel', 'up']);
    assertExit(again, 0);
    assert.match(again.stdout, /already running/);
    assertExit(await cli(env, ['tunnel', 'down']), 0);
    await waitFor('the tunnel ssh to exit', () => tunnelSshPids(sshd.port).length === 0);
    assert.equal(jsonOut(await cli(env, ['tunnel', 'status', '--json'])).running, false);
  });

  it('a changed host key fails at once with OpenSSH reason and the fix, and is not retried', async () => {
    const { sshd, env } = await setup();
    await sshd.changeHostKey();
    const r = await cli(env, ['health']);
    assertExit(r, 1);
    assert.match(r.stderr, /Host key for \[127\.0\.0\.1\]:\d+ has changed and you have requested strict checking\./, show(r));
    assert.match(r.stderr, /Host key verification failed\./);
    assert.match(r.stderr, /ssh-keygen .*-R/);
    const fg = await cli(env, ['tunnel', 'up', '--foreground']);
    assertExit(fg, 78);
    assert.match(fg.stderr, /Tunnel failed: ssh exited \(255\)/, show(fg));
    assert.doesNotMatch(fg.stderr, /reconnecting/, 'a host-key failure was retried');
    const bg = await cli(env, ['tunnel', 'up']);
    assertExit(bg, 1);
    assert.match(bg.stderr, /Host key verification failed\./, show(bg));
  });

  it('refuses an option-like SSH target before running anything', async () => {
    const h = home({ gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: '-oProxyCommand=touch /tmp/pwned', token: T } } });
    const r = await cli(h.env, ['health']);
    assertExit(r, 1);
    assert.match(r.stderr, /invalid SSH target/, show(r));
  });

  it('after the tunnel process is SIGKILLed, the next start kills its orphaned ssh', async () => {
    const { sshd, env, h } = await setup();
    const fg = spawn(process.execPath, [FARCLAW_BIN, 'tunnel', 'up', '--foreground'], { env, stdio: 'ignore' });
    defer(() => fg.kill('SIGKILL'));
    const state = await waitFor('the foreground tunnel to be up', async () => {
      const s = jsonOut(await cli(env, ['tunnel', 'status', '--json']));
      return s.status === 'up' && s;
    }, 15_000);
    const orphan = state.sshPid as number;
    fg.kill('SIGKILL');
    await waitFor('the supervisor to die', () => fg.exitCode !== null || fg.signalCode !== null);
    assert.deepEqual(tunnelSshPids(sshd.port), [orphan], 'expected the ssh to outlive its SIGKILLed parent');
    // Any next start reaps it: here a plain command that opens its own tunnel.
    assertExit(await cli(env, ['health']), 0);
    await waitFor('the orphan to be reaped', () => !tunnelSshPids(sshd.port).includes(orphan));
    assert.deepEqual(tunnelSshPids(sshd.port), []);
    void h;
  });

  it('sshd killed and restarted: an in-flight call fails retryably, the tunnel recovers, the retry succeeds', async () => {
    const { sshd, gw, env } = await setup();
    assertExit(await cli(env, ['tunnel', 'up', '--probe-interval', '300']), 0);
    const st = jsonOut(await cli(env, ['tunnel', 'status', '--json']));
    const gc = new GatewayClient();
    defer(() => gc.close());
    await gc.connect(st.url as string, buildConnectParams({ clientId: 'cli', mode: 'cli', version: 't', scopes: ['operator.read'], token: T }), 5000);
    // Freeze the gateway so the request is surely in flight when the path goes away.
    gw.proc.kill('SIGSTOP');
    defer(() => gw.proc.kill('SIGCONT'));
    const inFlight = gc.request('health', {}, 30_000).then(() => null, (e: unknown) => e);
    await sshd.stop('SIGKILL');
    const err = await inFlight;
    assert.ok(err instanceof GatewayError, String(err));
    assert.equal(err.retryable, true);
    gw.proc.kill('SIGCONT');
    await sshd.start();
    const retry = await cli(env, ['gateway', 'call', 'health', '--json']);
    assertExit(retry, 0);
    const after = jsonOut(await cli(env, ['tunnel', 'status', '--json']));
    assert.ok((after.restarts as number) >= 1, JSON.stringify(after));
    assert.notEqual(after.sshPid, st.sshPid);
  });
});
