import type { RunResult } from '../../chat/chat-run.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { AgentParamsSchema, AgentWaitParamsSchema } from '../../protocol/schema/chat.js';
import { agentIdOf } from '../../sessions/session-key.js';
import { defineMethod } from '../rpc/dispatcher.js';
import { keyOf } from './chat.js';

const DEFAULT_WAIT_MS = 30_000;

/** The final `agent` response (assistant.md 4.1); a failure throws with both payload and error. */
function finalOf(r: RunResult): Record<string, unknown> {
  if (r.status === 'ok') {
    return {
      runId: r.runId, status: 'ok', summary: 'completed',
      result: { payloads: [{ text: r.text, mediaUrl: null }], meta: { durationMs: r.endedAt - r.startedAt,
        agentMeta: { sessionId: r.sessionId, provider: r.provider, model: r.model, usage: r.usage } } },
    };
  }
  const message = r.status === 'aborted' ? 'aborted' : (r.error?.message ?? 'agent run failed');
  throw new GatewayError(ErrorCode.UNAVAILABLE, message, { payload: { runId: r.runId, status: 'error', summary: message } });
}

/** `agent` (assistant.md 4.1): `accepted` at once, then the run's outcome under the same id. */
export const handleAgent = defineMethod('agent', AgentParamsSchema, async (ctx, p) => {
  const chat = ctx.services.chat;
  const key = keyOf(ctx, p.sessionKey ?? 'main');
  const r = chat.send(key, p.message, {
    idempotencyKey: p.idempotencyKey, kind: 'agent',
    origin: { clientId: ctx.principal.client.id, clientMode: ctx.principal.client.mode, senderIsOwner: true },
    ...(p.extraSystemPrompt ? { extraSystemPrompt: p.extraSystemPrompt } : {}),
  });
  ctx.accept({ runId: r.runId, sessionKey: r.sessionKey, agentId: agentIdOf(r.sessionKey), status: 'accepted', acceptedAt: Date.now() });
  if ('replay' in r) {
    const stored = chat.runs.get(r.runId)?.outcome as RunResult | undefined;
    return stored ? finalOf(stored) : r.replay;
  }
  return finalOf(await r.handle.done);
});

/** `agent.wait` (assistant.md 4.2): never cancels the run; `timeout` for unknown runs. */
export const handleAgentWait = defineMethod('agent.wait', AgentWaitParamsSchema, async (ctx, p) => {
  const r = await ctx.services.chat.wait(p.runId, p.timeoutMs ?? DEFAULT_WAIT_MS);
  if (!r) return { runId: p.runId, status: 'timeout' };
  if (r.status === 'ok') {
    return {
      runId: r.runId, status: 'ok', startedAt: r.startedAt, endedAt: r.endedAt, stopReason: r.stopReason, livenessState: 'working',
      terminalReceipt: { runId: r.runId, sessionId: r.sessionId, turnId: r.runId, requested: { provider: r.provider, model: r.model },
        effective: { provider: r.provider, model: r.model }, successfulToolNames: [], rerouted: false, terminalDisposition: 'visible' },
      terminalReply: { disposition: 'visible', text: r.text },
    };
  }
  return { runId: r.runId, status: 'error', startedAt: r.startedAt, endedAt: r.endedAt, error: r.status === 'aborted' ? 'aborted' : (r.error?.message ?? 'agent run failed') };
});
