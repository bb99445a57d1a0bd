// The seed's command flow with the real OpenClaw 2026.9.6 node host (issue 15): chat.send → the
// fake model asks for `exec host=node` → our gateway prepares the run on `openclaw node run` from
// the peer cache (approved with our CLI), asks an operator in mode ask, then runs `system.run`
// with the node's plan → the model's next turn quotes its output (assistant.md 8.3).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { fakeModelConfig, operator, waitTerminal } from '../helpers/chat-gateway.js';
import { nodesCli } from '../helpers/exec-node.js';
import { runFarclaw, startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startOpenclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

const STEP_TIMEOUT_MS = 90_000;
// The real node host starts on Node 24 and loads its whole CLI first: on a loaded 2-core machine
// its first connect has taken longer than a step's budget.
const NODE_START_TIMEOUT_MS = 240_000;
const QUOTE = 'Output was: ';

/** A gateway in exec `mode` with the real OpenClaw node host approved on it, and an operator with `caps`. */
function useOpenclawNode(mode: 'full' | 'ask', caps: string[]) {
  const f = {} as { fake: FakeModel; gw: RunningGateway; home: TmpHome; host: NodeHostProcess | undefined; c: RawClient; nodeId: string };
  before(async () => {
    f.fake = await startFakeModel();
    f.gw = await startGateway({ config: { ...fakeModelConfig(f.fake), tools: { exec: { host: 'node', mode } } } });
    f.home = tmpHome('openclaw-node-');
    f.host = await startOpenclawNode(['--host', '127.0.0.1', '--port', String(f.gw.port), '--display-name', 'openclaw-node'], { ...f.home.env, OPENCLAW_GATEWAY_TOKEN: TEST_TOKEN });
    await waitFor('the node surface request', async () => {
      const r = await nodesCli(f.gw, ['pending', '--json']);
      return r.code === 0 && (jsonOut(r).pending as unknown[]).length > 0 ? true : undefined;
    }, NODE_START_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${f.host?.output() ?? ''}`));
    const approved = await nodesCli(f.gw, ['approve', '--latest']);
    assert.equal(approved.code, 0, show(approved));
    f.nodeId = await waitFor('the node to offer system.run', async () => {
      const nodes = jsonOut(await nodesCli(f.gw, ['list', '--json'])).nodes as { nodeId: string; displayName: string; connected: boolean; commands: string[] }[];
      return nodes.find((n) => n.displayName === 'openclaw-node' && n.connected && n.commands.includes('system.run'))?.nodeId;
    }, STEP_TIMEOUT_MS, 500);
    f.c = await operator(f.gw.url, caps);
  });
  after(async () => {
    f.c?.terminate();
    await f.host?.stop();
    await f.gw?.stop();
    await f.fake?.close();
    f.home?.dispose();
  });
  return f;
}

const finalText = (t: Frame): string => t.payload?.message?.content?.[0]?.text ?? '';

describe('exec host=node on the real OpenClaw node host, mode full', () => {
  const f = useOpenclawNode('full', ['tool-events']);

  test('the model runs echo on the OpenClaw node and its answer quotes the output', { timeout: 2 * STEP_TIMEOUT_MS }, async () => {
    f.fake.script(
      { kind: 'tools', calls: [{ id: 'call_oc', name: 'exec', args: { command: 'echo farclaw-openclaw-node-ok', host: 'node' } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
    );
    await f.c.call('chat.send', { sessionKey: 'agent:main:oc-node', message: 'NODE_EXEC: please run `echo farclaw-openclaw-node-ok`', idempotencyKey: 'oc-node' });
    const term = await waitTerminal(f.c, 'oc-node', STEP_TIMEOUT_MS);
    assert.equal(finalText(term), `${QUOTE}Node: ${f.nodeId}\n\nfarclaw-openclaw-node-ok\n`, `${finalText(term)}\n--- node host\n${f.host?.output() ?? ''}`);
  });

  test('the model’s env reaches the command on the OpenClaw node, which keeps only locale and terminal variables in a shell run', { timeout: 2 * STEP_TIMEOUT_MS }, async () => {
    // OpenClaw's node runs a command line in its shell and then passes only TERM, LANG, LC_*,
    // COLORTERM, NO_COLOR and FORCE_COLOR of the caller's env (its sanitizeSystemRunEnvOverrides).
    f.fake.script(
      { kind: 'tools', calls: [{ id: 'call_oc_env', name: 'exec', args: { command: 'printenv LC_FARCLAW_CHECK', host: 'node', env: { LC_FARCLAW_CHECK: 'hello openclaw node' } } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
    );
    await f.c.call('chat.send', { sessionKey: 'agent:main:oc-env', message: 'NODE_EXEC: please run `printenv LC_FARCLAW_CHECK`', idempotencyKey: 'oc-env' });
    const term = await waitTerminal(f.c, 'oc-env', STEP_TIMEOUT_MS);
    assert.equal(finalText(term), `${QUOTE}Node: ${f.nodeId}\n\nhello openclaw node\n`, `${finalText(term)}\n--- node host\n${f.host?.output() ?? ''}`);
  });
});

describe('exec host=node on the real OpenClaw node host, mode ask', () => {
  const f = useOpenclawNode('ask', ['tool-events', 'approvals']);
  const approvals = (args: string[]) => runFarclaw(['approvals', ...args, '--port', String(f.gw.port), '--token', TEST_TOKEN], f.gw.home.env, 60_000);

  test('the node prepares the run, an operator approves it with our CLI, and it runs with the node’s plan', { timeout: 2 * STEP_TIMEOUT_MS }, async () => {
    f.fake.script(
      { kind: 'tools', calls: [{ id: 'call_ask', name: 'exec', args: { command: 'echo farclaw-openclaw-ask-ok', host: 'node' } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
    );
    await f.c.call('chat.send', { sessionKey: 'agent:main:oc-ask', message: 'NODE_EXEC: please run `echo farclaw-openclaw-ask-ok`', idempotencyKey: 'oc-ask' });
    const requested = await waitFor('exec.approval.requested', () => f.c.frames.find((e) => e.type === 'event' && e.event === 'exec.approval.requested'), STEP_TIMEOUT_MS)
      .catch((err: Error) => assert.fail(`${err.message}\n--- node host\n${f.host?.output() ?? ''}`));
    const request = requested.payload.request as { host: string; nodeId: string; command: string; systemRunPlan: { argv: string[]; commandPreview: string } };
    // The approval shows the node's own plan: its shell, and the command as the model wrote it.
    assert.equal(request.host, 'node');
    assert.equal(request.nodeId, f.nodeId);
    assert.deepEqual(request.systemRunPlan.argv, ['/bin/sh', '-lc', 'echo farclaw-openclaw-ask-ok']);
    assert.equal(request.systemRunPlan.commandPreview, 'echo farclaw-openclaw-ask-ok');
    assert.equal(f.c.frames.some((e) => e.type === 'event' && e.event === 'chat' && e.payload?.runId === 'oc-ask' && e.payload.state === 'final'), false, 'the run waits for the decision');

    const listed = await approvals(['list', '--json']);
    assertExit(listed, 0);
    assert.deepEqual((JSON.parse(listed.stdout) as { id: string }[]).map((a) => a.id), [requested.payload.id]);
    assertExit(await approvals(['approve', String(requested.payload.id)]), 0);

    const term = await waitTerminal(f.c, 'oc-ask', STEP_TIMEOUT_MS);
    assert.equal(finalText(term), `${QUOTE}Node: ${f.nodeId}\n\nfarclaw-openclaw-ask-ok\n`, `${finalText(term)}\n--- node host\n${f.host?.output() ?? ''}`);
    const resolved = f.c.frames.find((e) => e.type === 'event' && e.event === 'exec.approval.resolved');
    assert.equal(resolved?.payload.decision, 'allow-once');
  });
});
