import type { ToolSet } from 'ai';
import { ACCOUNT_SELECTION, modelCatalog } from '../../agent/model-catalog.js';
import type { ToolRunContext } from '../../chat/chat-run.js';
import { ChatService } from '../../chat/chat-service.js';
import type { FarclawConfig } from '../../infra/config-schema.js';
import type { Database } from '../../store/db.js';
import type { EventBus } from '../events/event-bus.js';
import { mayReceiveEvent } from '../events/event-audience.js';
import type { Principal } from '../rpc/context.js';
import type { ChatSubscriptions } from './chat-subscriptions.js';

/**
 * Builds the chat service of a gateway: its events go onto the gateway's bus, narrowed per
 * connection by subscription and caps. Runs a dead process left behind are closed at once.
 */
export function createChatService(opts: {
  db: Database; config: FarclawConfig; bus: EventBus; subscriptions: ChatSubscriptions; workspaceDir?: string;
  /** Whether some authenticated connection's principal passes `match` (the socket fan-out's answer). */
  anyConnection: (match: (p: Principal) => boolean) => boolean;
  /** The tools a run is offered (assistant.md 8). */
  tools?: (run: ToolRunContext) => Promise<ToolSet | undefined> | ToolSet | undefined;
}): ChatService {
  const chat = new ChatService({
    db: opts.db,
    config: opts.config,
    ...(opts.tools ? { tools: opts.tools } : {}),
    ...(opts.workspaceDir ? { workspaceDir: opts.workspaceDir } : {}),
    sink: {
      emit: (event, payload, audience, live) => void opts.bus.publish(event, payload, { audience: (p) => opts.subscriptions.admits(p, audience), ...(live ? { isLive: true } : {}) }),
      // In-process listeners beside the socket fan-out see every event: then every event is built.
      // A run's events reach only connections that may read agent events (and, for tool events,
      // sent caps ["tool-events"]).
      isHeard: (audience) => opts.bus.listenerCount > 1 || (audience.kind === 'run'
        ? opts.anyConnection((p) => mayReceiveEvent('agent', p) && opts.subscriptions.admits(p, audience))
        : opts.subscriptions.hasSubscriber(audience)),
    },
  });
  chat.recover();
  return chat;
}

/**
 * The `models.snapshot` event a Control UI asks for with its connect (caps
 * `model-catalog-snapshot` plus a `modelCatalog` scope): the catalog `models.list` would answer,
 * sent right after hello-ok so the model picker fills without a request (control-ui-boot.json).
 */
export function modelsSnapshotFor(p: Principal, config: FarclawConfig): Record<string, unknown> | undefined {
  if (p.client.id !== 'openclaw-control-ui' || !p.caps?.includes('model-catalog-snapshot') || !p.modelCatalog) return undefined;
  const scope = p.modelCatalog.sessionKey !== undefined ? { sessionKey: p.modelCatalog.sessionKey } : { agentId: p.modelCatalog.agentId ?? 'main' };
  const models = modelCatalog(config).map((m) => ({ ...m, manualSelectionAllowed: true }));
  return { target: p.modelCatalog, scope, catalog: { models, accountSelection: ACCOUNT_SELECTION } };
}
