// Our node host (`farclaw node run`, a real process) and our gateway: surface approval with our
// CLI, system.which / system.run through node.invoke, and the faults of issue 8: a node killed
// mid-invoke, a frozen node, a gateway restart, a command outside the owner's allowlist, and
// oversized output. Expectations: protocol.md 6.4, 9.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { jsonOut, show } from '../helpers/cli-output.js';
import { freePort } from '../helpers/free-port.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startFarclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const TEST_TIMEOUT_MS = 90_000;
/** A short tick: node liveness is checked every third of it. */
const GATEWAY_ENV = { FARCLAW_TICK_INTERVAL_MS: '600' };
const MAX_OUTPUT_BYTES = 1000;

describe('farclaw node host with the farclaw gateway', () => {
  let gwHome: TmpHome;
  let nodeHome: TmpHome;
  let port: number;
  let gw: RunningGateway;
  let node: NodeHostProcess;
  const gwConfig = { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } };

  const nodes = (args: string[], timeoutMs = 60_000) =>
    runFarclaw(['nodes', ...args, '--port', String(port), '--token', TEST_TOKEN], gwHome.env, timeoutMs);
  const startNode = (extra: string[] = []) =>
    startFarclawNode(['--host', '127.0.0.1', '--port', String(port), '--display-name', 'e2e-node', ...extra], nodeHome.env);
  const listed = async () => jsonOut(await nodes(['list', '--json'])).nodes as { nodeId: string; connected: boolean; approvalState: string; hostStats?: unknown }[];
  const isConnected = async (want: boolean) => (await listed()).some((n) => n.connected === want) && (await listed()).length === 1;
  const which = async () => nodes(['invoke', 'e2e-node', '--command', 'system.which', '--params', '{"bins":["sh"]}', '--json']);

  before(async () => {
    gwHome = tmpHome();
    nodeHome = tmpHome();
    nodeHome.writeConfig({ nodeHost: { systemRun: { allow: ['echo', 'sleep', 'seq'], maxOutputBytes: MAX_OUTPUT_BYTES } } });
    port = await freePort();
    gw = await startGateway({ home: gwHome, config: gwConfig, port, env: GATEWAY_ENV });
    node = startNode(['--token', TEST_TOKEN]);
  });
  after(async () => {
    await node?.stop();
    await gw?.stop();
    gwHome?.dispose();
    nodeHome?.dispose();
  });

  it('a new node waits for surface approval, is approved with our CLI and answers system.which', { timeout: TEST_TIMEOUT_MS }, async () => {
    const pending = await waitFor('the node surface request', async () => {
      const list = jsonOut(await nodes(['pending', '--json'])).pending as { requestId: string; commands: string[]; requiredApproveScopes: string[] }[];
      return list.length === 1 ? list : undefined;
    }, 20_000);
    assert.deepEqual(pending[0]?.commands, ['system.execApprovals.get', 'system.execApprovals.set', 'system.run', 'system.run.prepare', 'system.which']);
    assert.deepEqual(pending[0]?.requiredApproveScopes, ['operator.pairing', 'operator.admin']);

    const early = await which();
    assert.equal(early.code, 1, show(early));
    assert.match(jsonOut(early).error.message, /declared command surface is pending approval; run `farclaw nodes pending`/);

    const approved = await nodes(['approve', '--latest']);
    assert.equal(approved.code, 0, show(approved));
    assert.match(approved.stdout, /^Approved node e2e-node /);

    const res = await which();
    assert.equal(res.code, 0, show(res));
    const out = jsonOut(res);
    assert.equal(out.ok, true);
    assert.match(String(out.payload.bins.sh), /\/sh$/);

    const [entry] = await listed();
    assert.equal(entry?.connected, true);
    assert.equal(entry?.approvalState, 'approved');
    // Host stats refused before the approval are sent again once it arrives.
    await waitFor('host stats', async () => (await listed())[0]?.hostStats !== undefined, 10_000);
    const human = await nodes(['list']);
    assert.match(human.stdout, /│ e2e-node +│ linux +│ connected +│ approved +│ system\.execApprovals\.get, system\.execApprovals\.set, system\.run, system\.run\.prepare, system\.which/);
  });

  it('refuses a command outside the node owner’s allowlist with the reason, and nothing runs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(nodeHome.home, 'should-not-exist');
    const res = await nodes(['invoke', 'e2e-node', '--command', 'system.run', '--params', JSON.stringify({ command: ['touch', marker] })]);
    assert.equal(res.code, 1, show(res));
    assert.match(res.stderr, /NOT_ALLOWED: system\.run refused: "touch" is not in nodeHost\.systemRun\.allow of this node/);
    assert.equal(existsSync(marker), false);
  });

  it('caps oversized output and flags it, with the exit code', { timeout: TEST_TIMEOUT_MS }, async () => {
    const res = await nodes(['invoke', 'e2e-node', '--command', 'system.run', '--params', '{"command":["seq","1","100000"]}', '--json']);
    assert.equal(res.code, 0, show(res));
    const { payload } = jsonOut(res);
    assert.equal(payload.exitCode, 0);
    assert.equal(payload.truncated, true);
    // The cap, then the real node host's in-band mark (so a gateway that ignores `truncated` still shows it).
    assert.equal(Buffer.byteLength(payload.stdout), MAX_OUTPUT_BYTES + '\n... (truncated)'.length);
    assert.ok(String(payload.stdout).startsWith('1\n2\n3\n'));
    assert.ok(String(payload.stdout).endsWith('\n... (truncated)'));
  });

  it('a node killed mid-invoke fails the call at once, retryably; the restarted node needs no operator', { timeout: TEST_TIMEOUT_MS }, async () => {
    const call = nodes(['invoke', 'e2e-node', '--command', 'system.run', '--params', '{"command":["sleep","60"]}', '--invoke-timeout', '120000', '--json'], 150_000);
    const sleeper = await waitFor('the node to start sleep', () => childSleep(node.proc.pid ?? -1), 20_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${show(await call)}\n${node.output()}`);
    });
    node.signal('SIGKILL');
    const res = await call;
    process.kill(sleeper, 'SIGKILL');
    assert.equal(res.code, 75, show(res));
    const { error } = jsonOut(res);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.retryable, true);
    assert.match(error.message, /^DISCONNECTED: node disconnected \(system\.run\)/);
    assert.equal((await listed())[0]?.connected, false);

    // Restarted without a shared secret: its stored device token and approval are enough.
    node = startNode();
    await waitFor('the node to reconnect', () => isConnected(true), 20_000);
    assert.match(node.output(), /\(device-token\)/);
    const again = await which();
    assert.equal(again.code, 0, show(again));
  });

  it('a frozen node shows as disconnected, its invokes fail at once, and it comes back by itself', { timeout: TEST_TIMEOUT_MS }, async () => {
    node.signal('SIGSTOP');
    try {
      await waitFor('the frozen node to be shown disconnected', () => isConnected(false), 10_000);
      const res = await which();
      assert.equal(res.code, 75, show(res));
      assert.match(jsonOut(res).error.message, /^NOT_CONNECTED: node not connected/);
      const human = await nodes(['invoke', 'e2e-node', '--command', 'system.which', '--params', '{"bins":["sh"]}']);
      assert.equal(human.code, 75, show(human));
      assert.match(human.stderr, /^Why: the node is not reachable right now; the same call can be retried$/m, show(human));
      assert.match(human.stderr, /^Fix: run the same command again once the node is connected \(farclaw nodes describe e2e-node shows whether it is\)$/m, show(human));
      assert.doesNotMatch(human.stderr, /--help/, show(human));
    } finally {
      node.signal('SIGCONT');
    }
    await waitFor('the thawed node to reconnect', () => isConnected(true), 20_000);
    const res = await which();
    assert.equal(res.code, 0, show(res));
  });

  it('after a gateway restart the node reconnects and invoke works with no operator action', { timeout: TEST_TIMEOUT_MS }, async () => {
    await gw.stop();
    gw = await startGateway({ home: gwHome, config: gwConfig, port, env: GATEWAY_ENV });
    await waitFor('the node to reconnect to the new gateway', () => isConnected(true), 30_000);
    const res = await which();
    assert.equal(res.code, 0, show(res));
    assert.equal(jsonOut(res).ok, true);
  });
});

/** The pid of a `sleep 60` started by the node process, if running. */
function childSleep(parentPid: number): number | undefined {
  const ps = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  for (const line of ps.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m && Number(m[2]) === parentPid && /(^|\/)sleep 60$/.test(m[3]?.trim() ?? '')) return Number(m[1]);
  }
  return undefined;
}
