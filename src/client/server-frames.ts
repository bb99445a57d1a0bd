import { ConnectChallengeSchema } from '../protocol/schema/connect.js';
import { EventFrameSchema, ResponseFrameSchema, type EventFrame, type ResponseFrame } from '../protocol/schema/frames.js';
import { Type } from '@sinclair/typebox';
import { HelloOkSchema, type HelloOk } from '../protocol/schema/snapshot.js';
import { lazyValidator } from '../protocol/validate.js';

const validateResponseFrame = lazyValidator(ResponseFrameSchema);
const validateEventFrame = lazyValidator(EventFrameSchema);

/** `connect.challenge`'s payload (protocol.md 3.1). */
export const validateConnectChallenge = lazyValidator(ConnectChallengeSchema);

/**
 * hello-ok, the payload of a successful `connect` (protocol.md 3.3), checked for what a client
 * acts on: `type`, `protocol`, `server`, `features`, `auth` and `policy`, with the shapes of
 * HelloOkSchema. `snapshot` is left to its readers: the real OpenClaw gateway's health snapshot
 * lacks fields ours has (e.g. `modelRuntime`), and a client must still connect to it.
 */
const HelloOkHeadSchema = Type.Object({
  type: HelloOkSchema.properties.type,
  protocol: HelloOkSchema.properties.protocol,
  server: HelloOkSchema.properties.server,
  features: HelloOkSchema.properties.features,
  auth: HelloOkSchema.properties.auth,
  policy: HelloOkSchema.properties.policy,
});
const validateHelloOkHead = lazyValidator(HelloOkHeadSchema);

/** Validates hello-ok's head (HelloOkHeadSchema); the snapshot is typed but not checked here. */
export const validateHelloOk = Object.assign((value: unknown): value is HelloOk => validateHelloOkHead(value), {
  explain: (value: unknown) => validateHelloOkHead.explain(value),
});

/** One inbound text frame: a response or event checked against the protocol schemas, or why it is not one. */
export type ServerFrameRead = { frame: ResponseFrame | EventFrame } | { invalid: string };

/**
 * Parses and validates one server frame (protocol.md 2.2, 2.3). Never throws: what is not JSON,
 * not an object with a known `type`, or not of that type's shape comes back as `{ invalid }`.
 * Unknown payload fields are allowed (the frame schemas are open, as clients must ignore them).
 */
export function readServerFrame(text: string): ServerFrameRead {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { invalid: 'not JSON' };
  }
  const type = value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  if (type === 'res') return validateResponseFrame(value) ? { frame: value } : { invalid: `response ${validateResponseFrame.explain(value)}` };
  if (type === 'event') return validateEventFrame(value) ? { frame: value } : { invalid: `event ${validateEventFrame.explain(value)}` };
  return { invalid: `unknown frame type ${JSON.stringify(type ?? null)}` };
}
