import table from './method-scopes.json' with { type: 'json' };

/** `node` marks methods only a `role:"node"` connection may call; `dynamic` depends on params. */
export type MethodScope = string;

interface MethodScopeRow {
  method: string;
  scope: string;
  /** false: callable, but left out of hello-ok `features.methods` (e.g. `device.pair.setupCode`). */
  advertised?: boolean;
}

/**
 * Every core method of OpenClaw 2026.9.6 with its required scope, from the captured table
 * (`method-scopes.json`, copied verbatim from the spec). Unlisted methods need operator.admin.
 */
export const METHOD_SCOPES: ReadonlyMap<string, MethodScope> = new Map(
  (table.methods as MethodScopeRow[]).map((row) => [row.method, row.scope]),
);

/** Methods the real gateway answers without listing them in hello-ok `features.methods`. */
export const UNADVERTISED_METHODS: ReadonlySet<string> = new Set(
  (table.methods as MethodScopeRow[]).filter((row) => row.advertised === false).map((row) => row.method),
);

/** Allowed for any authenticated connection regardless of scopes (protocol.md 7.3 steps 1, 4). */
export const ALWAYS_ALLOWED_METHODS: ReadonlySet<string> = new Set([
  'health',
  'device.scopes.requestUpgrade',
  'device.scopes.waitUpgrade',
]);

export const isNodeOnlyMethod = (method: string): boolean => METHOD_SCOPES.get(method) === 'node';

/** Events a gateway may push; advertised in hello-ok `features.events`. */
export const GATEWAY_EVENTS = [
  'connect.challenge', 'agent', 'chat', 'presence', 'tick', 'shutdown', 'health', 'heartbeat',
  'node.pair.requested', 'node.pair.resolved', 'node.invoke.request', 'device.pair.requested',
  'device.pair.resolved', 'node.invoke.cancel', 'node.hostStats', 'node.runnerInventory.changed', 'voicewake.changed',
  'voicewake.routing.changed',
] as const;
