import { MAX_CLOSE_REASON_BYTES } from '../../protocol/version.js';

/**
 * Cuts a close reason to the 123-byte WebSocket limit without splitting a character. Walks code
 * points from the start and stops at the limit, so the cost is bounded by the limit, not by the
 * text (a refusal may quote 60 KB of an attacker's input: issue 12.4).
 */
export function closeReason(text: string): string {
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes > MAX_CLOSE_REASON_BYTES) break;
    end += ch.length;
  }
  return text.slice(0, end);
}
