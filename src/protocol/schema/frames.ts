import { Type, type Static } from '@sinclair/typebox';
import { MAX_TRACEPARENT_CHARS } from '../version.js';
import { NonEmptyString, NonNegativeInt } from './primitives.js';

/** Request frames are closed objects: extra top-level keys are rejected (protocol.md 2.1). */
export const RequestFrameSchema = Type.Object(
  {
    type: Type.Literal('req'),
    id: NonEmptyString,
    method: NonEmptyString,
    params: Type.Optional(Type.Unknown()),
    traceparent: Type.Optional(Type.String({ maxLength: MAX_TRACEPARENT_CHARS })),
    expectedProfileId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type RequestFrame = Static<typeof RequestFrameSchema>;

export const ErrorShapeSchema = Type.Object({
  code: NonEmptyString,
  message: NonEmptyString,
  details: Type.Optional(Type.Unknown()),
  retryable: Type.Optional(Type.Boolean()),
  retryAfterMs: Type.Optional(NonNegativeInt),
});

export const ResponseFrameSchema = Type.Object({
  type: Type.Literal('res'),
  id: Type.String(),
  ok: Type.Boolean(),
  payload: Type.Optional(Type.Unknown()),
  error: Type.Optional(ErrorShapeSchema),
});
export type ResponseFrame = Static<typeof ResponseFrameSchema>;

export const StateVersionSchema = Type.Object({ presence: Type.Integer(), health: Type.Integer() });
export type StateVersion = Static<typeof StateVersionSchema>;

export const EventFrameSchema = Type.Object({
  type: Type.Literal('event'),
  event: NonEmptyString,
  payload: Type.Optional(Type.Unknown()),
  seq: Type.Optional(NonNegativeInt),
  stateVersion: Type.Optional(StateVersionSchema),
});
export type EventFrame = Static<typeof EventFrameSchema>;

/** Any server frame; clients must ignore unknown payload fields. */
export const ServerFrameSchema = Type.Union([ResponseFrameSchema, EventFrameSchema]);
export type ServerFrame = Static<typeof ServerFrameSchema>;
