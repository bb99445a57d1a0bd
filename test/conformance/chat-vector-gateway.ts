import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { fakeModelConfig, operator, waitTerminal } from '../helpers/chat-gateway.js';
import { startFakeModel, type FakeReply } from '../helpers/fake-model.js';
import type { GatewayOptions } from '../helpers/gateway-process.js';

/** The chat captures' "STREAM_TEXT" script: five chunks 250 ms apart, usage 10/5 (chat-stream modelFake). */
export const STREAM_TEXT: FakeReply = {
  kind: 'text', chunks: ['Hello', ' from', ' the', ' fake', ' model.'], delayMs: 250, usage: { input: 10, output: 5 },
};

/** "SLOW_STREAM": 60 chunks 400 ms apart (chat-abort modelFake); the abort cuts it after three. */
export const SLOW_STREAM: FakeReply = {
  kind: 'text', chunks: Array.from({ length: 60 }, (_, i) => `slow${i} `), delayMs: 400,
};

/** A quick answer for the turns a setup plays before the capture starts. */
export const QUICK_TEXT: FakeReply = { kind: 'text', chunks: ['Hello', ' from', ' the', ' fake', ' model.'], usage: { input: 10, output: 5 } };

/** "FAIL_MODEL": HTTP 400 invalid_request_error (agent-run modelFake). */
export const FAIL_MODEL: FakeReply = { kind: 'error', status: 400, message: 'scripted failure from fake model' };

/**
 * A gateway configured as the chat captures' (`setup.gatewayConfig`: token auth, provider `fake`
 * on openai-completions, primary `fake/fake-model`) in front of a fake model that answers the
 * file's model calls in order. The fake model closes after the file.
 */
export async function chatVectorGateway(...replies: FakeReply[]): Promise<GatewayOptions> {
  const fake = await startFakeModel();
  fake.script(...replies);
  after(async () => {
    await fake.close();
  });
  return { config: fakeModelConfig(fake) };
}

/**
 * The history the later chat captures start from (chat-abort.json: "the main session already
 * holds the chat-stream turn"): one answered turn in the main session, then an injected note.
 * Uses the next scripted model reply.
 */
export async function priorChatTurn(url: string): Promise<void> {
  const c = await operator(url);
  try {
    const runId = `prior-${randomUUID()}`;
    const ack = await c.call('chat.send', { sessionKey: 'agent:main:main', message: 'STREAM_TEXT: please say hello', idempotencyKey: runId });
    if (!ack.ok) throw new Error(`prior chat.send failed: ${JSON.stringify(ack.error)}`);
    const terminal = await waitTerminal(c, runId, 60_000);
    if (terminal.payload?.state !== 'final') throw new Error(`prior turn ended in ${String(terminal.payload?.state)}`);
    const inject = await c.call('chat.inject', { sessionKey: 'agent:main:main', message: 'Operator note: build 42 is green.', label: 'ci' });
    if (!inject.ok) throw new Error(`prior chat.inject failed: ${JSON.stringify(inject.error)}`);
  } finally {
    c.terminate();
  }
}
