import { Type, type Static } from '@sinclair/typebox';
import { NonEmptyString, NonNegativeInt, OpenObject } from './primitives.js';
import { StateVersionSchema } from './frames.js';

/** One presence entry (protocol.md 8); the gateway itself is `mode:"gateway", reason:"self"`. */
export const PresenceEntrySchema = Type.Object({
  ts: NonNegativeInt,
  host: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  platform: Type.Optional(Type.String()),
  deviceFamily: Type.Optional(Type.String()),
  modelIdentifier: Type.Optional(Type.String()),
  timeZone: Type.Optional(Type.String()),
  mode: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  tags: Type.Optional(Type.Array(Type.String())),
  lastInputSeconds: Type.Optional(Type.Number()),
  onlineSince: Type.Optional(Type.Number()),
  lastActivityAt: Type.Optional(Type.Number()),
  deviceId: Type.Optional(Type.String()),
  clientId: Type.Optional(Type.String()),
  roles: Type.Optional(Type.Array(Type.String())),
  scopes: Type.Optional(Type.Array(Type.String())),
  instanceId: Type.Optional(Type.String()),
  /** A profile reference `{id, identity, avatarUrl?}` on the real gateway (control-ui-boot.json). */
  user: Type.Optional(Type.Union([Type.String(), Type.Object({
    id: Type.String(), identity: Type.Optional(Type.Object({ type: Type.String(), id: Type.String() })), avatarUrl: Type.Optional(Type.String()),
  })])),
  watchedSessions: Type.Optional(Type.Array(Type.String())),
});
export type PresenceEntry = Static<typeof PresenceEntrySchema>;

export const SessionsSummarySchema = Type.Object({
  path: Type.String(),
  count: NonNegativeInt,
  recent: Type.Array(Type.Unknown()),
});

export const EventLoopStatsSchema = Type.Object({
  degraded: Type.Boolean(),
  degradedSinceMs: Type.Union([Type.Number(), Type.Null()]),
  reasons: Type.Array(Type.String()),
  intervalMs: Type.Number(),
  delayP99Ms: Type.Number(),
  delayMaxMs: Type.Number(),
  utilization: Type.Number(),
  cpuCoreRatio: Type.Number(),
});
export type EventLoopStats = Static<typeof EventLoopStatsSchema>;

/** HealthSnapshot: every field optional in the real schema; we always send the observed set. */
export const HealthSnapshotSchema = Type.Object({
  ok: Type.Boolean(),
  ts: NonNegativeInt,
  durationMs: Type.Number(),
  plugins: Type.Object({ loaded: Type.Array(Type.String()), errors: Type.Array(Type.Unknown()), unavailable: Type.Array(Type.Unknown()) }),
  configReload: Type.Object({ hotReloadStatus: Type.String() }),
  channels: OpenObject,
  channelOrder: Type.Array(Type.String()),
  channelLabels: OpenObject,
  heartbeatSeconds: Type.Number(),
  defaultAgentId: Type.String(),
  agents: Type.Array(Type.Unknown()),
  sessions: SessionsSummarySchema,
  modelRuntime: Type.Object({ degraded: Type.Boolean(), pendingAgents: Type.Array(Type.Unknown()) }),
  eventLoop: EventLoopStatsSchema,
});
export type HealthSnapshot = Static<typeof HealthSnapshotSchema>;

export const HelloOkSchema = Type.Object({
  type: Type.Literal('hello-ok'),
  protocol: Type.Integer(),
  server: Type.Object({
    version: NonEmptyString,
    connId: NonEmptyString,
    buildId: Type.Optional(Type.String({ maxLength: 96 })),
    bootId: Type.Optional(Type.String({ maxLength: 96 })),
    controlUiBuildSource: Type.Optional(Type.Union([Type.Literal('bundled'), Type.Literal('configured')])),
  }),
  features: Type.Object({
    methods: Type.Array(Type.String()),
    events: Type.Array(Type.String()),
    capabilities: Type.Optional(Type.Array(Type.String())),
  }),
  snapshot: Type.Object({
    presence: Type.Array(PresenceEntrySchema),
    health: HealthSnapshotSchema,
    stateVersion: StateVersionSchema,
    uptimeMs: NonNegativeInt,
    configPath: Type.Optional(Type.String()),
    stateDir: Type.Optional(Type.String()),
    sessionDefaults: Type.Optional(OpenObject),
    authMode: Type.Optional(Type.String()),
    suspension: Type.Optional(OpenObject),
    appliedConfigHash: Type.Optional(Type.String()),
    updateSchedule: Type.Optional(OpenObject),
  }),
  controlUiWidgetKinds: Type.Optional(Type.Array(Type.Unknown())),
  controlUiLinkReaders: Type.Optional(Type.Array(Type.Unknown())),
  pluginSurfaceUrls: Type.Optional(Type.Record(Type.String(), Type.String())),
  auth: Type.Object({
    role: Type.String(),
    scopes: Type.Array(Type.String()),
    method: Type.Optional(Type.String()),
    deviceToken: Type.Optional(Type.String()),
    issuedAtMs: Type.Optional(NonNegativeInt),
    /** The other roles' tokens of a setup-code (bootstrap) handoff (protocol.md 3.4). */
    deviceTokens: Type.Optional(Type.Array(Type.Object({
      deviceToken: Type.String(),
      role: Type.String(),
      scopes: Type.Array(Type.String()),
      issuedAtMs: NonNegativeInt,
    }))),
  }),
  policy: Type.Object({
    maxPayload: NonNegativeInt,
    maxBufferedBytes: NonNegativeInt,
    tickIntervalMs: NonNegativeInt,
    attachments: Type.Optional(Type.Object({ maxBytes: NonNegativeInt, maxImageBytes: NonNegativeInt })),
    allowedSessionVisibilities: Type.Optional(Type.Array(Type.String())),
    hasMultipleSessionSharingIdentities: Type.Optional(Type.Boolean()),
  }),
});
export type HelloOk = Static<typeof HelloOkSchema>;
