import { GATEWAY_CAPABILITIES, GATEWAY_EVENTS } from '../../protocol/methods.js';
import type { HelloOk } from '../../protocol/schema/snapshot.js';
import { Scope, hasScope } from '../../protocol/scopes.js';
import { MAX_BUFFERED_BYTES, MAX_PAYLOAD_BYTES } from '../../protocol/version.js';
import { sessionDefaults } from '../../sessions/session-key.js';
import { serialiseBounded } from '../rpc/frame-limits.js';
import type { GatewayServices, Principal } from '../rpc/context.js';
import type { ConnectAuth } from './connect-auth.js';

/**
 * hello-ok (protocol.md 3.4) as the text sent on the wire. Most of its 3.7 KB is the same for
 * every connect to a gateway (`features`: the method and event names; `policy`) or already
 * serialised (the health snapshot every connect also gets as an event): those parts are spliced
 * in as JSON made once, and only the per-connection rest is stringified (issue 13: handshake
 * ÷ floor).
 */

const ATTACHMENT_LIMITS = { maxBytes: 19_464_192, maxImageBytes: 6_291_456 };

/** The parts of hello-ok that one gateway sends unchanged to every connection. */
export interface SharedHelloParts {
  features: HelloOk['features'];
  policy: HelloOk['policy'];
  featuresJson: string;
  policyJson: string;
}

/** Keyed by the dispatcher's advertised methods (one frozen list per gateway). */
const sharedByMethods = new WeakMap<readonly string[], SharedHelloParts>();

/** The shared parts for `methods`, serialised on first use. */
export function sharedHelloParts(methods: readonly string[], tickIntervalMs: number): SharedHelloParts {
  const known = sharedByMethods.get(methods);
  if (known && known.policy.tickIntervalMs === tickIntervalMs) return known;
  const features = { methods: [...methods], events: [...GATEWAY_EVENTS], capabilities: [...GATEWAY_CAPABILITIES] };
  const policy = {
    maxPayload: MAX_PAYLOAD_BYTES,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
    tickIntervalMs,
    attachments: ATTACHMENT_LIMITS,
    allowedSessionVisibilities: ['shared', 'read-only', 'suggest', 'draft'],
    hasMultipleSessionSharingIdentities: false,
  };
  const parts = { features, policy, featuresJson: JSON.stringify(features), policyJson: JSON.stringify(policy) };
  sharedByMethods.set(methods, parts);
  return parts;
}

/** The hello-ok payload's JSON text for a connect that was accepted. */
export function helloOkJson(services: GatewayServices, methods: readonly string[], principal: Principal, protocol: number, now: number, auth: ConnectAuth): string {
  const shared = sharedHelloParts(methods, services.tickIntervalMs);
  // get() then getJson() with the same `now`: the second finds the snapshot the first returned.
  const health = services.health.get(false, now);
  return serialiseHelloOk(buildHelloOk(services, shared, health, principal, protocol, now, auth), shared, services.health.getJson(now));
}

/**
 * `JSON.stringify(hello)`, character for character, when `hello` was built by buildHelloOk with
 * `shared` and `healthJson` is its health snapshot's JSON: the keys that lead and close the
 * objects are written here in buildHelloOk's order, the rest keeps its own.
 */
export function serialiseHelloOk(hello: HelloOk, shared: SharedHelloParts, healthJson: string): string {
  const { type, protocol, server, features, snapshot, policy, ...rest } = hello;
  if (features !== shared.features || policy !== shared.policy) return serialiseBounded(hello);
  const { presence, health: _health, ...snapshotRest } = snapshot;
  return `{"type":${JSON.stringify(type)},"protocol":${protocol},"server":${serialiseBounded(server)},"features":${shared.featuresJson},` +
    `"snapshot":{"presence":${serialiseBounded(presence)},"health":${healthJson},${serialiseBounded(snapshotRest).slice(1)},` +
    `${serialiseBounded(rest).slice(1, -1)},"policy":${shared.policyJson}}`;
}

/** hello-ok as an object; its first keys and `policy` last are what serialiseHelloOk relies on. */
export function buildHelloOk(
  services: GatewayServices,
  shared: SharedHelloParts,
  health: HelloOk['snapshot']['health'],
  principal: Principal,
  protocol: number,
  now: number,
  auth: ConnectAuth,
): HelloOk {
  // A connection without read access (e.g. a device-less probe) learns nothing about who else
  // is connected or how the gateway is set up, as with the real gateway (vector gateway-probe).
  const canRead = principal.role === 'operator' && hasScope(principal.scopes, Scope.READ);
  // Where config and state live and how the gateway authenticates are for admins only, as with
  // the real gateway (vectors: only operator.admin hello-oks carry them; issue 12.11).
  const isAdmin = principal.role === 'operator' && hasScope(principal.scopes, Scope.ADMIN);
  return {
    type: 'hello-ok',
    protocol,
    server: {
      version: services.version, connId: principal.connId, buildId: `farclaw-${services.version}`, bootId: services.bootId,
      // assistant.md 11.6: "configured" turns off OpenClaw's Control UI build check, which would
      // otherwise make its bundle reload itself against a gateway of another build.
      controlUiBuildSource: 'configured',
    },
    features: shared.features,
    snapshot: {
      presence: canRead ? services.presence.list() : [],
      health,
      stateVersion: { presence: services.presence.version, health: services.health.version },
      uptimeMs: now - services.startedAtMs,
      appliedConfigHash: services.configHash,
      ...(isAdmin ? { configPath: services.paths.configPath, stateDir: services.paths.stateDir } : {}),
      sessionDefaults: sessionDefaults(services.config.config),
      ...(isAdmin ? { authMode: services.auth.mode } : {}),
      suspension: { phase: 'accepting' },
      ...(canRead ? { updateSchedule: { channel: 'stable', autoEnabled: false, install: { kind: 'package' } } } : {}),
    },
    controlUiWidgetKinds: [],
    controlUiLinkReaders: [],
    pluginSurfaceUrls: {},
    auth: {
      method: principal.authMethod, role: principal.role, scopes: principal.scopes,
      // The token goes to its device in this answer only: it is never logged or stored.
      ...(auth.deviceToken !== undefined ? { deviceToken: auth.deviceToken } : {}),
      ...(auth.issuedAtMs !== undefined ? { issuedAtMs: auth.issuedAtMs } : {}),
      ...(auth.deviceTokens !== undefined ? { deviceTokens: auth.deviceTokens } : {}),
    },
    policy: shared.policy,
  };
}
