// The seed's command flow with real processes (issue 15, assistant.md 8.2-8.4): chat.send → the
// fake model asks for `exec host=node` → our gateway runs `system.run` on a real `farclaw node
// run` through the node command policy → the model's next turn quotes the tool result. Modes full
// and deny, and every fault the model must see as a tool error instead of a hang.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { chatEvents, fakeModelConfig, operator, waitTerminal } from '../helpers/chat-gateway.js';
import { jsonOut } from '../helpers/cli-output.js';
import { childProcess, nodesCli, useExecNode } from '../helpers/exec-node.js';
import { startGateway, TEST_TOKEN, type RunningGateway } from '../helpers/gateway-process.js';
import { startFarclawNode } from '../helpers/node-host-process.js';
import { tmpHome } from '../helpers/tmp-home.js';
import type { RawClient, Frame } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';

const TEST_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 1000;
const QUOTE = ['The node ran the command. ', 'Output was: '];

/** Scripts one exec call and the quoting answer, sends the message, and returns the terminal chat event. */
async function execTurn(c: RawClient, fake: FakeModel, runId: string, args: Record<string, unknown>): Promise<Frame> {
  fake.script(
    { kind: 'tools', text: 'Running it on the node. ', calls: [{ id: `call_${runId}`, name: 'exec', args: { host: 'node', ...args } }] },
    { kind: 'quote-tool', prefix: QUOTE },
  );
  await c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: `NODE_EXEC: please run \`${String(args.command)}\``, idempotencyKey: runId });
  return await waitTerminal(c, runId, 90_000);
}

const finalText = (t: Frame): string => t.payload?.message?.content?.[0]?.text ?? '';
const toolResult = (c: RawClient, runId: string): Frame | undefined =>
  c.frames.find((e) => e.type === 'event' && e.event === 'agent' && e.payload?.runId === runId && e.payload.stream === 'tool' && e.payload.data?.phase === 'result');

