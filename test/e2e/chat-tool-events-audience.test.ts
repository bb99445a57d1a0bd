// Tool events nobody may receive are not built (issue 15, bench:tools): with no connection that
// sent caps ["tool-events"], a run's tool events are skipped, yet their seq is still taken, so a
// plain operator sees the same numbering whether or not a tool-events client listens, and a
// tool-events client sees the gaps filled (assistant.md 4.3, 8.6).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';
import { operator, startChatGateway, waitTerminal } from '../helpers/chat-gateway.js';
import type { RunningGateway } from '../helpers/gateway-process.js';
import type { Frame, RawClient } from '../helpers/raw-client.js';

const agentEvents = (c: RawClient, runId: string): Frame[] =>
  c.frames.filter((f) => f.type === 'event' && f.event === 'agent' && f.payload?.runId === runId);
const shape = (frames: Frame[]): string[] => frames.map((f) => `${f.payload.seq}:${f.payload.stream}`);

describe('a run\'s tool events and their audience', () => {
  let fake: FakeModel;
  let gw: RunningGateway;
  const clients: RawClient[] = [];

  before(async () => {
    fake = await startFakeModel();
    gw = await startChatGateway(fake);
  });
  after(async () => {
    for (const c of clients) c.terminate();
    await gw?.stop();
    await fake?.close();
  });

  /** One `nodes status` turn sent by `c` in its own session; resolves when `c` saw it end. */
  async function toolTurn(c: RawClient, runId: string): Promise<void> {
    fake.script({ kind: 'tools', calls: [{ id: `call_${runId}`, name: 'nodes', args: { action: 'status' } }] }, { kind: 'text', chunks: ['done'] });
    await c.call('chat.send', { sessionKey: `agent:main:${runId}`, message: 'list the nodes', idempotencyKey: runId });
    assert.equal((await waitTerminal(c, runId, 60_000)).payload.state, 'final');
  }

  test('a plain operator sees the same seq numbering with and without a tool-events client, which gets the tool events in the gaps', { timeout: 120_000 }, async () => {
    const plain = await operator(gw.url);
    clients.push(plain);
    await toolTurn(plain, 'unheard');
    const alone = agentEvents(plain, 'unheard');
    assert.ok(!alone.some((f) => f.payload.stream === 'tool' || f.payload.stream === 'item'), 'a client without tool-events caps gets no tool events');
    const seqs = alone.map((f) => f.payload.seq as number);
    // The skipped tool events still took their numbers: the plain client's numbering has gaps.
    assert.ok(seqs.some((s, i) => i > 0 && s !== (seqs[i - 1] as number) + 1), `seqs ${seqs.join(',')}`);

    const watcher = await operator(gw.url, ['tool-events']);
    clients.push(watcher);
    await toolTurn(plain, 'heard');
    await waitTerminal(watcher, 'heard', 60_000);
    assert.deepEqual(shape(agentEvents(plain, 'heard')), shape(alone));
    const all = agentEvents(watcher, 'heard');
    assert.deepEqual(all.map((f) => f.payload.seq), Array.from({ length: all.length }, (_, i) => i + 1));
    assert.deepEqual(all.filter((f) => f.payload.stream === 'tool').map((f) => f.payload.data.phase), ['start', 'result']);
    assert.deepEqual(shape(all.filter((f) => f.payload.stream !== 'tool' && f.payload.stream !== 'item' && f.payload.stream !== 'command_output')), shape(alone));
  });
});
