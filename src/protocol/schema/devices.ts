import { Type, type Static } from '@sinclair/typebox';
import { NonEmptyString } from './primitives.js';

/**
 * Params of the device pairing and device token methods (protocol.md 6.2). All closed, like
 * the real gateway's (vectors device-pairing-operator, handshake-operator-device).
 */
export const DevicePairRequestParamsSchema = Type.Object({ requestId: NonEmptyString }, { additionalProperties: false });
export type DevicePairRequestParams = Static<typeof DevicePairRequestParamsSchema>;

export const DevicePairRemoveParamsSchema = Type.Object({ deviceId: NonEmptyString }, { additionalProperties: false });

export const DevicePairRenameParamsSchema = Type.Object(
  { deviceId: NonEmptyString, label: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);

export const DeviceTokenRotateParamsSchema = Type.Object(
  { deviceId: NonEmptyString, role: NonEmptyString, scopes: Type.Optional(Type.Array(Type.String())) },
  { additionalProperties: false },
);

export const DeviceTokenRevokeParamsSchema = Type.Object({ deviceId: NonEmptyString, role: NonEmptyString }, { additionalProperties: false });

/**
 * `device.pair.setupCode` params (closed, as the real gateway's). `includeQr` is accepted and
 * ignored (no PNG rendering here); `joinUrl` and the `voice-node` profile are refused.
 */
export const DevicePairSetupCodeParamsSchema = Type.Object(
  {
    publicUrl: Type.Optional(NonEmptyString),
    preferRemoteUrl: Type.Optional(Type.Boolean()),
    includeQr: Type.Optional(Type.Boolean()),
    bootstrapProfile: Type.Optional(Type.Union([Type.Literal('limited'), Type.Literal('node'), Type.Literal('voice-node')])),
    joinUrl: Type.Optional(Type.Literal(true)),
  },
  { additionalProperties: false },
);
