import type { Writable } from 'node:stream';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The text of a transcript row or a chat message (`content` as a string or text blocks). */
export function textOfRow(row: Obj): string {
  const content = row.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((c) => obj(c)).filter((c) => c.type === 'text' && typeof c.text === 'string').map((c) => c.text as string).join('\n\n');
}

const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPINNER_INTERVAL_MS = 80;

/**
 * What `farclaw chat` writes: the conversation on stdout (`you:` / `assistant:` lines, answers
 * streamed as they arrive), notices and a spinner on stderr. The spinner only animates on a
 * terminal; a pipe gets the conversation alone. Model output is printed as plain text with control
 * characters removed, so it cannot drive the terminal.
 */
export class ChatPrinter {
  private streamed: string | undefined;
  private spinner: NodeJS.Timeout | undefined;
  private frame = 0;

  constructor(private readonly out: Writable, private readonly err: NodeJS.WriteStream = process.stderr) {}

  /** A stored row, printed whole. */
  row(row: Obj): void {
    const text = textOfRow(row);
    if (row.role === 'user') this.line(`you: ${text}`);
    else if (row.role === 'assistant') this.line(`assistant: ${text}`);
    else if (row.role === 'system') this.line(`[${text}]`);
  }

  /** Between sending and the first delta. */
  thinking(): void {
    this.streamed = undefined;
    if (!this.err.isTTY || this.spinner) return;
    this.spinner = setInterval(() => {
      this.err.write(`\r${SPINNER_FRAMES[this.frame++ % SPINNER_FRAMES.length] ?? ''} thinking…`);
    }, SPINNER_INTERVAL_MS);
  }

  stopThinking(): void {
    if (!this.spinner) return;
    clearInterval(this.spinner);
    this.spinner = undefined;
    this.err.write('\r\x1b[K');
  }

  /** One streamed piece of the answer. */
  delta(text: string): void {
    this.stopThinking();
    if (this.streamed === undefined) {
      this.streamed = '';
      this.out.write('assistant: ');
    }
    this.streamed += text;
    this.out.write(clean(text));
  }

  /** The answer's full text: prints what the stream did not show, then ends the line. */
  finish(full: string, suffix = ''): void {
    this.stopThinking();
    const shown = this.streamed;
    this.streamed = undefined;
    if (shown === undefined) this.line(`assistant: ${full}${suffix}`);
    else if (full.startsWith(shown)) this.out.write(`${clean(full.slice(shown.length))}${suffix}\n`);
    else this.out.write(`\nassistant: ${clean(full)}${suffix}\n`);
  }

  approval(command: string): void {
    this.stopThinking();
    this.line(`Approve running: ${command}`);
    this.line('  o = allow once, a = allow always, d = deny');
  }

  info(text: string): void {
    this.stopThinking();
    this.err.write(`${text}\n`);
  }

  error(text: string): void {
    this.stopThinking();
    if (this.streamed !== undefined) this.out.write('\n');
    this.streamed = undefined;
    this.err.write(`Error: ${clean(text)}\n`);
  }

  private line(text: string): void {
    this.out.write(`${clean(text)}\n`);
  }
}

/** Drops control characters except newline and tab (model output is inert on the terminal). */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
}
