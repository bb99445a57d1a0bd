// `farclaw approvals list|approve|deny|log` as a real CLI process against a real gateway (issue
// 15): the fake model asks for exec on a real `farclaw node run` or on the gateway host (mode
// ask), the CLI answers, and the audit trail says who asked, who decided, what ran where and
// its exit code.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertExit, jsonOut, show } from '../helpers/cli-output.js';
import { waitTerminal } from '../helpers/chat-gateway.js';
import { useExecNode } from '../helpers/exec-node.js';
import { runFarclaw, TEST_TOKEN } from '../helpers/gateway-process.js';
import type { Frame } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait-for.js';
import type { AuditEntry } from '../../src/protocol/schema/exec-approvals.js';

const TEST_TIMEOUT_MS = 180_000;
const QUOTE = 'Output was: ';

const finalText = (f: Frame): string => f.payload?.message?.content?.[0]?.text ?? '';

describe('farclaw approvals against a real gateway and node', () => {
  // The chat client can answer approvals (as `farclaw chat` does), so runs wait instead of failing headless.
  const lab = useExecNode({ allow: ['echo'], mode: 'ask', host: 'auto', caps: ['approvals'] });

  const cli = (args: string[]) => runFarclaw(['approvals', ...args, '--port', String(lab.gw.port), '--token', TEST_TOKEN], lab.gw.home.env, 60_000);

  /** The model asks for `exec` (with `args`); resolves with the pending approval's id once `approvals list` shows it. */
  async function ask(runId: string, args: Record<string, unknown>): Promise<string> {
    lab.fake.script({ kind: 'tools', calls: [{ id: `call_${runId}`, name: 'exec', args }] }, { kind: 'quote-tool', prefix: [QUOTE] });
    await lab.c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: `run ${String(args.command)}`, idempotencyKey: runId });
    return await waitFor(`approval of ${runId} in approvals list`, async () => {
      const r = await cli(['list', '--json']);
      assertExit(r, 0);
      return (JSON.parse(r.stdout) as { id: string; request: { runId: string } }[]).find((a) => a.request.runId === runId)?.id;
    }, 60_000);
  }


  test('list shows the pending node command; approve --always runs it and the same command is not asked again', { timeout: TEST_TIMEOUT_MS }, async () => {
    const id = await ask('cli-always', { command: 'echo from-node', host: 'node' });
    const human = await cli(['list']);
    assertExit(human, 0);
    assert.match(human.stdout, /Pending approvals \(1\)/);
    // The node prepared the run: the command is its plan's line, the gateway's shell wrapper around it.
    assert.match(human.stdout, new RegExp(`│ ${id} │ /bin/sh -lc "echo from-node" │ node build-box │ agent:main:cli-always │ allow-once, allow-always, deny │`));
    const approved = await cli(['approve', id, '--always']);
    assertExit(approved, 0);
    assert.equal(approved.stdout, `Approved always (grant stored): ${id}\n`);
    assert.equal(finalText(await waitTerminal(lab.c, 'cli-always', 60_000)), `${QUOTE}Node: ${lab.nodeId}\n\nfrom-node\n`);

    lab.fake.script({ kind: 'tools', calls: [{ id: 'call_again', name: 'exec', args: { command: 'echo from-node', host: 'node' } }] }, { kind: 'quote-tool', prefix: [QUOTE] });
    await lab.c.call('chat.send', { sessionKey: 'agent:main:cli-again', message: 'again', idempotencyKey: 'cli-again' });
    assert.equal(finalText(await waitTerminal(lab.c, 'cli-again', 60_000)), `${QUOTE}Node: ${lab.nodeId}\n\nfrom-node\n`);
    assert.equal((await cli(['list'])).stdout, 'No pending approvals.\n');
  });

  test('deny: the gateway-host command does not run and the model is told', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(lab.gw.home.home, 'cli-denied');
    const id = await ask('cli-deny', { command: `touch ${marker}`, host: 'gateway' });
    const denied = await cli(['deny', id]);
    assertExit(denied, 0);
    assert.equal(denied.stdout, `Denied: ${id}\n`);
    assert.match(finalText(await waitTerminal(lab.c, 'cli-deny', 60_000)), /exec denied: the operator denied this command/);
    assert.equal(existsSync(marker), false);
    const again = await cli(['approve', id]);
    assertExit(again, 1);
    assert.match(again.stderr, /approvals approve failed: .*approval already resolved/);
  });

  test('--always is refused for the gateway host (no grants there); approving once then runs it', { timeout: TEST_TIMEOUT_MS }, async () => {
    const marker = join(lab.gw.home.home, 'cli-once');
    const id = await ask('cli-once', { command: `touch ${marker}`, host: 'gateway' });
    const always = await cli(['approve', id, '--always']);
    assertExit(always, 1);
    assert.match(always.stderr, /approvals approve failed: .*decision allow-always is unavailable for this approval; allowed: allow-once, deny/);
    assert.equal(existsSync(marker), false);
    assertExit(await cli(['approve', id]), 0);
    assert.equal(finalText(await waitTerminal(lab.c, 'cli-once', 60_000)), `${QUOTE}\n`);
    assert.equal(existsSync(marker), true);
  });

  test('an unknown id is a clear error, not a stack', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await cli(['approve', 'no-such-approval']);
    assertExit(r, 1);
    assert.match(r.stderr, /approvals approve failed: .*unknown or expired approval id/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    const bad = await cli(['log', '--limit', '0']);
    assertExit(bad, 1);
    assert.match(bad.stderr, /--limit must be an integer from 1 to 1000/);
  });

  test('log: who asked, who decided, what ran where, and the exit code', { timeout: TEST_TIMEOUT_MS }, async () => {
    const r = await cli(['log', '--json']);
    assertExit(r, 0);
    const entries = (jsonOut(r) as { entries: AuditEntry[] }).entries;
    const of = (session: string) => entries.filter((e) => e.sessionKey === `agent:main:${session}` || (e.kind === 'approval-resolved' && entries.some((q) => q.approvalId === e.approvalId && q.sessionKey === `agent:main:${session}`)));
    const always = of('cli-always');
    assert.deepEqual(always.map((e) => e.kind), ['approval-requested', 'approval-resolved', 'tool-call'], show(r));
    // The operator was asked about the node's plan; the tool call is the model's command line.
    assert.equal(always[0]?.command, '/bin/sh -lc "echo from-node"');
    assert.equal(always[2]?.command, 'echo from-node');
    assert.deepEqual([always[1]?.decision, always[1]?.host], ['allow-always', 'node']);
    assert.match(always[1]?.actor ?? '', /^cli \(/);
    assert.deepEqual([always[2]?.host, always[2]?.nodeId, always[2]?.outcome, always[2]?.exitCode], ['node', lab.nodeId, 'completed', 0]);
    // The granted rerun ran without asking and is in the trail as well.
    assert.deepEqual(of('cli-again').map((e) => [e.kind, e.exitCode]), [['tool-call', 0]]);
    const what = (e: AuditEntry) => [e.kind, e.host, e.kind === 'tool-call' ? e.outcome : e.decision];
    assert.deepEqual(of('cli-deny').map(what), [['approval-requested', 'gateway', undefined], ['approval-resolved', 'gateway', 'deny'], ['tool-call', 'gateway', 'denied']]);
    assert.deepEqual(of('cli-once').map(what), [['approval-requested', 'gateway', undefined], ['approval-resolved', 'gateway', 'allow-once'], ['tool-call', 'gateway', 'completed']]);

    const human = await cli(['log']);
    assertExit(human, 0);
    assert.match(human.stdout, /│ agent:main:cli-always +│ echo from-node +│ node \S+ +│ exec completed +│ exit 0 +│/);
    assert.match(human.stdout, /│ allow-always by cli \(/);
    assert.match(human.stdout, /│ agent:main:cli-deny +│ touch \S+ +│ gateway +│ exec denied +│/);
  });
});
