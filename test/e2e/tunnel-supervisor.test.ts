// The tunnel supervisor (src/tunnel/supervisor.ts) against a real sshd and our real gateway:
// readiness by a health call, self-healing after each fault (one test per fault), and the
// fatal host-key case. Short probe periods keep the tests quick; nothing asserts a duration.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { GatewayClient } from '../../src/client/gateway-client.js';
import { buildConnectParams } from '../../src/client/frames.js';
import { isProcessAlive } from '../../src/infra/process-alive.js';
import { parseSshTarget } from '../../src/tunnel/ssh-target.js';
import { FatalTunnelError, TunnelSupervisor, type TunnelOptions, type TunnelSnapshot } from '../../src/tunnel/supervisor.js';
import { useDisposers } from '../helpers/disposers.js';
import { freePort } from '../helpers/free-port.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';

describe('SSH tunnel supervisor (real sshd, real gateway)', () => {
  const { defer, home } = useDisposers();

  async function setup(gatewayPort?: number): Promise<{ sshd: Sshd; gw: RunningGateway; stateDir: string }> {
    const sshd = await startSshd();
    defer(() => sshd.dispose());
    const gw = await startGateway({ args: ['--token', TEST_TOKEN], ...(gatewayPort ? { port: gatewayPort } : {}) });
    defer(() => gw.stop('SIGKILL'));
    return { sshd, gw, stateDir: home().stateDir };
  }

  function supervise(sshd: Sshd, gw: RunningGateway, stateDir: string, extra: Partial<TunnelOptions> = {}): { sup: TunnelSupervisor; changes: TunnelSnapshot[] } {
    const changes: TunnelSnapshot[] = [];
    const sup = new TunnelSupervisor({
      target: parseSshTarget(sshd.target), remotePort: gw.port, hostKeyPolicy: 'strict', configFile: sshd.sshConfigFile,
      credentials: { token: TEST_TOKEN }, stateDir, env: process.env,
      probeIntervalMs: 200, probeTimeoutMs: 600, backoffBaseMs: 50, backoffCapMs: 200,
      onChange: (s) => changes.push(s),
      ...extra,
    });
    defer(() => sup.stop());
    return { sup, changes };
  }

  async function healthThrough(url: string): Promise<unknown> {
    const gc = new GatewayClient();
    try {
      await gc.connect(url, buildConnectParams({ clientId: 'cli', mode: 'cli', version: 'test', scopes: ['operator.read'], token: TEST_TOKEN }), 5000);
      return await gc.request('health', {}, 5000);
    } finally {
      await gc.close();
    }
  }

  const upAgain = async (sup: TunnelSupervisor, otherThan: number | null): Promise<TunnelSnapshot> =>
    await waitFor('the tunnel to be up on a new ssh', () => {
      const s = sup.snapshot();
      return s.status === 'up' && s.sshPid !== null && s.sshPid !== otherThan && s;
    }, 20_000);

  it('comes up when a health call through it succeeds, on the preferred local port when free', async () => {
    const { sshd, gw, stateDir } = await setup();
    const preferred = await freePort();
    const { sup } = supervise(sshd, gw, stateDir, { preferredLocalPort: preferred });
    const snap = await sup.start();
    assert.equal(snap.status, 'up');
    assert.equal(snap.localPort, preferred);
    assert.equal(snap.url, `ws://127.0.0.1:${preferred}`);
    assert.equal(snap.lastProbe?.ok, true);
    assert.deepEqual(snap.effective, { user: sshd.user, hostname: '127.0.0.1', port: sshd.port });
    const health = (await healthThrough(snap.url ?? '')) as { ok?: boolean };
    assert.equal(health.ok, true);
    const pid = snap.sshPid ?? 0;
    await sup.stop();
    assert.equal(sup.snapshot().status, 'stopped');
    assert.equal(isProcessAlive(pid), false, 'ssh survived stop()');
  });

  it('falls back to a free local port when the preferred one is taken', async () => {
    const { sshd, gw, stateDir } = await setup();
    const squatter: Server = createServer();
    squatter.listen(0, '127.0.0.1');
    await once(squatter, 'listening');
    defer(() => new Promise((r) => squatter.close(r)));
    const taken = (squatter.address() as { port: number }).port;
    const { sup } = supervise(sshd, gw, stateDir, { preferredLocalPort: taken });
    const snap = await sup.start();
    assert.notEqual(snap.localPort, taken);
    assert.equal(((await healthThrough(snap.url ?? '')) as { ok?: boolean }).ok, true);
  });

  it('detects a SIGSTOPped ssh by its probes and replaces it', async () => {
    const { sshd, gw, stateDir } = await setup();
    const { sup } = supervise(sshd, gw, stateDir);
    const first = await sup.start();
    const stopped = first.sshPid ?? 0;
    process.kill(stopped, 'SIGSTOP');
    defer(() => isProcessAlive(stopped) && process.kill(stopped, 'SIGKILL'));
    const again = await upAgain(sup, stopped);
    assert.equal(again.lastRestartReason, 'health probe timed out');
    assert.ok(again.restarts >= 1);
    await waitFor('the stopped ssh to be killed', () => !isProcessAlive(stopped));
    assert.equal(((await healthThrough(again.url ?? '')) as { ok?: boolean }).ok, true);
  });

  it('recovers after sshd is killed and restarted, with backoff while it is down', async () => {
    const { sshd, gw, stateDir } = await setup();
    const { sup, changes } = supervise(sshd, gw, stateDir);
    const first = await sup.start();
    await sshd.stop('SIGKILL');
    await waitFor('the supervisor to notice', () => sup.snapshot().status === 'reconnecting');
    // Several failed dials while sshd is down, none of them fatal.
    await waitFor('repeated dials', () => sup.snapshot().restarts >= 3);
    assert.notEqual(sup.snapshot().status, 'failed');
    await sshd.start();
    const again = await upAgain(sup, first.sshPid);
    assert.equal(((await healthThrough(again.url ?? '')) as { ok?: boolean }).ok, true);
    assert.ok(changes.some((c) => c.lastRestartReason === 'ssh exited'));
  });

  it('keeps the tunnel while the remote gateway restarts behind it', async () => {
    const port = await freePort();
    const { sshd, gw, stateDir } = await setup(port);
    const { sup } = supervise(sshd, gw, stateDir);
    const first = await sup.start();
    await gw.stop();
    await waitFor('the tunnel to report no gateway behind it', () => sup.snapshot().status === 'degraded');
    const gw2 = await startGateway({ args: ['--token', TEST_TOKEN], port });
    defer(() => gw2.stop('SIGKILL'));
    const back = await waitFor('the gateway to answer through the tunnel again', () => sup.snapshot().status === 'up' && sup.snapshot());
    assert.equal(back.sshPid, first.sshPid, 'ssh was restarted although only the gateway went away');
    assert.equal(back.restarts, 0);
  });

  it('re-dials at once when the wall clock jumps (the host woke from sleep)', async () => {
    const { sshd, gw, stateDir } = await setup();
    const { sup } = supervise(sshd, gw, stateDir, { probeIntervalMs: 60_000 });
    const first = await sup.start();
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + 3_600_000;
    defer(() => (Date.now = realNow));
    const again = await upAgain(sup, first.sshPid);
    assert.equal(again.lastRestartReason, 'clock jump');
  });

  it('stops for good on a changed host key, with OpenSSH reason and the ssh-keygen fix', async () => {
    const { sshd, gw, stateDir } = await setup();
    await sshd.changeHostKey();
    const { sup, changes } = supervise(sshd, gw, stateDir);
    const err = await sup.start().then(() => null, (e: unknown) => e);
    assert.ok(err instanceof FatalTunnelError, String(err));
    assert.equal(err.kind, 'host-key');
    assert.match(err.message, /Host key for \[127\.0\.0\.1\]:\d+ has changed and you have requested strict checking\./);
    assert.match(err.message, /Host key verification failed\./);
    assert.match(err.message, /ssh-keygen .*-R "?\[127\.0\.0\.1\]:\d+/);
    await sup.done;
    assert.equal(sup.snapshot().status, 'failed');
    assert.equal(sup.snapshot().restarts, 0, 'a host-key failure was retried');
    assert.equal(new Set(changes.map((c) => c.sshPid).filter((p) => p !== null)).size, 1, 'more than one ssh was started');
  });
});
