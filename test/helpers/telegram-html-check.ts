/** Tags Telegram's `parse_mode: "HTML"` accepts (Bot API "HTML style"). */
const ALLOWED_TAGS = new Set([
  'b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'tg-emoji', 'code', 'pre', 'blockquote',
]);

/**
 * Checks text the way Telegram parses `parse_mode: "HTML"`: only the supported tags, properly
 * nested, and every `<`/`&` that is not markup written as an entity. Returns the problem in
 * Telegram's words, or undefined when the text would be accepted.
 */
export function checkTelegramHtml(text: string): string | undefined {
  const open: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '&') {
      const m = /^&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);/.exec(text.slice(i, i + 12));
      if (!m) return `Character entity expected at byte offset ${i}`;
      i += m[0].length;
      continue;
    }
    if (ch !== '<') {
      i += 1;
      continue;
    }
    const end = text.indexOf('>', i);
    if (end < 0) return `Unclosed start tag at byte offset ${i}`;
    const inner = text.slice(i + 1, end);
    if (inner.startsWith('/')) {
      const name = inner.slice(1).trim().toLowerCase();
      if (open.pop() !== name) return `Unexpected end tag at byte offset ${i}`;
    } else {
      const name = (/^[a-zA-Z][a-zA-Z0-9-]*/.exec(inner)?.[0] ?? '').toLowerCase();
      if (!ALLOWED_TAGS.has(name)) return `Unsupported start tag "${name || inner}" at byte offset ${i}`;
      if (name === 'a' && !/\bhref\s*=\s*"[^"<]*"/.test(inner)) return `Can't find href in "a" tag at byte offset ${i}`;
      open.push(name);
    }
    i = end + 1;
  }
  const unclosed = open.pop();
  return unclosed ? `Can't find end tag corresponding to start tag "${unclosed}"` : undefined;
}