describe('exec host=node, mode full, on a real farclaw node host', () => {
  const f = useExecNode({ allow: ['echo', 'sleep', 'seq', 'false', 'printenv'], mode: 'full', maxOutputBytes: MAX_OUTPUT_BYTES });

  test('the model runs echo on the node and its answer quotes the output', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-echo', { command: 'echo farclaw-node-exec-ok' });
    assert.equal(term.payload.state, 'final', JSON.stringify(term.payload));
    assert.equal(finalText(term), `Running it on the node. \n\n${QUOTE.join('')}Node: ${f.nodeId}\n\nfarclaw-node-exec-ok\n`);
    const result = toolResult(f.c, 'run-echo');
    assert.equal(result?.payload.data.isError, false);
    // The model's second request carried the tool result verbatim.
    const toolMsg = (f.fake.requests.at(-1)?.body.messages as { role: string; content: unknown }[]).find((m) => m.role === 'tool');
    assert.equal(toolMsg?.content, `Node: ${f.nodeId}\n\nfarclaw-node-exec-ok\n`);
  });

  test('a non-zero exit code reaches the model', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-false', { command: 'false' });
    assert.equal(finalText(term), `Running it on the node. \n\n${QUOTE.join('')}Node: ${f.nodeId}\n\n\n(Command exited with code 1)`);
  });

  test('the model’s env reaches the command on the node; a refused variable is the tool’s error', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-env', { command: 'printenv GREETING', env: { GREETING: 'hello node' } });
    assert.equal(finalText(term), `Running it on the node. \n\n${QUOTE.join('')}Node: ${f.nodeId}\n\nhello node\n`);
    const refused = await execTurn(f.c, f.fake, 'run-env-refused', { command: 'printenv NODE_OPTIONS', env: { NODE_OPTIONS: '--require /tmp/evil.js' } });
    assert.match(finalText(refused), /"error": "INVALID_REQUEST: env variable \\"NODE_OPTIONS\\" is refused: it changes how programs load or run on the host"/);
    assert.equal(toolResult(f.c, 'run-env-refused')?.payload.data.isError, true);
  });

  test('shell syntax inside the gateway’s sh -lc is refused by the node at prepare, as SYSTEM_RUN_DENIED', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-chain', { command: 'echo farclaw-node-exec-ok && uname -s' });
    assert.equal(term.payload.state, 'final');
    assert.match(finalText(term), /"status": "error",\n {2}"tool": "exec",\n {2}"error": "INVALID_REQUEST: SYSTEM_RUN_DENIED: shell syntax \(\\"&\\"\) cannot run here/);
    assert.equal(toolResult(f.c, 'run-chain')?.payload.data.isError, true);
  });

  test('a program outside the node owner’s allowlist is refused by the node at prepare (its own code), and nothing runs', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(f.nodeHome.home, 'should-not-exist');
    const term = await execTurn(f.c, f.fake, 'run-touch', { command: `touch ${marker}` });
    assert.match(finalText(term), /"error": "NOT_ALLOWED: system\.run refused: \\"touch\\" is not in nodeHost\.systemRun\.allow of this node/);
    assert.equal(existsSync(marker), false);
  });

  test('output over the node’s cap arrives truncated and flagged', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-seq', { command: 'seq 1 100000' });
    const text = finalText(term);
    assert.ok(text.includes(`Node: ${f.nodeId}\nWarning: output truncated by the node host (nodeHost.systemRun.maxOutputBytes).\n\n1\n2\n3\n`), text);
    assert.ok(!text.includes('100000'));
  });

  test('a command past its timeout is killed and the model is told', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-timeout', { command: 'sleep 30', timeoutSeconds: 1 });
    assert.match(finalText(term), new RegExp(`exec on node ${f.nodeId} timed out; the command was killed`));
    assert.equal(childProcess(f.node.proc.pid ?? -1, /(^|\/)sleep 30$/), undefined);
  });

  test('a connected node whose commands are not approved yet is the model’s error, naming the fix', { timeout: TEST_TIMEOUT_MS }, async () => {
    const home = tmpHome();
    home.writeConfig({ nodeHost: { systemRun: { allow: ['echo'] } } });
    const waiting = startFarclawNode(['--host', '127.0.0.1', '--port', String(f.gw.port), '--token', TEST_TOKEN, '--display-name', 'lab-pending'], home.env);
    try {
      await waitFor('lab-pending to ask for approval', async () => {
        const pending = jsonOut(await nodesCli(f.gw, ['pending', '--json'])).pending as { displayName?: string }[];
        return pending.some((p) => p.displayName === 'lab-pending') ? true : undefined;
      }, 30_000);
      const term = await execTurn(f.c, f.fake, 'run-unapproved', { command: 'echo never', node: 'lab-pending' });
      assert.equal(term.payload.state, 'final');
      assert.match(finalText(term), /"error": "exec host=node: node lab-pending \([0-9a-f]+\) is connected, but its commands await an operator's approval \(`farclaw nodes pending`, then `farclaw nodes approve <requestId>`\)/);
      assert.equal(toolResult(f.c, 'run-unapproved')?.payload.data.isError, true);
    } finally {
      await waiting.stop();
      home.dispose();
    }
  });

  test('a node killed mid-exec fails the tool call at once and the run ends; a named offline node is refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    f.fake.script(
      { kind: 'tools', calls: [{ id: 'call_kill', name: 'exec', args: { host: 'node', command: 'sleep 60' } }] },
      { kind: 'quote-tool', prefix: QUOTE },
    );
    await f.c.call('chat.send', { sessionKey: 'agent:main:run-kill', message: 'sleep on the node', idempotencyKey: 'run-kill' });
    const sleeper = await waitFor('sleep 60 on the node', () => childProcess(f.node.proc.pid ?? -1, /(^|\/)sleep 60$/), 30_000);
    f.node.signal('SIGKILL');
    const term = await waitTerminal(f.c, 'run-kill', 60_000);
    process.kill(sleeper, 'SIGKILL');
    assert.equal(term.payload.state, 'final');
    assert.match(finalText(term), /UNAVAILABLE: DISCONNECTED: node disconnected \(system\.run\)/);
    await f.node.exited;

    await waitFor('the gateway to see the node gone', async () => {
      const term2 = await execTurn(f.c, f.fake, `run-offline-${Date.now()}`, { command: 'echo hi', node: 'build-box' });
      return /node \\"build-box\\" is not connected/.test(finalText(term2)) ? true : undefined;
    }, 30_000);
  });
});

