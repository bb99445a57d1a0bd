/**
 * Bounds on what a frame may be, checked once at the edge (issue 12 item 2): `JSON.parse`
 * accepts 100k levels of nesting but `JSON.stringify` throws past a few thousand, so a deep
 * value that got in would fail later wherever it is echoed, logged or forwarded.
 */

/** Deepest array/object nesting accepted in any inbound frame (the envelope counts as 1). */
export const MAX_FRAME_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Whether JSON text nests objects/arrays deeper than `max`, read in one pass before parsing.
 * Works on UTF-8 bytes: every byte of a multi-byte character is ≥ 0x80, so none is mistaken
 * for a quote or a bracket. Malformed text is left for `JSON.parse` to refuse.
 */
export function exceedsDepth(data: Uint8Array | string, max = MAX_FRAME_DEPTH): boolean {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * `JSON.stringify` that fails as a plain `Error` instead of a stack overflow `RangeError`
 * escaping from deep inside a caller. Used by every place that writes a frame.
 * @throws Error when the value cannot be serialised (cycle, BigInt, nesting too deep).
 */
export function serialiseBounded(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new Error(`value cannot be serialised: ${err instanceof Error ? err.message : String(err)}`);
  }
}
