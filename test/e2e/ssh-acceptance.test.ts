// Acceptance section H (SSH tunnel, remote-access.md 10) against a real sshd and our gateway.
// H1–H5 use a plain `ssh -N -L` tunnel as the checklist does; H6–H9 are `gateway probe --ssh`,
// which starts ssh itself. H6/H7 put the host key in (or leave it out of) the passwd home's
// known_hosts, as OpenSSH reads that file and not $HOME's (the line is removed afterwards).
// H4 is informative (latency) and measured by bench/tunnel.ts instead.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { GatewayClient } from '../../src/client/gateway-client.js';
import { buildConnectParams } from '../../src/client/frames.js';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { tunnelSshPids } from '../helpers/ssh-procs.js';
import { sshClientArgs, startSshd, type Sshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';

const T = TEST_TOKEN;

/** Adds a line to the passwd home's known_hosts; the returned function restores the file. */
function addToPasswdKnownHosts(line: string): () => void {
  const dir = join(userInfo().homedir, '.ssh');
  const file = join(dir, 'known_hosts');
  const existed = existsSync(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(file, line + '\n', { flag: 'a', mode: 0o600 });
  return () => {
    const rest = readFileSync(file, 'utf8').split('\n').filter((l) => l !== line);
    if (!existed && rest.every((l) => l === '')) rmSync(file, { force: true });
    else writeFileSync(file, rest.join('\n'));
  };
}

describe('SSH tunnel (acceptance H)', () => {
  let sshd: Sshd;
  let gw: RunningGateway;
  before(async () => {
    sshd = await startSshd();
    gw = await startGateway({ args: ['--token', T] });
  });
  after(async () => {
    await gw?.stop();
    await sshd?.dispose();
  });
  const { defer, home } = useDisposers();

  /** A plain `ssh -N -L LP:127.0.0.1:GP` like the checklist's; resolves once it forwards. */
  async function manualTunnel(): Promise<{ lp: number; kill(): Promise<void> }> {
    const lp = await freePort();
    const ssh = spawn('/usr/bin/ssh', ['-N', '-L', `${lp}:127.0.0.1:${gw.port}`, ...sshClientArgs(sshd)], { stdio: 'ignore', detached: true });
    const exited = new Promise((r) => ssh.once('exit', r));
    const kill = async (): Promise<void> => {
      if (ssh.exitCode === null && ssh.signalCode === null) process.kill(-(ssh.pid ?? 0), 'SIGKILL');
      await exited;
    };
    defer(kill);
    await waitFor('the tunnel to answer /readyz', async () => (await fetch(`http://127.0.0.1:${lp}/readyz`)).status === 200);
    return { lp, kill };
  }
  const remoteConfig = (lp: number) => ({ gateway: { mode: 'remote', remote: { url: `ws://127.0.0.1:${lp}`, token: T } } });

  it('H1: a raw connect through the tunnel gets hello-ok with operator.read (direct-local)', async () => {
    const { lp } = await manualTunnel();
    const gc = new GatewayClient();
    defer(() => gc.close());
    const hello = await gc.connect(`ws://127.0.0.1:${lp}`, buildConnectParams({ clientId: 'cli', mode: 'cli', version: 't', scopes: ['operator.read'], token: T }), 5000);
    assert.deepEqual((hello as { auth?: { scopes?: string[] } }).auth?.scopes, ['operator.read']);
  });

  it('H2/H3: health, status and gateway call health work through the tunnel', async () => {
    const { lp } = await manualTunnel();
    const h = home(remoteConfig(lp));
    assertExit(await runFarclaw(['health'], h.env), 0);
    const status = await runFarclaw(['status'], h.env);
    assertExit(status, 0);
    assert.match(status.stdout, new RegExp(`ws://127\\.0\\.0\\.1:${lp}`), show(status));
    assertExit(await runFarclaw(['gateway', 'call', 'health', '--url', `ws://127.0.0.1:${lp}`, '--token', T], h.env), 0);
  });

  it('H5: with the ssh process killed, health reports the tunnel port unreachable', async () => {
    const { lp, kill } = await manualTunnel();
    const h = home(remoteConfig(lp));
    await kill();
    const r = await runFarclaw(['health'], h.env);
    assertExit(r, 1);
    assert.match(r.stderr, new RegExp(`Gateway not reachable at ws://127\\.0\\.0\\.1:${lp} \\(ECONNREFUSED\\)\\.`), show(r));
  });

  const probeSsh = async (extra: string[], env: NodeJS.ProcessEnv) =>
    await runFarclaw(['gateway', 'probe', '--ssh', sshd.target, '--ssh-identity', sshd.clientKey, '--port', String(gw.port), ...extra, '--json'], env);

  it('H6: gateway probe --ssh lists the tunnel first and primary, and leaves no ssh behind', async () => {
    defer(addToPasswdKnownHosts(sshd.knownHostsLine()));
    const h = home();
    const r = await probeSsh(['--token', T], h.env);
    assertExit(r, 0);
    const j = jsonOut(r);
    const first = j.targets[0];
    assert.equal(first.id, 'sshTunnel', show(r));
    assert.match(first.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    const n = Number(new URL(first.url).port);
    // GP is taken here (the gateway runs on this host), so a random port.
    assert.notEqual(n, gw.port);
    assert.deepEqual({ ...first.tunnel, pid: typeof first.tunnel.pid }, { kind: 'ssh', target: sshd.target, localPort: n, remotePort: gw.port, pid: 'number' });
    assert.equal(first.connect.ok, true);
    assert.equal(j.primaryTargetId, 'sshTunnel');
    assert.deepEqual(tunnelSshPids(sshd.port), []);
    const human = await runFarclaw(['gateway', 'probe', '--ssh', sshd.target, '--ssh-identity', sshd.clientKey, '--port', String(gw.port), '--token', T], h.env);
    assertExit(human, 0);
    assert.match(human.stdout, /^Remote over SSH ws:\/\/127\.0\.0\.1:\d+$/m, show(human));
    assert.ok(human.stdout.includes(`  ssh: ${sshd.target}`), show(human));
    assert.deepEqual(tunnelSshPids(sshd.port), []);
  });

  it('H7: without the host key in known_hosts the tunnel fails with OpenSSH reason as ssh_tunnel_failed', async () => {
    const r = await probeSsh(['--token', T], home().env);
    assertExit(r, 0);
    const j = jsonOut(r);
    const w = j.warnings.find((x: { code: string }) => x.code === 'ssh_tunnel_failed');
    assert.ok(w, show(r));
    assert.match(w.message, /ssh exited \(255\)/);
    assert.match(w.message, /Host key verification failed\./);
    assert.ok(!j.targets.some((t: { id: string }) => t.id === 'sshTunnel'));
    assert.equal(j.targets.find((t: { id: string }) => t.id === 'localLoopback')?.connect.ok, true);
  });

  it('H8: without any token the tunnel target answers but refuses the connect (remote credential surface)', async () => {
    defer(addToPasswdKnownHosts(sshd.knownHostsLine()));
    // gateway.auth.token is set but must not be used for the tunnel target.
    const h = home({ gateway: { auth: { token: T } } });
    const r = await probeSsh([], h.env);
    const j = jsonOut(r);
    const tunnel = j.targets.find((t: { id: string }) => t.id === 'sshTunnel');
    assert.ok(tunnel, show(r));
    assert.equal(tunnel.connect.ok, true, show(r));
    assert.equal(tunnel.connect.rpcOk, false);
    assert.equal(tunnel.connect.error, 'device identity required', show(r));
    assert.equal(tunnel.connect.close?.code, 1008);
  });

  for (const bad of ['-oProxyCommand=x', 'user@host:0']) {
    it(`H9: --ssh ${bad} is refused as an invalid SSH target before any ssh runs`, async () => {
      const r = await runFarclaw(['gateway', 'probe', '--ssh', bad, '--port', String(gw.port), '--token', T, '--json'], home().env);
      assertExit(r, 0);
      const w = jsonOut(r).warnings.find((x: { code: string }) => x.code === 'ssh_tunnel_failed');
      assert.ok(w, show(r));
      assert.match(w.message, /invalid SSH target/);
    });
  }
});
