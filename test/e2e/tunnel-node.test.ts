// A node host on the SSH transport: with `gateway.remote.transport: "ssh"` and the managed tunnel
// up, `farclaw node run` (no flags) connects through the tunnel, and after sshd is killed and
// restarted the tunnel re-dials on the same local port and the node reconnects by itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { useDisposers } from '../helpers/disposers.js';
import { runFarclaw, startGateway, TEST_TOKEN } from '../helpers/gateway-process.js';
import { startFarclawNode } from '../helpers/node-host-process.js';
import { startSshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait-for.js';

const T = TEST_TOKEN;

describe('node host through the managed SSH tunnel', () => {
  const { defer, home } = useDisposers();

  it('connects with no flags and reconnects after sshd restarts', async () => {
    const sshd = await startSshd();
    defer(() => sshd.dispose());
    const gw = await startGateway({ args: ['--token', T] });
    defer(() => gw.stop('SIGKILL'));
    const h = home({ gateway: { mode: 'remote', remote: { transport: 'ssh', sshTarget: sshd.target, remotePort: gw.port, token: T } } });
    const env = { ...h.env, FARCLAW_SSH_CONFIG: sshd.sshConfigFile };
    assertExit(await runFarclaw(['tunnel', 'up', '--probe-interval', '500'], env), 0);
    defer(async () => await runFarclaw(['tunnel', 'down'], env));
    const before = jsonOut(await runFarclaw(['tunnel', 'status', '--json'], env));

    const node = startFarclawNode(['--display-name', 'tunnel-node'], { ...env, FARCLAW_GATEWAY_TOKEN: T });
    defer(() => node.stop());
    const isConnected = async (): Promise<boolean> => {
      const r = await runFarclaw(['gateway', 'call', 'node.list', '--url', gw.url, '--token', T, '--json'], h.env);
      assert.equal(r.code, 0, show(r));
      const nodes = (jsonOut(r).nodes ?? []) as { displayName?: string; connected?: boolean }[];
      return nodes.some((n) => n.displayName === 'tunnel-node' && n.connected === true);
    };
    await waitFor('the node to connect through the tunnel', isConnected, 30_000, 250);

    await sshd.stop('SIGKILL');
    await waitFor('the node to be shown disconnected', async () => !(await isConnected()), 30_000, 250);
    await sshd.start();
    await waitFor('the node to reconnect by itself', isConnected, 30_000, 250);
    const after = jsonOut(await runFarclaw(['tunnel', 'status', '--json'], env));
    assert.equal(after.localPort, before.localPort, 'the tunnel moved to another local port');
    assert.ok((after.restarts as number) >= 1);
    assert.equal(node.proc.exitCode, null, node.output());
  });
});