describe('exec host=node on a node whose system.run the gateway’s own policy denies', () => {
  const f = useExecNode({ allow: ['echo'], mode: 'full' });

  test('the model is told the gateway’s policy denies it, not that no node is connected', { timeout: TEST_TIMEOUT_MS }, async () => {
    f.c.terminate();
    await f.restartGateway({ nodes: { commands: { deny: ['system.run'] } } });
    f.c = await operator(f.gw.url, ['tool-events']);
    await waitFor('the node back on the restarted gateway', async () => {
      const nodes = (await f.c.call('node.list', {})).payload.nodes as { nodeId: string; connected: boolean }[];
      return nodes.some((n) => n.nodeId === f.nodeId && n.connected) ? true : undefined;
    }, 30_000);
    const message = `exec host=node: node build-box (${f.nodeId}) is connected and supports system.run, but this gateway's node command policy denies it (gateway.nodes.commands.deny, or not allowed for the node's platform); ask the user to change the gateway's policy`;
    for (const [runId, args] of [['run-denied', { command: 'echo hi' }], ['run-denied-named', { command: 'echo hi', node: 'build-box' }]] as const) {
      const term = await execTurn(f.c, f.fake, runId, args);
      assert.equal(finalText(term).includes(JSON.stringify(message).slice(1, -1)), true, finalText(term));
      assert.equal(toolResult(f.c, runId)?.payload.data.isError, true);
    }
  });
});

describe('exec host=node on a node whose owner caps a run below the asked timeout', () => {
  const f = useExecNode({ allow: ['sleep'], mode: 'full', runTimeoutMs: 1_500 });

  test('the model is told the node’s own limit stopped it, so a longer timeoutSeconds will not help; the timeout is a failed result', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(f.c, f.fake, 'run-capped', { command: 'sleep 30', timeoutSeconds: 600 });
    assert.equal(term.payload.state, 'final');
    assert.match(finalText(term), new RegExp(`exec on node ${f.nodeId} timed out; the node host stopped it at its own time limit after about [12] s \\(600 s were asked; a longer timeoutSeconds will not help: the node's owner sets it, on a farclaw node as nodeHost\\.systemRun\\.timeoutMs\\), and the command was killed\\.`));
    // A timeout is a failed result, not the tool's error (OpenClaw: status "failed" with the retry guidance).
    const result = toolResult(f.c, 'run-capped')?.payload.data;
    assert.deepEqual([result?.isError, result?.result.details.status, result?.result.details.timedOut], [false, 'failed', true]);
  });
});

describe('exec host=node, mode deny', () => {
  let fake: FakeModel;
  let gw: RunningGateway;
  let c: RawClient;

  before(async () => {
    fake = await startFakeModel();
    gw = await startGateway({ config: { ...fakeModelConfig(fake), tools: { exec: { host: 'node', mode: 'deny' } } } });
    c = await operator(gw.url, ['tool-events']);
  });
  after(async () => {
    c?.terminate();
    await gw?.stop();
    await fake?.close();
  });

  test('the tool call is refused and the model quotes the refusal', { timeout: TEST_TIMEOUT_MS }, async () => {
    const term = await execTurn(c, fake, 'run-deny', { command: 'echo never' });
    assert.equal(term.payload.state, 'final');
    assert.match(finalText(term), /"error": "exec denied: tools\.exec\.mode is \\"deny\\" on this gateway"/);
    assert.equal(toolResult(c, 'run-deny')?.payload.data.isError, true);
    assert.equal(chatEvents(c, 'run-deny').filter((f) => f.payload.state === 'final').length, 1);
  });
});
