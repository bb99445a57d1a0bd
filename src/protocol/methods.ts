import table from './method-scopes.json' with { type: 'json' };
import { Scope } from './scopes.js';

/** `node` marks methods only a `role:"node"` connection may call; `dynamic` depends on params. */
export type MethodScope = string;

interface MethodScopeRow {
  method: string;
  scope: string;
  /** false: callable, but left out of hello-ok `features.methods` (e.g. `device.pair.setupCode`). */
  advertised?: boolean;
}

/**
 * farclaw's own methods, beyond OpenClaw's table (`farclaw.` prefix), with their scopes. They
 * are left out of hello-ok `features.methods`, so OpenClaw clients see OpenClaw's set.
 */
export const FARCLAW_METHOD_SCOPES: ReadonlyMap<string, MethodScope> = new Map([
  // The tool audit trail (issue 15): commands, approvers and exit codes are admin-only reading.
  ['farclaw.audit.log', Scope.ADMIN],
]);

/**
 * Every core method of OpenClaw 2026.9.6 with its required scope, from the captured table
 * (`method-scopes.json`, copied verbatim from the spec), plus farclaw's own methods.
 * Unlisted methods need operator.admin.
 */
export const METHOD_SCOPES: ReadonlyMap<string, MethodScope> = new Map([
  ...(table.methods as MethodScopeRow[]).map((row): [string, string] => [row.method, row.scope]),
  ...FARCLAW_METHOD_SCOPES,
]);

/** Methods answered without being listed in hello-ok `features.methods` (the real gateway's, and farclaw's own). */
export const UNADVERTISED_METHODS: ReadonlySet<string> = new Set([
  ...(table.methods as MethodScopeRow[]).filter((row) => row.advertised === false).map((row) => row.method),
  ...FARCLAW_METHOD_SCOPES.keys(),
]);

/** Allowed for any authenticated connection regardless of scopes (protocol.md 7.3 steps 1, 4). */
export const ALWAYS_ALLOWED_METHODS: ReadonlySet<string> = new Set([
  'health',
  'device.scopes.requestUpgrade',
  'device.scopes.waitUpgrade',
]);

export const isNodeOnlyMethod = (method: string): boolean => METHOD_SCOPES.get(method) === 'node';

/**
 * Events this gateway pushes, advertised in hello-ok `features.events`: the real gateway's names,
 * in its order (handshake-operator.json), limited to those we emit.
 */
export const GATEWAY_EVENTS = [
  'connect.challenge', 'agent', 'chat', 'chat.metadata.changed', 'models.snapshot', 'session.approval',
  'session.message', 'sessions.changed', 'presence', 'tick', 'shutdown', 'health', 'heartbeat', 'task',
  'node.pair.requested', 'node.pair.resolved', 'node.hostStats', 'node.runnerInventory.changed',
  'node.invoke.cancel', 'node.invoke.request', 'device.pair.requested', 'device.pair.resolved',
  'voicewake.changed', 'voicewake.routing.changed', 'exec.approval.requested', 'exec.approval.resolved',
] as const;

/**
 * Gateway capabilities advertised in `connect.challenge` and hello-ok `features.capabilities`:
 * `model-catalog-snapshot` makes the Control UI ask for a `models.snapshot` event with its
 * connect (control-ui-boot.json).
 */
export const GATEWAY_CAPABILITIES = ['model-catalog-snapshot'] as const;
