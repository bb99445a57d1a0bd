// The agent's `nodes` tool with real processes (issue 15, assistant.md 8.7): the fake model asks
// for status, describe, which, notify and a generic invoke on a real `farclaw node run`; every
// node command goes through NodeService.invoke, so the gateway's command policy holds, and a shell
// command is refused and pointed to `exec` without reaching the node.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { waitTerminal } from '../helpers/chat-gateway.js';
import { useExecNode } from '../helpers/exec-node.js';
import type { Frame } from '../helpers/raw-client.js';

const TEST_TIMEOUT_MS = 120_000;
const PREFIX = 'Tool said: ';

const finalText = (t: Frame): string => t.payload?.message?.content?.[0]?.text ?? '';

describe('the nodes tool on a real farclaw node host', () => {
  const f = useExecNode({ allow: ['echo', 'touch'], mode: 'full' });

  /** One `nodes` call by the model, answered by quoting the tool result; returns what the model got. */
  async function nodesTurn(runId: string, args: Record<string, unknown>): Promise<{ text: string; isError: boolean }> {
    f.fake.script({ kind: 'tools', calls: [{ id: `call_${runId}`, name: 'nodes', args }] }, { kind: 'quote-tool', prefix: [PREFIX] });
    await f.c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: `nodes ${String(args.action)}`, idempotencyKey: runId });
    const term = await waitTerminal(f.c, runId, 90_000);
    assert.equal(term.payload.state, 'final', JSON.stringify(term.payload));
    const result = f.c.frames.find((e) => e.type === 'event' && e.event === 'agent' && e.payload?.runId === runId && e.payload.stream === 'tool' && e.payload.data?.phase === 'result');
    const text = finalText(term);
    assert.ok(text.startsWith(PREFIX), text);
    return { text: text.slice(PREFIX.length), isError: result?.payload.data.isError === true };
  }

  test('status lists the node as node.list does, connected, with its commands', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { text, isError } = await nodesTurn('nodes-status', { action: 'status' });
    assert.equal(isError, false);
    const listed = JSON.parse(text) as { ts: number; nodes: { nodeId: string; displayName: string; connected: boolean; commands: string[] }[] };
    const entry = listed.nodes.find((n) => n.nodeId === f.nodeId);
    assert.equal(entry?.displayName, 'build-box');
    assert.equal(entry?.connected, true);
    assert.deepEqual([...(entry?.commands ?? [])].sort(), ['system.execApprovals.get', 'system.execApprovals.set', 'system.run', 'system.run.prepare', 'system.which']);
    // The model's second request carried the same text as the tool message.
    const toolMsg = (f.fake.requests.at(-1)?.body.messages as { role: string; content: unknown }[]).find((m) => m.role === 'tool');
    assert.equal(toolMsg?.content, text);
  });

  test('describe names the node by display name; without a node it says how to find one', { timeout: TEST_TIMEOUT_MS }, async () => {
    const described = await nodesTurn('nodes-describe', { action: 'describe', node: 'build-box' });
    assert.equal(described.isError, false);
    assert.equal((JSON.parse(described.text) as { nodeId: string }).nodeId, f.nodeId);
    const missing = await nodesTurn('nodes-describe-none', { action: 'describe' });
    assert.equal(missing.isError, true);
    assert.match(missing.text, /action=describe: node required for describe; call nodes with action=\\"status\\"/);
  });

  test('which resolves executables on the node through system.which', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { text, isError } = await nodesTurn('nodes-which', { action: 'which', node: 'build-box', bins: ['sh', 'no-such-binary-farclaw'] });
    assert.equal(isError, false);
    const bins = (JSON.parse(text) as { bins: Record<string, string> }).bins;
    assert.match(bins.sh ?? '', /\/sh$/);
    assert.equal(bins['no-such-binary-farclaw'], undefined);
  });

  test('a generic invoke runs a declared command with invokeParamsJson and returns the node.invoke result', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { text, isError } = await nodesTurn('nodes-invoke', { action: 'invoke', node: f.nodeId, invokeCommand: 'system.which', invokeParamsJson: '{"bins":["sh"]}' });
    assert.equal(isError, false);
    const result = JSON.parse(text) as { ok: boolean; nodeId: string; command: string; payload: { bins: Record<string, string> } };
    assert.equal(result.ok, true);
    assert.equal(result.nodeId, f.nodeId);
    assert.equal(result.command, 'system.which');
    assert.match(result.payload.bins.sh ?? '', /\/sh$/);
  });

  test('invoke refuses system.run and points to exec; nothing reaches the node', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(f.nodeHome.home, 'nodes-tool-ran');
    for (const command of ['system.run', 'System.Run.Prepare']) {
      const { text, isError } = await nodesTurn(`nodes-run-${command.length}`, { action: 'invoke', node: 'build-box', invokeCommand: command, invokeParamsJson: JSON.stringify({ command: ['touch', marker] }) });
      assert.equal(isError, true);
      assert.match(text, new RegExp(`invokeCommand \\\\"${command.replace(/\./g, '\\.')}\\\\" is reserved for shell execution; use exec with host=node instead`));
    }
    assert.equal(existsSync(marker), false);
  });

  test('the gateway’s command policy holds: notify to a node that does not declare system.notify is refused', { timeout: TEST_TIMEOUT_MS }, async () => {
    const { text, isError } = await nodesTurn('nodes-notify', { action: 'notify', node: 'build-box', title: 'Backup', body: 'done' });
    assert.equal(isError, true);
    assert.match(text, /action=notify: INVALID_REQUEST: node command not allowed: the node \(platform: [a-z0-9]+\) does not support \\"system\.notify\\"/);
  });

  test('bad arguments are the model’s error: invalid invokeParamsJson, an unknown node, notify without text', { timeout: TEST_TIMEOUT_MS }, async () => {
    const badJson = await nodesTurn('nodes-bad-json', { action: 'invoke', node: 'build-box', invokeCommand: 'system.which', invokeParamsJson: '{bins:' });
    assert.equal(badJson.isError, true);
    assert.match(badJson.text, /invokeParamsJson must be valid JSON: /);
    const unknown = await nodesTurn('nodes-unknown', { action: 'which', node: 'no-such-node', bins: ['sh'] });
    assert.equal(unknown.isError, true);
    assert.match(unknown.text, /node=no-such-node action=which: unknown node \\"no-such-node\\"; known nodes: build-box/);
    const empty = await nodesTurn('nodes-notify-empty', { action: 'notify', node: 'build-box' });
    assert.equal(empty.isError, true);
    assert.match(empty.text, /action=notify: title or body required/);
  });

  test('pending lists waiting surfaces; approve and reject stay an operator’s; device actions the node lacks are named', { timeout: TEST_TIMEOUT_MS }, async () => {
    const pending = await nodesTurn('nodes-pending', { action: 'pending' });
    assert.equal(pending.isError, false);
    assert.deepEqual(JSON.parse(pending.text), { pending: [] });
    const approve = await nodesTurn('nodes-approve', { action: 'approve', node: 'build-box' });
    assert.equal(approve.isError, true);
    assert.match(approve.text, /action=approve: approve needs an operator: run `farclaw nodes approve <requestId>` on the gateway host/);
    const snap = await nodesTurn('nodes-camera', { action: 'camera_snap', node: 'build-box' });
    assert.equal(snap.isError, true);
    assert.match(snap.text, /action=camera_snap: camera_snap is not supported by node \\"build-box\\" \(it does not offer camera\.snap; it offers: system\.execApprovals\.get, system\.execApprovals\.set, system\.run, system\.run\.prepare, system\.which\)/);
    const location = await nodesTurn('nodes-location', { action: 'location_get', node: 'build-box' });
    assert.equal(location.isError, true);
    assert.match(location.text, /location_get is not supported by node \\"build-box\\" \(it does not offer location\.get;/);
  });
});
