// Acceptance L (nodes over a tunnel): the real OpenClaw node host reaches our gateway through a
// real `ssh -N -L` against a real sshd on loopback, is listed, approved and invoked with the real
// OpenClaw CLI, and survives the tunnel dying and coming back without a restart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { show } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { startGateway, TEST_TOKEN as T, type RunningGateway } from '../helpers/gateway-process.js';
import { startOpenclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import { ensurePeer, runOpenclaw, type Peer } from '../helpers/peer.js';
import { startSshd, sshClientArgs, type Sshd } from '../helpers/sshd.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const STEP_TIMEOUT_MS = 90_000;

interface ListedNode { nodeId: string; displayName: string; paired: boolean; connected: boolean; approvalState: string; commands: string[] }

describe('nodes over an SSH tunnel (acceptance L)', () => {
  let sshd: Sshd;
  let gw: RunningGateway;
  let peer: Peer;
  let nodeHome: TmpHome;
  let cliHome: TmpHome;
  let host: NodeHostProcess | undefined;
  let lp: number;
  let killTunnel: (() => Promise<void>) | undefined;

  /** `ssh -N -L LP:127.0.0.1:GP` as in the checklist; resolves once it forwards. */
  async function openTunnel(): Promise<void> {
    const ssh = spawn('/usr/bin/ssh', ['-N', '-L', `${lp}:127.0.0.1:${gw.port}`, ...sshClientArgs(sshd)], { stdio: 'ignore', detached: true });
    const exited = new Promise((r) => ssh.once('exit', r));
    killTunnel = async () => {
      if (ssh.exitCode === null && ssh.signalCode === null) process.kill(-(ssh.pid ?? 0), 'SIGKILL');
      await exited;
    };
    await waitFor('the tunnel to answer /readyz', async () => (await fetch(`http://127.0.0.1:${lp}/readyz`)).status === 200, 20_000);
  }

  const oc = (args: string[], env: NodeJS.ProcessEnv = {}) => runOpenclaw(args, peer.env({ HOME: cliHome.home, ...env }), 60_000);
  async function nodeList(): Promise<ListedNode[]> {
    const r = await oc(['gateway', 'call', 'node.list', '--url', `ws://127.0.0.1:${gw.port}`, '--token', T, '--json']);
    assert.equal(r.code, 0, show(r));
    return (JSON.parse(r.stdout) as { nodes: ListedNode[] }).nodes;
  }

  before(async () => {
    peer = await ensurePeer();
    sshd = await startSshd();
    gw = await startGateway({ args: ['--token', T] });
    nodeHome = tmpHome('tunnel-node-');
    cliHome = tmpHome('tunnel-cli-');
    lp = await freePort();
    await openTunnel();
  });
  after(async () => {
    await host?.stop();
    await killTunnel?.();
    await gw?.stop();
    await sshd?.dispose();
    nodeHome?.dispose();
    cliHome?.dispose();
  });

  it('L1-L3: the node connects through the tunnel, waits for approval, and answers system.which', { timeout: 3 * STEP_TIMEOUT_MS }, async () => {
    host = await startOpenclawNode(['--host', '127.0.0.1', '--port', String(lp), '--display-name', 'tunnel-node'], { ...nodeHome.env, OPENCLAW_GATEWAY_TOKEN: T });
    await waitFor('L1 node log', () => host?.output().includes(`node host gateway connected: ws://127.0.0.1:${lp}`), STEP_TIMEOUT_MS, 250)
      .catch((err: Error) => assert.fail(`${err.message}\n${host?.output() ?? ''}`));

    const [listed] = await nodeList();
    assert.equal(listed?.displayName, 'tunnel-node');
    assert.equal(listed?.paired, true);
    assert.equal(listed?.connected, true);
    assert.equal(listed?.approvalState, 'pending-approval');
    assert.deepEqual(listed?.commands, []);

    const pending = await oc(['gateway', 'call', 'node.pair.list', '--url', `ws://127.0.0.1:${gw.port}`, '--token', T, '--json']);
    const requestId = (JSON.parse(pending.stdout) as { pending: { requestId: string }[] }).pending[0]?.requestId;
    assert.ok(requestId, show(pending));
    const approved = await oc(['nodes', 'approve', requestId], { OPENCLAW_GATEWAY_URL: `ws://127.0.0.1:${gw.port}`, OPENCLAW_GATEWAY_TOKEN: T });
    assert.equal(approved.code, 0, show(approved));

    const params = { nodeId: listed?.nodeId, command: 'system.which', params: { bins: ['ssh'] }, idempotencyKey: 'k1', timeoutMs: 10_000 };
    const invoked = await oc(['gateway', 'call', 'node.invoke', '--url', `ws://127.0.0.1:${gw.port}`, '--token', T, '--params', JSON.stringify(params), '--json']);
    assert.equal(invoked.code, 0, show(invoked));
    const out = JSON.parse(invoked.stdout) as { ok: boolean; command: string; payload: { bins: { ssh?: string } }; payloadJSON: string };
    assert.equal(out.ok, true);
    assert.equal(out.command, 'system.which');
    assert.equal(out.payload.bins.ssh, '/usr/bin/ssh');
    assert.equal(typeof out.payloadJSON, 'string');
  });

  it('L4: with the tunnel killed the node is shown gone; restarted, it reconnects without a restart', { timeout: 3 * STEP_TIMEOUT_MS }, async () => {
    await killTunnel?.();
    await waitFor('the node to be shown disconnected', async () => (await nodeList())[0]?.connected === false, STEP_TIMEOUT_MS, 250);
    await openTunnel();
    await waitFor('the node to reconnect through the new tunnel', async () => (await nodeList())[0]?.connected === true, STEP_TIMEOUT_MS, 500)
      .catch((err: Error) => assert.fail(`${err.message}\n${host?.output() ?? ''}`));
    assert.equal(host?.proc.exitCode, null, 'the node host exited instead of reconnecting');
  });
});
