import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { TransportError } from '../../client/errors.js';
import type { GatewayClient } from '../../client/gateway-client.js';
import { GatewayError } from '../../protocol/errors.js';
import { Scope } from '../../protocol/scopes.js';
import { connectOpen, describeFailure, openTarget, parseTimeout, targetFor, type CallFlags, type OpenTarget } from '../rpc.js';
import { ChatPrinter, textOfRow } from './chat-printer.js';

/** `farclaw chat` flags. */
export interface ChatFlags extends CallFlags {
  session?: string;
  history?: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

const REQUEST_TIMEOUT_MS = 30_000;
/** Reconnect backoff: base and cap, as the shared client semantics (style B3.3). */
const RECONNECT_BASE_MS = 500;
const RECONNECT_CAP_MS = 10_000;
const APPROVAL_DECISIONS: Readonly<Record<string, string>> = { o: 'allow-once', a: 'allow-always', d: 'deny', once: 'allow-once', always: 'allow-always', deny: 'deny' };

/** A message typed while the link was down or its answer was lost: resent with the same key. */
interface Outgoing {
  text: string;
  idempotencyKey: string;
}

/**
 * `farclaw chat`: an interactive chat with one session. Prints the recent history, then reads
 * lines from stdin; each line is a message whose answer streams in. `/abort` stops the running
 * answer, `/new` starts the session over, `/quit` (or end of input, once the answer is in) leaves.
 * When the link drops it reconnects with backoff, resends a message whose send was not
 * acknowledged under the same idempotency key (never twice), and catches up with the
 * chat.history cursor, so no line is lost or doubled. An exec approval for this session is asked
 * on the terminal and answered with exec.approval.resolve.
 */
export async function runChatCommand(flags: ChatFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const prefix = 'Chat failed: ';
  const timeoutMs = parseTimeout(flags.timeout, REQUEST_TIMEOUT_MS);
  const { target, configPath } = targetFor(flags, env, prefix);
  const opened = await openTarget(target, env, timeoutMs, prefix);
  const session = new ChatSession(opened, configPath, env, timeoutMs, flags.session ?? 'main', Number(flags.history ?? '20'));
  try {
    await session.open(prefix);
    return await session.run();
  } finally {
    await session.close();
    await opened.close();
  }
}

class ChatSession {
  private gc: GatewayClient | undefined;
  private sessionKey: string;
  private cursor: string | undefined;
  private readonly printer = new ChatPrinter(process.stdout);
  /** Sent but not acknowledged (resent after a reconnect). */
  private pending: Outgoing | undefined;
  /** The run we are showing, until its terminal chat state. */
  private activeRunId: string | undefined;
  private approvalId: string | undefined;
  /** `__openclaw.id` of every row shown (or ours, never echoed): catch-up prints each row once. */
  private readonly shown = new Set<string>();
  /** Idempotency keys this client sent: their user rows are not echoed. */
  private readonly sentKeys = new Set<string>();
  private closed = false;
  private reconnecting: Promise<void> | undefined;
  private runDone: (() => void) | undefined;

  constructor(
    private readonly opened: OpenTarget, private readonly configPath: string, private readonly env: NodeJS.ProcessEnv,
    private readonly timeoutMs: number, sessionKey: string, private readonly historyRows: number,
  ) {
    this.sessionKey = sessionKey;
  }

  /** First connection and the history page; a failure here ends the command with the reason. */
  async open(prefix: string): Promise<void> {
    try {
      await this.connect();
    } catch (err) {
      throw describeFailure(err, this.opened.target, this.configPath, 'connect', prefix);
    }
    const page = obj(await this.request('chat.history', { sessionKey: this.sessionKey, limit: this.historyRows }));
    if (typeof page.sessionKey === 'string') this.sessionKey = page.sessionKey;
    this.cursor = typeof page.deltaCursor === 'string' ? page.deltaCursor : undefined;
    const rows = Array.isArray(page.messages) ? page.messages : [];
    this.printer.info(`Chat with ${this.sessionKey} on ${this.opened.target.url}. /abort stops an answer, /new starts over, /quit leaves.`);
    for (const row of rows) this.show(obj(row));
  }

