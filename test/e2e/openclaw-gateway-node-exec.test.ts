// Our node host and the real OpenClaw 2026.9.6 gateway (issue 15): the real gateway's agent, on
// the fake model, runs `exec host=node` on `farclaw node run`. The real gateway prepares every
// node run (`system.run.prepare`), reads the node's approvals (`system.execApprovals.get`), asks
// an operator in mode ask, then sends `system.run` with the node's plan (assistant.md 8.3) and
// takes the node's `exec.finished` note; our node refuses what its owner's allowlist does not
// allow, before anyone is asked.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { show } from '../helpers/cli-output.js';
import { connectWith, operatorParams } from '../helpers/device-session.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { runFarclaw, TEST_TOKEN } from '../helpers/gateway-process.js';
import { startFarclawNode, type NodeHostProcess } from '../helpers/node-host-process.js';
import { startOpenclawGateway, type OpenclawGateway } from '../helpers/openclaw-gateway.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';
import { newTestDevice } from '../helpers/test-device.js';
import { tmpHome, type TmpHome } from '../helpers/tmp-home.js';
import { waitFor } from '../helpers/wait-for.js';

/** The real gateway's agent turn takes seconds to tens of seconds on a loaded 2-core box. */
const STEP_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 3 * STEP_TIMEOUT_MS;
const QUOTE = 'Output was: ';
const SCOPES = ['operator.admin', 'operator.read', 'operator.write', 'operator.approvals', 'operator.pairing'];

/** The real gateway's config (the vector agent-node-exec's setup): the fake model, exec on a node in mode ask. */
function openclawConfig(fake: FakeModel): Record<string, unknown> {
  return {
    models: { providers: { fake: { baseUrl: fake.baseUrl, apiKey: 'sk-fake', api: 'openai-completions', models: [{ id: 'fake-model', name: 'Fake Model', reasoning: false, input: ['text'], contextWindow: 128000, maxTokens: 4096 }] } } },
    agents: { defaults: { model: { primary: 'fake/fake-model' }, utilityModel: '' } },
    tools: { exec: { host: 'node', mode: 'ask' } },
  };
}

/** A device-signed operator on the real gateway (as the vector's approvals client), with `caps`. */
async function openclawOperator(url: string, caps: string[]): Promise<RawClient> {
  const { client, res } = await connectWith(url, { ...operatorParams(SCOPES), caps }, newTestDevice());
  if (res.ok !== true) throw new Error(`operator connect refused: ${JSON.stringify(res.error)}`);
  return client;
}

const finalOf = (c: RawClient, sessionKey: string): Frame | undefined =>
  c.frames.find((f) => f.type === 'event' && f.event === 'chat' && String(f.payload?.sessionKey ?? '').endsWith(sessionKey) && ['final', 'error', 'aborted'].includes(f.payload?.state));
const textOf = (f: Frame): string => (f.payload?.message?.content ?? []).map((p: { text?: string }) => p.text ?? '').join('');

