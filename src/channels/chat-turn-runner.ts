import type { ChatService } from '../chat/chat-service.js';
import type { RunEvent } from '../chat/events.js';
import { SessionRouteRepo } from '../store/session-route-repo.js';
import type { ChannelTurn, ChannelTurnResult, ChannelTurnRunner } from './channel.js';

/** Runs of one turn that a gateway stop interrupted, before the turn is given up. */
const MAX_INTERRUPTED_RUNS = 10;

/**
 * Connects channels to the assistant: a turn is a `send` on the chat service in the turn's
 * session, keyed by the inbound message (idempotency key = run id, persisted), and answered with
 * the run's final text. After a crash the same message finds its finished run (its stored text
 * is the answer, no second run) or its interrupted run (a fresh run under the next key). A
 * follow-up (`turn.startedBy`) waits the same way for a run the gateway started.
 * Throws when the run fails; the channel then retries or apologises.
 */
export function chatTurnRunner(chat: ChatService): ChannelTurnRunner {
  const db = chat.sessions.database;
  const routes = new SessionRouteRepo(db);
  return async (turn: ChannelTurn): Promise<ChannelTurnResult> => {
    for (let attempt = 0; attempt < MAX_INTERRUPTED_RUNS; attempt++) {
      const runId = attempt === 0 ? turn.idempotencyKey : `${turn.idempotencyKey}:rerun-${attempt}`;
      const previous = chat.runs.get(runId);
      if (previous?.status === 'interrupted') continue;
      if (previous?.status === 'ok') return { text: textOf(previous.outcome) };
      const send = () => chat.send(turn.sessionKey, turn.text, turn.startedBy ? { idempotencyKey: runId, origin: turn.startedBy } : {
        idempotencyKey: runId,
        origin: { channel: turn.channel, senderId: turn.senderId, senderIsOwner: false },
        createdVia: turn.channel,
      });
      const { route } = turn;
      // The route is stored in the commit that stores the message (no commit of its own), so a
      // note of a command this turn starts finds it.
      const sent = route === undefined ? send() : db.transaction(() => {
        routes.record({ sessionKey: chat.canonicalKey(turn.sessionKey), channel: turn.channel, accountId: turn.accountId, senderId: turn.senderId, ...route }, Date.now());
        return send();
      })();
      if (!('handle' in sent)) throw new Error(String(sent.replay.summary ?? `run ${sent.status}`));
      // A channel's own turn ends with the channel; a follow-up's run is the gateway's and goes on.
      let stopWaiting!: (err: Error) => void;
      const stopped = new Promise<never>((_, reject) => (stopWaiting = reject));
      stopped.catch(() => undefined);
      const onAbort = turn.startedBy
        ? () => stopWaiting(new Error('the channel stopped waiting for the answer'))
        : () => void chat.abort(sent.sessionKey, sent.runId).catch(() => undefined);
      if (turn.startedBy && turn.signal.aborted) onAbort();
      turn.signal.addEventListener('abort', onAbort, { once: true });
      const onEvent = (e: RunEvent) => {
        const p = e.payload as { stream?: string; state?: string; data?: { phase?: string; name?: unknown; args?: unknown } };
        if (e.event === 'agent' && p.stream === 'tool' && p.data?.phase === 'start') turn.onToolStart?.(String(p.data.name ?? 'tool'), p.data.args);
        // A chat delta carries the answer so far, so a preview never depends on how deltas are paced.
        if (e.event === 'chat' && p.state === 'delta' && turn.onText) {
          const text = answerSoFar(e.payload);
          if (text !== undefined) turn.onText(text);
        }
      };
      sent.handle.on('event', onEvent);
      try {
        const result = await Promise.race([sent.handle.done, stopped]);
        if (result.status === 'ok') return { text: result.text };
        throw new Error(result.error?.message ?? `run ${result.status}`);
      } finally {
        sent.handle.off('event', onEvent);
        turn.signal.removeEventListener('abort', onAbort);
      }
    }
    throw new Error('the assistant was interrupted too often on this message');
  };
}

const textOf = (outcome: Record<string, unknown> | undefined): string => (typeof outcome?.text === 'string' ? outcome.text : '');

/** The whole answer text of a chat `delta` event (`message.content[0].text`, assistant.md 3.5). */
function answerSoFar(payload: Record<string, unknown>): string | undefined {
  const content = (payload.message as { content?: { type?: string; text?: unknown }[] } | undefined)?.content;
  const text = content?.find((c) => c.type === 'text')?.text;
  return typeof text === 'string' ? text : undefined;
}