  /** Prints a stored row once; our own messages are not echoed, the streamed answer is completed. */
  private show(row: Obj): void {
    const meta = obj(row.__openclaw);
    const id = typeof meta.id === 'string' ? meta.id : undefined;
    if (id !== undefined && this.shown.has(id)) return;
    if (id !== undefined) this.shown.add(id);
    const key = typeof row.idempotencyKey === 'string' ? row.idempotencyKey.replace(/:user$/, '') : undefined;
    if (row.role === 'user' && key !== undefined && this.sentKeys.has(key)) return;
    if (row.role === 'assistant' && meta.runId !== undefined && meta.runId === this.activeRunId) {
      this.printer.finish(textOfRow(row));
      this.endRun();
      return;
    }
    this.printer.row(row);
  }

  private async connect(): Promise<void> {
    const gc = await connectOpen(this.opened.target, this.configPath, { id: 'cli', mode: 'cli', displayName: 'farclaw chat' }, this.env,
      // sessions.reset (/new) needs operator.admin (assistant.md 5); approvals need operator.approvals,
      // and caps `approvals` so the gateway asks instead of refusing exec as headless.
      this.timeoutMs, '', [Scope.READ, Scope.WRITE, Scope.APPROVALS, Scope.ADMIN], ['approvals']);
    this.gc = gc;
    gc.onEvent((e) => this.onEvent(e.event, obj(e.payload)));
    gc.onClose(() => {
      if (this.gc === gc) this.gc = undefined;
      if (!this.closed) void this.reconnect();
    });
    await gc.request('sessions.messages.subscribe', { key: this.sessionKey }, this.timeoutMs);
  }

  /** Reconnects with capped, jittered backoff, then catches up and resends what was unacknowledged. */
  private async reconnect(): Promise<void> {
    if (this.reconnecting) return await this.reconnecting;
    this.reconnecting = (async () => {
      this.printer.info('Connection lost; reconnecting…');
      for (let attempt = 0; !this.closed; attempt += 1) {
        const delay = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
        await new Promise((r) => setTimeout(r, delay));
        try {
          await this.connect();
          break;
        } catch {
          // the gateway is still away; try again
        }
      }
      if (this.closed) return;
      this.printer.info('Reconnected.');
      await this.catchUp();
      if (this.pending) await this.send(this.pending);
    })().finally(() => {
      this.reconnecting = undefined;
    });
    await this.reconnecting;
  }

  /** Every row added while we were away (assistant.md 7), or the page again after a reset. */
  private async catchUp(): Promise<void> {
    const res = obj(await this.request('chat.history', { sessionKey: this.sessionKey, ...(this.cursor ? { cursor: this.cursor } : { limit: this.historyRows }) }));
    if (typeof res.deltaCursor === 'string') this.cursor = res.deltaCursor;
    const items = Array.isArray(res.messages) ? res.messages.map(obj) : [];
    for (const item of items) this.show(obj(item.message ?? item));
    // A run that ended while we were away without an answer row (an error) is over too.
    const info = obj(res.sessionInfo);
    const ids = Array.isArray(info.activeRunIds) ? info.activeRunIds : [];
    if (this.activeRunId && !this.pending && !ids.includes(this.activeRunId)) this.endRun();
  }

