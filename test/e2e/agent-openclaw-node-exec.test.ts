// The seed's command flow with the real OpenClaw 2026.9.6 node host (issue 15): chat.send → the
// fake model asks for `exec host=node` → our gateway runs `system.run` on `openclaw node run`
// from the peer cache (approved with our CLI) → the model's next turn quotes its output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { jsonOut, show } from '../helpers/cli-output.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { fakeModelConfig, operator, waitTerminal } from '../helpers/chat-gateway.js';
import { nodesCli } from '../helpers/exec-node.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startOpenclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import type { RawClient } from '../helpers/raw-client.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const STEP_TIMEOUT_MS = 90_000;
const QUOTE = 'Output was: ';

describe('exec host=node on the real OpenClaw node host', () => {
  let fake: FakeModel;
  let gw: RunningGateway;
  let home: TmpHome;
  let host: NodeHostProcess | undefined;
  let c: RawClient;
  let nodeId: string;

  before(async () => {
    fake = await startFakeModel();
    gw = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'node', mode: 'full' } } } });
    home = tmpHome('openclaw-node-');
    host = await startOpenclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--display-name', 'openclaw-node'], { ...home.env, OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN });
    await waitFor('the node surface request', async () => {
      const r = await nodesCli(gw, ['pending', '--json']);
      return r.code === 0 && (jsonOut(r).pending as unknown[]).length > 0 ? true : undefined;
    }, STEP_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${host?.output() ?? ''}`));
    const approved = await nodesCli(gw, ['approve', '--latest']);
    assert.equal(approved.code, 0, show(approved));
    nodeId = await waitFor('the node to offer system.run', async () => {
      const nodes = jsonOut(await nodesCli(gw, ['list', '--json'])).nodes as { nodeId: string; displayName: string; connected: boolean; commands: string[] }[];
      return nodes.find((n) => n.displayName === 'openclaw-node' && n.connected && n.commands.includes('system.run'))?.nodeId;
    }, STEP_TIMEOUT_MS, 500);
    c = await operator(gw.url, ['tool-events']);
  });
  after(async () => {
    c?.terminate();
    await host?.stop();
    await gw?.stop();
    await fake?.close();
    home?.dispose();
  });

  test('the model runs echo on the OpenClaw node and its answer quotes the output', { timeout: 2 * STEP_TIMEOUT_MS }, async () => {
    fake.script(
      { kind: 'tools', calls: [{ id: 'call_oc', name: 'exec', args: { command: 'echo farclaw-openclaw-node-ok', host: 'node' } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
    );
    await c.call('chat.send', { sessionKey: 'agent:main:oc-node', message: 'NODE_EXEC: please run `echo farclaw-openclaw-node-ok`', idempotencyKey: 'oc-node' });
    const term = await waitTerminal(c, 'oc-node', STEP_TIMEOUT_MS);
    const text = term.payload?.message?.content?.[0]?.text ?? '';
    assert.equal(text, `${QUOTE}Node: ${nodeId}\n\nfarclaw-openclaw-node-ok\n`, `${text}\n--- node host\n${host?.output() ?? ''}`);
  });
});
