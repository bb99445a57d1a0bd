// Interop both ways (issue 8): the real OpenClaw 2026.9.6 node host (`openclaw node run`, Node 24
// from the peer cache) with our gateway, approved with our CLI; and our node host with the real
// OpenClaw gateway, approved and invoked with our CLI. Each answers system.which through
// node.invoke. Expectations: protocol.md 6.4, 9.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jsonOut, show } from '../helpers/cli-output.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startFarclawNode, startOpenclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import { startOpenclawGateway, type OpenclawGateway } from '../helpers/openclaw-gateway.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

/** The real node host and gateway start in seconds to tens of seconds on 2 cores. */
const STEP_TIMEOUT_MS = 90_000;
const TEST_TIMEOUT_MS = 4 * STEP_TIMEOUT_MS;

type Pending = { requestId: string; nodeId: string; commands: string[]; requiredApproveScopes: string[] };

/** Runs `farclaw nodes <args>` against `target` (`--port`/`--url` plus the token). */
function nodesCli(target: string[], env: NodeJS.ProcessEnv) {
  return (args: string[], timeoutMs = 60_000) => runFarclaw(['nodes', ...args, ...target, '--token', TEST_TOKEN], env, timeoutMs);
}

async function approveAndInvoke(nodes: ReturnType<typeof nodesCli>, host: NodeHostProcess, name: string): Promise<void> {
  const pending = await waitFor('the node surface request', async () => {
    const r = await nodes(['pending', '--json']);
    const list = r.code === 0 ? (jsonOut(r).pending as Pending[]) : [];
    return list.length > 0 ? list : undefined;
  }, STEP_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${host.output()}`));
  assert.ok(pending[0]?.commands.includes('system.which'), JSON.stringify(pending));
  assert.deepEqual(pending[0]?.requiredApproveScopes, ['operator.pairing', 'operator.admin']);

  const approved = await nodes(['approve', '--latest']);
  assert.equal(approved.code, 0, show(approved));

  const res = await waitFor('system.which through node.invoke', async () => {
    const r = await nodes(['invoke', name, '--command', 'system.which', '--params', '{"bins":["sh"]}', '--json']);
    return r.code === 0 ? r : undefined;
  }, STEP_TIMEOUT_MS, 500).catch(async (err: Error) => {
    const last = await nodes(['invoke', name, '--command', 'system.which', '--params', '{"bins":["sh"]}', '--json']);
    return assert.fail(`${err.message}\n${show(last)}\n--- node host\n${host.output()}`);
  });
  const out = jsonOut(res);
  assert.equal(out.ok, true);
  assert.equal(out.command, 'system.which');
  assert.match(String(out.payload.bins.sh), /\/sh$/);
  const list = await nodes(['list', '--json']);
  const entry = (jsonOut(list).nodes as { displayName: string; connected: boolean }[]).find((n) => n.displayName === name);
  assert.equal(entry?.connected, true, show(list));
}

describe('the real OpenClaw node host with our gateway', () => {
  let gw: RunningGateway;
  let home: TmpHome;
  let host: NodeHostProcess | undefined;

  before(async () => {
    gw = await startGateway({ config: { gateway: { mode: 'local', auth: { mode: 'token', token: TEST_TOKEN } } } });
    home = tmpHome('openclaw-node-');
  });
  after(async () => {
    await host?.stop();
    await gw?.stop();
    home?.dispose();
  });

  it('connects, is approved with farclaw nodes approve, and answers system.which', { timeout: TEST_TIMEOUT_MS }, async () => {
    host = await startOpenclawNode(
      ['--host', '127.0.0.1', '--port', String(gw.port), '--display-name', 'openclaw-node'],
      { ...home.env, OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN },
    );
    await approveAndInvoke(nodesCli(['--port', String(gw.port)], gw.home.env), host, 'openclaw-node');
  });
});

describe('our node host with the real OpenClaw gateway', () => {
  let gw: OpenclawGateway;
  let home: TmpHome;
  let cliHome: TmpHome;
  let host: NodeHostProcess | undefined;

  before(async () => {
    gw = await startOpenclawGateway(TEST_TOKEN);
    home = tmpHome();
    cliHome = tmpHome();
  });
  after(async () => {
    await host?.stop();
    await gw?.stop();
    home?.dispose();
    cliHome?.dispose();
  });

  it('connects, is approved with farclaw nodes approve, and answers system.which', { timeout: TEST_TIMEOUT_MS }, async () => {
    host = startFarclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--token', TEST_TOKEN, '--display-name', 'farclaw-node'], home.env);
    await approveAndInvoke(nodesCli(['--url', gw.url], cliHome.env), host, 'farclaw-node');
  });
});
