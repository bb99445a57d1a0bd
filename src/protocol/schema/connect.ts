import { Type, type Static, type TLiteral, type TUnion } from '@sinclair/typebox';
import { MAX_CLIENT_FIELD_CHARS } from '../version.js';
import { NonEmptyString, NonNegativeInt } from './primitives.js';

/** A client-chosen label: bounded, because it is stored, listed and fanned out (issue 12 item 6). */
const ClientLabel = Type.String({ maxLength: MAX_CLIENT_FIELD_CHARS });
const RequiredClientLabel = Type.String({ minLength: 1, maxLength: MAX_CLIENT_FIELD_CHARS });

/** Closed enum of client ids the real gateway accepts (protocol.md 3.2). */
export const CLIENT_IDS = [
  'webchat-ui', 'openclaw-control-ui', 'openclaw-browser-copilot', 'openclaw-tui', 'webchat', 'cli',
  'gateway-client', 'openclaw-macos', 'openclaw-linux', 'openclaw-ios', 'openclaw-watchos',
  'openclaw-android', 'node-host', 'openclaw-worker', 'test', 'fingerprint', 'openclaw-probe',
] as const;
export const CLIENT_MODES = ['webchat', 'cli', 'ui', 'backend', 'node', 'worker', 'probe', 'test'] as const;

const literalUnion = <T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>;

export const ClientInfoSchema = Type.Object(
  {
    id: literalUnion(CLIENT_IDS),
    version: RequiredClientLabel,
    platform: RequiredClientLabel,
    mode: literalUnion(CLIENT_MODES),
    displayName: Type.Optional(ClientLabel),
    buildId: Type.Optional(Type.String({ minLength: 1, maxLength: 96 })),
    deviceFamily: Type.Optional(ClientLabel),
    modelIdentifier: Type.Optional(ClientLabel),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    instanceId: Type.Optional(ClientLabel),
  },
  { additionalProperties: false },
);
export type ClientInfo = Static<typeof ClientInfoSchema>;

export const ConnectAuthSchema = Type.Object(
  {
    token: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    deviceToken: Type.Optional(Type.String()),
    bootstrapToken: Type.Optional(Type.String()),
    approvalRuntimeToken: Type.Optional(Type.String()),
    agentRuntimeIdentityToken: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const DeviceProofSchema = Type.Object(
  {
    id: NonEmptyString,
    publicKey: NonEmptyString,
    signature: NonEmptyString,
    signedAt: NonNegativeInt,
    nonce: Type.String(),
  },
  { additionalProperties: false },
);
export type DeviceProof = Static<typeof DeviceProofSchema>;

/**
 * `connect` params: a closed object. `role` is a free string here because an unknown role gets
 * its own message (`invalid role`), not a schema error (vector auth-failure/invalid-role).
 */
export const ConnectParamsSchema = Type.Object(
  {
    minProtocol: Type.Integer({ minimum: 1 }),
    maxProtocol: Type.Integer({ minimum: 1 }),
    client: ClientInfoSchema,
    role: Type.Optional(Type.String()),
    scopes: Type.Optional(Type.Array(Type.String())),
    caps: Type.Optional(Type.Array(Type.String())),
    commands: Type.Optional(Type.Array(Type.String())),
    permissions: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
    pathEnv: Type.Optional(Type.String()),
    auth: Type.Optional(ConnectAuthSchema),
    device: Type.Optional(DeviceProofSchema),
    locale: Type.Optional(Type.String()),
    userAgent: Type.Optional(Type.String()),
    modelCatalog: Type.Optional(Type.Unknown()),
    computerUse: Type.Optional(Type.Unknown()),
    workerRuns: Type.Optional(Type.Unknown()),
  },
  { additionalProperties: false },
);
export type ConnectParams = Static<typeof ConnectParamsSchema>;

export const ConnectChallengeSchema = Type.Object({
  nonce: NonEmptyString,
  ts: NonNegativeInt,
  capabilities: Type.Optional(Type.Array(Type.String())),
});
export type ConnectChallenge = Static<typeof ConnectChallengeSchema>;
