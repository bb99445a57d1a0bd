import type { ComponentChildren, VNode } from 'preact';

/**
 * A small Markdown renderer for model output that builds Preact elements and never HTML
 * strings: whatever the model writes, raw HTML included, ends up as text nodes, so
 * `<img onerror=…>` shows as characters. Links keep only http(s) and mailto targets; any
 * other scheme (`javascript:`, `data:`…) renders as plain text.
 *
 * Supported: paragraphs, `#` headings, fenced code, `-`/`*`/`1.` lists, `>` quotes, inline
 * code, `**bold**`, `*italic*`, `[text](url)`.
 */
export function Markdown(props: { text: string }): VNode {
  return <div class="md">{blocks(props.text)}</div>;
}

const SAFE_URL = /^(https?:\/\/|mailto:)/i;

/** The href to use for a Markdown link target, or undefined when it must not be a link. */
export function safeHref(url: string): string | undefined {
  const trimmed = url.trim();
  if (!SAFE_URL.test(trimmed)) return undefined;
  try {
    const u = new URL(trimmed);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\n]+\*)|(\[[^\]\n]*\]\([^)\s]*\))/;

function inline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  let rest = text;
  while (rest.length > 0) {
    const m = INLINE.exec(rest);
    if (!m) {
      out.push(rest);
      break;
    }
    if (m.index > 0) out.push(rest.slice(0, m.index));
    const token = m[0];
    if (m[1]) out.push(<code>{token.slice(1, -1)}</code>);
    else if (m[2]) out.push(<strong>{inline(token.slice(2, -2))}</strong>);
    else if (m[3]) out.push(<em>{inline(token.slice(1, -1))}</em>);
    else {
      const close = token.indexOf('](');
      const label = token.slice(1, close);
      const href = safeHref(token.slice(close + 2, -1));
      out.push(href ? <a href={href} target="_blank" rel="noopener noreferrer nofollow">{label || href}</a> : token);
    }
    rest = rest.slice(m.index + token.length);
  }
  return out;
}

function blocks(text: string): VNode[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: VNode[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (/^```/.test(line)) {
      const body: string[] = [];
      i += 1;
      while (i < lines.length && !/^```/.test(lines[i] ?? '')) body.push(lines[i++] ?? '');
      i += 1;
      out.push(<pre class="code"><code>{body.join('\n')}</code></pre>);
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(6, (heading[1]?.length ?? 1) + 2);
      const Tag = `h${level}` as 'h3';
      out.push(<Tag>{inline(heading[2] ?? '')}</Tag>);
      i += 1;
      continue;
    }
    if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: VNode[] = [];
      while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i] ?? '')) {
        items.push(<li>{inline((lines[i] ?? '').replace(/^\s*([-*]|\d+\.)\s+/, ''))}</li>);
        i += 1;
      }
      out.push(ordered ? <ol>{items}</ol> : <ul>{items}</ul>);
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i] ?? '')) quoted.push((lines[i++] ?? '').replace(/^>\s?/, ''));
      out.push(<blockquote>{blocks(quoted.join('\n'))}</blockquote>);
      continue;
    }
    if (line.trim() === '') {
      i += 1;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] ?? '').trim() !== '' && !/^(```|#{1,4}\s|>|\s*([-*]|\d+\.)\s+)/.test(lines[i] ?? '')) {
      para.push(lines[i++] ?? '');
    }
    // Never stall on a line no rule takes: it becomes a paragraph of its own.
    if (para.length === 0) para.push(lines[i++] ?? '');
    const children: ComponentChildren[] = [];
    para.forEach((p, n) => {
      if (n > 0) children.push(<br />);
      children.push(...inline(p));
    });
    out.push(<p>{children}</p>);
  }
  return out;
}
