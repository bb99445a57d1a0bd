import type { Logger } from '../../infra/logger.js';
import type { EventBus } from '../events/event-bus.js';
import type { GatewayServices } from '../rpc/context.js';
import type { MethodDef } from '../rpc/dispatcher.js';
import type { HttpRoute } from '../server/http-router.js';

/** What a component receives when it starts. */
export interface ComponentContext {
  /** The gateway's long-lived services (store, config, registries). */
  services: GatewayServices;
  /** Publish server events (`bus.publish`) and subscribe to them (`ctx.subscribe`). */
  bus: EventBus;
  logger: Logger;
  /**
   * Subscribes to every bus event; the kernel removes the subscription when this component
   * stops, so a component never has to remember it.
   */
  subscribe(listener: Parameters<EventBus['subscribe']>[0]): void;
}

/**
 * One feature of the gateway (style guide B4.5): what it needs, the methods and HTTP routes it
 * adds, and its start/stop. The composition root constructs it with the services it uses
 * (constructor arguments, never a back-reference assigned later) and hands it to the kernel,
 * which starts components in dependency order and stops them in reverse.
 *
 * @example
 * const chat: Component = {
 *   name: 'chat',
 *   needs: ['nodes'],
 *   methods: [handleChatSend, handleChatHistory],
 *   routes: [{ method: 'GET', path: '/chat/export', handle: (req, res) => exportChat(res) }],
 *   start: (ctx) => ctx.subscribe((e) => { if (e.event === 'agent') store.append(e); }),
 *   stop: () => store.close(),
 * };
 */
export interface Component {
  /** Unique; other components name it in `needs`. */
  readonly name: string;
  /** Components that must start before this one (and stop after it). */
  readonly needs?: readonly string[];
  /** Methods this component answers; each name may be registered once across all components. */
  readonly methods?: readonly MethodDef[];
  /** HTTP routes on the gateway port (and the managed Tailscale listener). */
  readonly routes?: readonly HttpRoute[];
  /** Called once, after every component it needs has started. */
  start?(ctx: ComponentContext): void | Promise<void>;
  /** Called once at shutdown, before the components it needs stop. Must be idempotent. */
  stop?(): void | Promise<void>;
}