describe('exec host=node from the real OpenClaw gateway on farclaw node run', () => {
  let fake: FakeModel;
  let gw: OpenclawGateway;
  let nodeHome: TmpHome;
  let cliHome: TmpHome;
  let node: NodeHostProcess | undefined;
  let chat: RawClient;
  let approver: RawClient;
  const debug = () => `\n--- node host\n${node?.output() ?? ''}\n--- OpenClaw gateway (tail)\n${gw.output().slice(-3000)}`;

  before(async () => {
    fake = await startFakeModel();
    gw = await startOpenclawGateway(TEST_TOKEN, { config: openclawConfig(fake) });
    nodeHome = tmpHome();
    nodeHome.writeConfig({ nodeHost: { systemRun: { allow: ['echo'] } } });
    cliHome = tmpHome();
    node = startFarclawNode(['--host', '127.0.0.1', '--port', String(gw.port), '--token', TEST_TOKEN, '--display-name', 'farclaw-node'], nodeHome.env);
    const nodes = (args: string[]) => runFarclaw(['nodes', ...args, '--url', gw.url, '--token', TEST_TOKEN], cliHome.env, 90_000);
    await waitFor('the node surface request', async () => {
      const r = await nodes(['pending', '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as { pending: unknown[] }).pending.length > 0 ? true : undefined;
    }, STEP_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}${debug()}`));
    const approved = await nodes(['approve', '--latest']);
    assert.equal(approved.code, 0, show(approved));
    await waitFor('the node to offer system.run.prepare', async () => {
      const r = await nodes(['list', '--json']);
      const list = r.code === 0 ? (JSON.parse(r.stdout) as { nodes: { displayName: string; connected: boolean; commands: string[] }[] }).nodes : [];
      return list.some((n) => n.displayName === 'farclaw-node' && n.connected && n.commands.includes('system.run.prepare')) ? true : undefined;
    }, STEP_TIMEOUT_MS, 500).catch((err: Error) => assert.fail(`${err.message}${debug()}`));
    chat = await openclawOperator(gw.url, ['tool-events']);
    approver = await openclawOperator(gw.url, ['approvals', 'exec-approvals']);
  }, { timeout: 4 * STEP_TIMEOUT_MS });

  after(async () => {
    chat?.terminate();
    approver?.terminate();
    await node?.stop();
    await gw?.stop();
    await fake?.close();
    nodeHome?.dispose();
    cliHome?.dispose();
  });

  test('the node prepares the run, a second operator approves it, and the final answer quotes the node’s output', { timeout: TEST_TIMEOUT_MS }, async () => {
    fake.script(
      { kind: 'tools', calls: [{ id: 'call_farclaw_node', name: 'exec', args: { command: 'echo farclaw-node-under-openclaw', host: 'node' } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
    );
    const sent = await chat.call('chat.send', { sessionKey: 'agent:main:farclaw-node', message: 'NODE_EXEC: please run `echo farclaw-node-under-openclaw`', idempotencyKey: 'oc-farclaw-node' });
    assert.equal(sent.ok, true, JSON.stringify(sent));
    const requested = await waitFor('exec.approval.requested on the approver', () => approver.frames.find((f) => f.type === 'event' && f.event === 'exec.approval.requested'), STEP_TIMEOUT_MS)
      .catch((err: Error) => assert.fail(`${err.message}\nchat frames: ${JSON.stringify(chat.frames.filter((f) => f.event === 'chat').slice(-3))}${debug()}`));
    const request = requested.payload.request as { host: string; systemRunPlan: { argv: string[]; commandText: string; commandPreview: string } };
    // The approval shows our node's plan: the gateway's shell wrapper and, unwrapped, the command line.
    assert.equal(request.host, 'node');
    assert.deepEqual(request.systemRunPlan.argv, ['/bin/sh', '-lc', 'echo farclaw-node-under-openclaw']);
    assert.equal(request.systemRunPlan.commandText, '/bin/sh -lc "echo farclaw-node-under-openclaw"');
    assert.equal(request.systemRunPlan.commandPreview, 'echo farclaw-node-under-openclaw');
    assert.equal(finalOf(chat, 'farclaw-node'), undefined, 'the run waits for the decision');

    const resolved = await approver.call('exec.approval.resolve', { id: requested.payload.id, decision: 'allow-once' });
    assert.equal(resolved.ok, true, JSON.stringify(resolved));
    const final = await waitFor('the final answer', () => finalOf(chat, 'farclaw-node'), STEP_TIMEOUT_MS)
      .catch((err: Error) => assert.fail(`${err.message}${debug()}`));
    assert.equal(final.payload.state, 'final', JSON.stringify(final.payload));
    assert.ok(textOf(final).startsWith(QUOTE), textOf(final));
    assert.match(textOf(final), /^farclaw-node-under-openclaw$/m, `${textOf(final)}${debug()}`);

    // Our node told the real gateway how the run ended (node.event exec.finished, assistant.md 8.3
    // step 8): the gateway takes it for the run it sent and wakes the session with it, so the
    // model is called once more and reads the note with the output.
    const note = `Exec finished (node=${String(requested.payload.request.nodeId)} id=${String(requested.payload.id)}, code 0)`;
    const woken = await waitFor('the real gateway’s exec-event wake of the session', () =>
      fake.requests.find((r) => JSON.stringify(r.body.messages ?? []).includes(note)), STEP_TIMEOUT_MS)
      .catch((err: Error) => assert.fail(`${err.message}\nlast model request: ${JSON.stringify(fake.requests.at(-1)?.body.messages).slice(-2000)}${debug()}`));
    assert.match(JSON.stringify(woken.body.messages), /farclaw-node-under-openclaw/);
  });

  test('a program outside the node owner’s allowlist is refused at prepare: nobody is asked and the model reads the denial', { timeout: TEST_TIMEOUT_MS }, async () => {
    const approvalsBefore = approver.frames.filter((f) => f.type === 'event' && f.event === 'exec.approval.requested').length;
    fake.script(
      { kind: 'tools', calls: [{ id: 'call_farclaw_refused', name: 'exec', args: { command: 'uname -s', host: 'node' } }] },
      { kind: 'quote-tool', prefix: [QUOTE] },
    );
    const sent = await chat.call('chat.send', { sessionKey: 'agent:main:farclaw-refused', message: 'NODE_EXEC: please run `uname -s`', idempotencyKey: 'oc-farclaw-refused' });
    assert.equal(sent.ok, true, JSON.stringify(sent));
    const final = await waitFor('the final answer', () => finalOf(chat, 'farclaw-refused'), STEP_TIMEOUT_MS)
      .catch((err: Error) => assert.fail(`${err.message}${debug()}`));
    assert.equal(final.payload.state, 'final', JSON.stringify(final.payload));
    // The real gateway hands the model our node's own code and message, in OpenClaw's tool error shape.
    assert.match(textOf(final), /"error": "NOT_ALLOWED: system\.run refused: \\"uname\\" is not in nodeHost\.systemRun\.allow of this node/, `${textOf(final)}${debug()}`);
    assert.equal(approver.frames.filter((f) => f.type === 'event' && f.event === 'exec.approval.requested').length, approvalsBefore, 'no approval was requested');
  });
});
