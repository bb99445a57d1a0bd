import { Type } from '@sinclair/typebox';
import { NonEmptyString } from './primitives.js';

/** `channels.status` params: `probe` and `timeoutMs` are accepted like the real gateway's. */
export const ChannelsStatusParamsSchema = Type.Object(
  { probe: Type.Optional(Type.Boolean()), timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: true },
);

/** `channels.pairing.list` (assistant.md 10.4). */
export const ChannelPairingListParamsSchema = Type.Object(
  { channel: NonEmptyString, accountId: Type.Optional(NonEmptyString) },
  { additionalProperties: false },
);

/** `channels.pairing.approve` / `channels.pairing.dismiss`: a live code of the channel. */
export const ChannelPairingCodeParamsSchema = Type.Object(
  { channel: NonEmptyString, code: NonEmptyString, accountId: Type.Optional(NonEmptyString), notify: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

/** `channels.start` / `channels.stop` / `channels.logout`: one channel account (the default when omitted). */
export const ChannelAccountParamsSchema = Type.Object(
  { channel: NonEmptyString, accountId: Type.Optional(NonEmptyString) },
  { additionalProperties: true },
);
