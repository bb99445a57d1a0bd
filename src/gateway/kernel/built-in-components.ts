import { CHANNEL_METHODS, CHAT_METHODS, DEVICE_METHODS, NODE_METHODS, STATUS_METHODS } from '../methods/index.js';
import type { EventBus } from '../events/event-bus.js';
import type { GatewayServices } from '../rpc/context.js';
import { healthRoutes } from '../server/http-endpoints.js';
import type { Component } from './component.js';

/** What the built-in components are made from. */
export interface BuiltInDeps {
  services: GatewayServices;
  bus: EventBus;
  tickIntervalMs: number;
  healthIntervalMs: number;
  /** The `stateVersion` that accompanies presence/health events (protocol.md 2.3). */
  stateVersion(): { presence: number; health: number };
}

/**
 * The gateway's own features as components: `status` (health, status, presence, logs…, the
 * `tick` and `health` timers, `/healthz` and `/readyz`), `devices` (pairing and device tokens)
 * `nodes` (node methods; stops the registry's liveness checks), `chat` (chat, sessions, agent) and
 * `channels` (Telegram: polling or its webhook route, status and sender pairing; it answers
 * through chat, so it stops before chat does).
 */
export function builtInComponents(deps: BuiltInDeps): Component[] {
  const { services, bus } = deps;
  const timers: NodeJS.Timeout[] = [];
  const status: Component = {
    name: 'status',
    methods: STATUS_METHODS,
    routes: healthRoutes(services),
    start() {
      // One global tick timer (protocol.md 8) and the periodic health refresh.
      timers.push(setInterval(() => bus.publish('tick', { ts: Date.now() }, { isSupersedable: true }), deps.tickIntervalMs));
      timers.push(setInterval(() => {
        const snapshot = services.health.refresh();
        bus.publish('health', snapshot, { stateVersion: deps.stateVersion(), isSupersedable: true });
      }, deps.healthIntervalMs));
      for (const t of timers) t.unref();
    },
    stop() {
      for (const t of timers) clearInterval(t);
      timers.length = 0;
    },
  };
  const devices: Component = { name: 'devices', methods: DEVICE_METHODS };
  const nodes: Component = { name: 'nodes', needs: ['devices'], methods: NODE_METHODS, stop: () => services.nodes.stop() };
  // The chat service itself is built and stopped by the gateway (it outlives the sockets' drain).
  const chat: Component = { name: 'chat', needs: ['nodes'], methods: CHAT_METHODS };
  const channels: Component = {
    name: 'channels',
    needs: ['chat'],
    methods: CHANNEL_METHODS,
    routes: services.channels.routes(),
    start: () => services.channels.start(),
    stop: () => services.channels.stop(),
  };
  return [status, devices, nodes, chat, channels];
}
