/**
 * Model Markdown → Telegram HTML (assistant.md 10.5). Everything the model wrote is escaped;
 * the only markup in the result is what this file emits, so a raw `<tag>` from the model is never
 * sent as markup (its text is kept, the tag dropped).
 */

/** One outgoing Telegram message: HTML for `parse_mode: "HTML"`, and the plain-text fallback. */
export interface TelegramChunk {
  html: string;
  plain: string;
}

/** Telegram's own ceiling on a message (UTF-16 code units after entity parsing). */
export const TELEGRAM_MAX_MESSAGE_CHARS = 4096;
export const DEFAULT_TEXT_CHUNK_LIMIT = 4000;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string): string => escapeHtml(s).replace(/"/g, '&quot;');
const RAW_TAG = /<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g;
const SAFE_URL = /^(?:https?:\/\/|tg:\/\/|mailto:)/i;

/** Text of Telegram HTML: tags removed, entities decoded (what the user would read). */
export function htmlToPlain(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** Renders one line of Markdown inline syntax: code spans, links, bold, italic, strike. */
function renderInline(text: string): string {
  const held: string[] = [];
  const hold = (html: string): string => `\u0000${held.push(html) - 1}\u0000`;
  let s = text.replace(/\u0000/g, '');
  s = s.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`<code>${escapeHtml(code)}</code>`));
  s = s.replace(/\[([^\]\n]+)\]\(([^()\s]+)\)/g, (_m, label: string, url: string) => {
    const inner = renderEmphasis(escapeHtml(label.replace(RAW_TAG, '')));
    return SAFE_URL.test(url) ? hold(`<a href="${escapeAttr(url)}">${inner}</a>`) : hold(inner);
  });
  s = renderEmphasis(escapeHtml(s.replace(RAW_TAG, '')));
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => held[Number(i)] ?? '');
}

function renderEmphasis(escaped: string): string {
  return escaped
    .replace(/\*\*(?=\S)([^*]+?)\*\*/g, '<b>$1</b>')
    .replace(/__(?=\S)([^_]+?)__/g, '<b>$1</b>')
    .replace(/~~(?=\S)([^~]+?)~~/g, '<s>$1</s>')
    .replace(/(^|[^\w*])\*(?=\S)([^*\n]+?)\*(?![\w*])/g, '$1<i>$2</i>')
    .replace(/(^|[^\w_])_(?=\S)([^_\n]+?)_(?![\w_])/g, '$1<i>$2</i>');
}

/** A Markdown block: a fenced code block, or a paragraph of text lines. */
type Block = { kind: 'code'; lines: string[] } | { kind: 'text'; lines: string[] };

function splitBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.some((l) => l.trim().length > 0)) blocks.push({ kind: 'text', lines: text });
    text = [];
  };
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i += 1; i < lines.length && !(lines[i] ?? '').trim().startsWith(fence[1] ?? '```'); i++) code.push(lines[i] ?? '');
      blocks.push({ kind: 'code', lines: code });
      continue;
    }
    if (line.trim() === '') flush();
    else text.push(line);
  }
  flush();
  return blocks;
}

function renderTextLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return renderInline(heading[1] ?? '');
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1] ?? ''}• ${renderInline(bullet[2] ?? '')}`;
  const quote = /^\s*>\s?(.*)$/.exec(line);
  if (quote) return `<blockquote>${renderInline(quote[1] ?? '')}</blockquote>`;
  return renderInline(line);
}

const renderCode = (lines: readonly string[]): string => `<pre><code>${escapeHtml(lines.join('\n'))}\n</code></pre>`;

/** Renders Markdown to Telegram HTML in one piece (no length limit). */
export function markdownToTelegramHtml(markdown: string): string {
  return splitBlocks(markdown).map(renderBlock).join('\n\n');
}

function renderBlock(b: Block): string {
  return b.kind === 'code' ? renderCode(b.lines) : b.lines.map(renderTextLine).join('\n');
}

/** Splits a block too long for one message at line boundaries (hard-cut lines as a last resort). */
function splitOversized(b: Block, limit: number): string[] {
  const out: string[] = [];
  if (b.kind === 'code') {
    let part: string[] = [];
    for (const line of b.lines.flatMap((l) => hardCut(l, limit - 40))) {
      if (part.length > 0 && renderCode([...part, line]).length > limit) {
        out.push(renderCode(part));
        part = [];
      }
      part.push(line);
    }
    if (part.length > 0) out.push(renderCode(part));
    return out;
  }
  let current = '';
  for (const line of b.lines) {
    let rendered = renderTextLine(line);
    // A single line whose markup does not fit is sent as escaped text, cut where it must be.
    const pieces = rendered.length > limit ? hardCut(line, Math.floor(limit / 5)).map(escapeHtml) : [rendered];
    for (rendered of pieces) {
      const joined = current ? `${current}\n${rendered}` : rendered;
      if (joined.length > limit && current) {
        out.push(current);
        current = rendered;
      } else current = joined;
    }
  }
  if (current) out.push(current);
  return out;
}

function hardCut(s: string, size: number): string[] {
  if (s.length <= size) return [s];
  const parts: string[] = [];
  for (let i = 0; i < s.length; i += size) parts.push(s.slice(i, i + size));
  return parts;
}

/**
 * Markdown → Telegram messages: blocks rendered to HTML, packed at paragraph boundaries into
 * chunks of at most `limit` characters of HTML (assistant.md 10.5: ~8 KB went out as three
 * messages under 4000). Each chunk is valid HTML on its own and carries its plain fallback.
 */
export function renderTelegramChunks(markdown: string, limit = DEFAULT_TEXT_CHUNK_LIMIT): TelegramChunk[] {
  const max = Math.max(64, Math.min(limit, TELEGRAM_MAX_MESSAGE_CHARS));
  const chunks: string[] = [];
  let current = '';
  for (const block of splitBlocks(markdown)) {
    const rendered = renderBlock(block);
    const pieces = rendered.length > max ? splitOversized(block, max) : [rendered];
    for (const piece of pieces) {
      const joined = current ? `${current}\n\n${piece}` : piece;
      if (joined.length > max && current) {
        chunks.push(current);
        current = piece;
      } else current = joined;
    }
  }
  if (current) chunks.push(current);
  return chunks.filter((c) => htmlToPlain(c).trim().length > 0).map((html) => ({ html, plain: htmlToPlain(html) }));
}