  /** Reads stdin until /quit or its end; resolves with the exit code. */
  async run(): Promise<number> {
    const rl = createInterface({ input: process.stdin, terminal: false });
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '') continue;
      if (this.approvalId) {
        await this.answerApproval(line);
        continue;
      }
      if (line === '/quit' || line === '/exit') break;
      try {
        await this.handleLine(line);
      } catch (err) {
        this.printer.error(err instanceof Error ? err.message : String(err));
      }
    }
    await this.waitForRun();
    return 0;
  }

  private async handleLine(line: string): Promise<void> {
    if (line === '/abort') {
      const res = obj(await this.request('chat.abort', { sessionKey: this.sessionKey }));
      if (res.aborted !== true) this.printer.info('Nothing to abort.');
      return;
    }
    if (line === '/new') {
      await this.request('sessions.reset', { key: this.sessionKey, reason: 'new' });
      this.printer.info('Started a new conversation.');
      return;
    }
    await this.waitForRun();
    await this.send({ text: line, idempotencyKey: randomUUID() });
  }

  private async send(out: Outgoing): Promise<void> {
    this.pending = out;
    this.sentKeys.add(out.idempotencyKey);
    this.activeRunId = out.idempotencyKey;
    this.printer.thinking();
    try {
      await this.request('chat.send', { sessionKey: this.sessionKey, message: out.text, idempotencyKey: out.idempotencyKey });
      this.pending = undefined;
    } catch (err) {
      // Lost with the link: the reconnect resends it under the same key (never a second run).
      if ((err instanceof TransportError || (err instanceof GatewayError && err.retryable)) && !this.closed) {
        void this.reconnect();
        return;
      }
      this.pending = undefined;
      this.endRun();
      this.printer.error(err instanceof Error ? err.message : String(err));
    }
  }

  private waitForRun(): Promise<void> {
    if (!this.activeRunId) return Promise.resolve();
    return new Promise((resolve) => {
      this.runDone = resolve;
    });
  }

  private endRun(): void {
    this.activeRunId = undefined;
    this.printer.stopThinking();
    const done = this.runDone;
    this.runDone = undefined;
    done?.();
  }

  private onEvent(event: string, p: Obj): void {
    if (event === 'chat' && p.runId === this.activeRunId && p.runId !== undefined) {
      if (p.state === 'delta' && typeof p.deltaText === 'string') this.printer.delta(p.deltaText);
      else if (p.state === 'final') this.finishFrom(p, '');
      else if (p.state === 'aborted') this.finishFrom(p, ' [aborted]');
      else if (p.state === 'error') {
        this.printer.error(typeof p.errorMessage === 'string' ? p.errorMessage : 'the run failed');
        this.endRun();
      }
      return;
    }
    if (event === 'session.message') {
      const row = obj(p.message);
      const meta = obj(row.__openclaw);
      // The answer being streamed is completed by its chat final; rows of other clients show at once.
      if (row.role === 'assistant' && meta.runId !== undefined && meta.runId === this.activeRunId) {
        if (typeof meta.id === 'string') this.shown.add(meta.id);
        return;
      }
      this.show(row);
      return;
    }
    if (event === 'exec.approval.requested') {
      const req = obj(p.request);
      if (req.sessionKey !== this.sessionKey || typeof p.id !== 'string') return;
      this.approvalId = p.id;
      const command = typeof req.command === 'string' ? req.command : obj(req.systemRunPlan).commandPreview;
      this.printer.approval(String(command ?? '(command)'));
    }
  }

  private finishFrom(p: Obj, suffix: string): void {
    this.printer.finish(textOfRow(obj(p.message)), suffix);
    this.endRun();
  }

  private async answerApproval(line: string): Promise<void> {
    const decision = APPROVAL_DECISIONS[line.toLowerCase()];
    if (!decision) {
      this.printer.info('Answer o (allow once), a (allow always) or d (deny).');
      return;
    }
    const id = this.approvalId;
    this.approvalId = undefined;
    try {
      await this.request('exec.approval.resolve', { id, decision });
      this.printer.info(decision === 'deny' ? 'Denied.' : 'Allowed.');
    } catch (err) {
      this.printer.error(err instanceof Error ? err.message : String(err));
    }
  }

  private async request(method: string, params: unknown): Promise<unknown> {
    if (!this.gc) await this.reconnect();
    if (!this.gc) throw new Error('not connected');
    return await this.gc.request(method, params, this.timeoutMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.printer.stopThinking();
    const gc = this.gc;
    this.gc = undefined;
    await gc?.close();
  }
}
