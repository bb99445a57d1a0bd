import { RequestFrameSchema, type RequestFrame } from '../../protocol/schema/frames.js';
import { lazyValidator } from '../../protocol/validate.js';
import { exceedsDepth, MAX_FRAME_DEPTH } from './frame-limits.js';

const validateRequestFrame = lazyValidator(RequestFrameSchema);

/** What one inbound text frame turned out to be. */
export type InboundFrame =
  | { kind: 'request'; frame: RequestFrame }
  /** Not JSON at all (after the handshake: ignored, protocol.md 2.4). */
  | { kind: 'not-json' }
  /** JSON but not a request frame; `id` is the frame's own when it had a string one, else "invalid". */
  | { kind: 'invalid'; id: string; message: string; isTooDeep: boolean };

const idOf = (value: unknown): string => {
  const raw = (value as { id?: unknown } | null)?.id;
  return typeof raw === 'string' ? raw : 'invalid';
};

/**
 * Reads one inbound frame: nesting depth first (before anything walks the value), then JSON,
 * then the request-frame schema. The only place inbound bytes become a value.
 */
export function readRequestFrame(data: Buffer | ArrayBuffer | Buffer[]): InboundFrame {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
  // Never parsed when too deep: 25 MiB of brackets would build millions of objects.
  if (exceedsDepth(bytes)) return { kind: 'invalid', id: leadingIdOf(bytes), message: tooDeepMessage, isTooDeep: true };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch {
    return { kind: 'not-json' };
  }
  if (!validateRequestFrame(value)) {
    return { kind: 'invalid', id: idOf(value), message: `invalid request frame: ${validateRequestFrame.explain(value)}`, isTooDeep: false };
  }
  return { kind: 'request', frame: value };
}

/** A top-level `"id"` that comes before any nested value (as clients write frames), else "invalid". */
function leadingIdOf(bytes: Buffer): string {
  const head = bytes.subarray(0, 512).toString();
  const m = /^\s*\{[^{}[\]]*?"id"\s*:\s*("(?:[^"\\]|\\.){0,256}")/.exec(head);
  if (!m?.[1]) return 'invalid';
  try {
    return String(JSON.parse(m[1]));
  } catch {
    return 'invalid';
  }
}

const tooDeepMessage = `invalid request frame: nested deeper than ${MAX_FRAME_DEPTH} levels`;
