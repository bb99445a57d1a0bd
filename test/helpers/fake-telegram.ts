import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { checkTelegramHtml } from './telegram-html-check.js';

/** One HTTP request the fake received, in arrival order. */
export interface FakeTelegramRequest {
  seq: number;
  method: string;
  httpMethod: string;
  body: Record<string, unknown>;
  atMs: number;
  /** HTTP status answered (undefined while pending, or when the socket was reset or hung). */
  status?: number;
}

/** A message the bot sent that the fake accepted (`sendMessage` answered ok). */
export interface FakeSentMessage {
  messageId: number;
  chatId: string;
  text: string;
  parseMode?: string;
  replyToMessageId?: number;
  /** The forum topic it was sent to (`message_thread_id`). */
  threadId?: number;
  /** When the accepting answer was written (ms, `performance.timeOrigin + performance.now()`: comparable across processes). */
  acceptedAtMs?: number;
}

/** What the fake does to the next matching requests instead of answering normally. */
export type FakeFault =
  | { kind: 'status'; status: number; description: string; retryAfterS?: number }
  | { kind: 'reset' }
  | { kind: 'hang' };

export interface FakeTelegramUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
}

/** A running fake Telegram Bot API. */
export interface FakeTelegram {
  /** What `channels.telegram.apiRoot` should be (no `/bot<token>`). */
  apiRoot: string;
  token: string;
  port: number;
  bot: { id: number; username: string };
  requests: FakeTelegramRequest[];
  sent: FakeSentMessage[];
  /** Queues an update (given the next update_id) and wakes a pending long poll. */
  pushUpdate(update: Record<string, unknown>): number;
  /** Queues a private-chat text message from `user`; returns its update_id. */
  sendText(user: FakeTelegramUser, text: string): number;
  /** Queues a group message (chat id negative). */
  sendGroupText(user: FakeTelegramUser, chatId: number, text: string, extra?: Record<string, unknown>): number;
  /** The next `count` calls to `method` ('*' for any) get `fault` instead of an answer. */
  inject(method: string, fault: FakeFault, count?: number): void;
  /** Every call gets `fault` until `restore()` (an outage). */
  outage(fault: FakeFault): void;
  restore(): void;
  /** Updates queued and not yet confirmed by an offset. */
  pendingUpdates(): number;
  /** Resolves with the next accepted message to `chatId` (bench timing). */
  nextSent(chatId: string): Promise<FakeSentMessage>;
  /** Calls to `method` so far. */
  calls(method: string): FakeTelegramRequest[];
  /** What a chat shows now: the bot's messages not deleted, in order, with their latest text (edits applied). */
  chatView(chatId: string): FakeSentMessage[];
  close(): Promise<void>;
}

export interface FakeTelegramOptions {
  token?: string;
  /** Longest a getUpdates long poll is held, whatever its `timeout` asks (default 30 s). */
  maxLongPollMs?: number;
  port?: number;
}

const DEFAULT_TOKEN = '8000000001:AAFakeTelegramTokenForTests_abcdefghij';

/**
 * A real local HTTP server speaking the Bot API as grammY and OpenClaw use it
 * (`<apiRoot>/bot<token>/<method>`, JSON bodies, `{ok, result}` / `{ok:false, error_code,
 * description, parameters}`): getMe, getUpdates with long-poll timeout and offset
 * confirmation, sendMessage (with Telegram's HTML entity check), sendChatAction, deleteMessage,
 * editMessageText, deleteWebhook, setWebhook, setMyCommands, deleteMyCommands. A second
 * getUpdates while one is open ends the older one with 409 Conflict, as Telegram does.
 * Faults: any status (429 with `retry_after`, 5xx), connection resets and hangs.
 */
export async function startFakeTelegram(opts: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const token = opts.token ?? DEFAULT_TOKEN;
  const maxLongPollMs = opts.maxLongPollMs ?? 30_000;
  const bot = { id: Number(token.split(':')[0]) || 8000000001, username: 'farclaw_test_bot' };
  const startedAt = Date.now();
  const requests: FakeTelegramRequest[] = [];
  const sent: FakeSentMessage[] = [];
  /** The bot's messages as the chat shows them: message id → latest state. */
  const shown = new Map<number, FakeSentMessage>();
  const sentWaiters = new Map<string, ((m: FakeSentMessage) => void)[]>();
  let updates: Record<string, unknown>[] = [];
  let nextUpdateId = 910001;
  let nextMessageId = 500;
  const injected: { method: string; fault: FakeFault; left: number }[] = [];
  let outageFault: FakeFault | undefined;
  let openPoll: { finish(status: number, body: unknown): void } | undefined;
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  const hung = new Set<ServerResponse>();

  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const faultFor = (method: string): FakeFault | undefined => {
    if (outageFault) return outageFault;
    const i = injected.findIndex((f) => f.method === method || f.method === '*');
    if (i < 0) return undefined;
    const entry = injected[i]!;
    entry.left -= 1;
    if (entry.left <= 0) injected.splice(i, 1);
    return entry.fault;
  };

  const reply = (res: ServerResponse, rec: FakeTelegramRequest, status: number, body: unknown) => {
    if (res.writableEnded || res.destroyed) return;
    rec.status = status;
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const ok = (res: ServerResponse, rec: FakeTelegramRequest, result: unknown) => reply(res, rec, 200, { ok: true, result });
  const fail = (res: ServerResponse, rec: FakeTelegramRequest, status: number, description: string, retryAfterS?: number) =>
    reply(res, rec, status, {
      ok: false,
      error_code: status,
      description,
      ...(retryAfterS !== undefined ? { parameters: { retry_after: retryAfterS } } : {}),
    });

  const confirm = (offset: unknown) => {
    if (typeof offset === 'number') updates = updates.filter((u) => (u.update_id as number) >= offset);
  };

  const getUpdates = (req: IncomingMessage, res: ServerResponse, rec: FakeTelegramRequest) => {
    const body = rec.body;
    confirm(body.offset);
    const limit = typeof body.limit === 'number' ? body.limit : 100;
    const timeoutMs = Math.min((typeof body.timeout === 'number' ? body.timeout : 0) * 1000, maxLongPollMs);
    // Telegram allows one getUpdates per token: a newer one terminates the older.
    openPoll?.finish(409, {
      ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
    });
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (status: number, payload: unknown) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      req.socket.off('close', onClose);
      waiters.delete(tryAnswer);
      if (openPoll === handle) openPoll = undefined;
      reply(res, rec, status, payload);
    };
    const tryAnswer = () => {
      if (updates.length === 0) return false;
      finish(200, { ok: true, result: updates.slice(0, limit) });
      return true;
    };
    const onClose = () => finish(499, { ok: false });
    const handle = { finish };
    openPoll = handle;
    if (tryAnswer() || timeoutMs <= 0) {
      if (!done) finish(200, { ok: true, result: [] });
      return;
    }
    waiters.add(tryAnswer);
    timer = setTimeout(() => finish(200, { ok: true, result: [] }), timeoutMs);
    req.socket.once('close', onClose);
  };

  const sendMessage = (res: ServerResponse, rec: FakeTelegramRequest) => {
    const body = rec.body;
    const chatId = body.chat_id;
    const text = body.text;
    if ((typeof chatId !== 'number' && typeof chatId !== 'string') || String(chatId).length === 0) {
      return fail(res, rec, 400, 'Bad Request: chat_id is empty');
    }
    if (typeof text !== 'string' || text.length === 0) return fail(res, rec, 400, 'Bad Request: message text is empty');
    if (body.parse_mode === 'HTML') {
      const problem = checkTelegramHtml(text);
      if (problem) return fail(res, rec, 400, `Bad Request: can't parse entities: ${problem}`);
    }
    if (text.length > 4096) return fail(res, rec, 400, 'Bad Request: message is too long');
    nextMessageId += 1;
    const replyTo = (body.reply_parameters as { message_id?: number } | undefined)?.message_id;
    const message: FakeSentMessage = {
      messageId: nextMessageId,
      chatId: String(chatId),
      text,
      ...(typeof body.parse_mode === 'string' ? { parseMode: body.parse_mode } : {}),
      ...(typeof replyTo === 'number' ? { replyToMessageId: replyTo } : {}),
      ...(typeof body.message_thread_id === 'number' ? { threadId: body.message_thread_id } : {}),
    };
    sent.push(message);
    shown.set(message.messageId, { ...message });
    const waiting = sentWaiters.get(message.chatId);
    sentWaiters.delete(message.chatId);
    for (const w of waiting ?? []) w(message);
    // Answered first, stamped right after: the moment Telegram has accepted the message.
    const answered = ok(res, rec, {
      message_id: nextMessageId,
      from: { id: bot.id, is_bot: true, first_name: 'Farclaw Test Bot', username: bot.username },
      chat: { id: Number(chatId), type: Number(chatId) < 0 ? 'group' : 'private' },
      date: Math.floor(Date.now() / 1000),
      text: text.replace(/<[^>]*>/g, ''),
    });
    message.acceptedAtMs = performance.timeOrigin + performance.now();
    return answered;
  };

  // Telegram's answers to an edit: the same text is "not modified", a deleted message "not found".
  const editMessageText = (res: ServerResponse, rec: FakeTelegramRequest) => {
    const body = rec.body;
    const text = body.text;
    if (typeof text !== 'string' || text.length === 0) return fail(res, rec, 400, 'Bad Request: message text is empty');
    const target = shown.get(Number(body.message_id));
    if (!target || target.chatId !== String(body.chat_id)) return fail(res, rec, 400, 'Bad Request: message to edit not found');
    if (body.parse_mode === 'HTML') {
      const problem = checkTelegramHtml(text);
      if (problem) return fail(res, rec, 400, `Bad Request: can't parse entities: ${problem}`);
    }
    if (text.length > 4096) return fail(res, rec, 400, 'Bad Request: MESSAGE_TOO_LONG');
    const parseMode = typeof body.parse_mode === 'string' ? body.parse_mode : undefined;
    if (target.text === text && target.parseMode === parseMode) {
      return fail(res, rec, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    const { parseMode: _old, ...rest } = target;
    shown.set(target.messageId, { ...rest, text, ...(parseMode ? { parseMode } : {}) });
    return ok(res, rec, { message_id: target.messageId, chat: { id: Number(body.chat_id) }, date: Math.floor(Date.now() / 1000), text: text.replace(/<[^>]*>/g, '') });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, rawBody: string) => {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://fake').pathname);
    let body: Record<string, unknown> = {};
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody) as Record<string, unknown>;
      } catch {
        body = {};
      }
    }
    const rec: FakeTelegramRequest = {
      seq: requests.length + 1, method: match?.[2] ?? '', httpMethod: req.method ?? '', body, atMs: Date.now() - startedAt,
    };
    requests.push(rec);
    if (!match) return reply(res, rec, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== token) return fail(res, rec, 401, 'Unauthorized');
    const fault = faultFor(rec.method);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'hang') return void hung.add(res);
    if (fault?.kind === 'status') return fail(res, rec, fault.status, fault.description, fault.retryAfterS);
    switch (rec.method) {
      case 'getMe':
        return ok(res, rec, {
          id: bot.id, is_bot: true, first_name: 'Farclaw Test Bot', username: bot.username,
          can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
        });
      case 'getUpdates':
        return getUpdates(req, res, rec);
      case 'sendMessage':
        return sendMessage(res, rec);
      case 'editMessageText':
        return editMessageText(res, rec);
      case 'deleteMessage': {
        const target = shown.get(Number(body.message_id));
        if (!target || target.chatId !== String(body.chat_id)) return fail(res, rec, 400, 'Bad Request: message to delete not found');
        shown.delete(target.messageId);
        return ok(res, rec, true);
      }
      case 'sendChatAction':
      case 'deleteWebhook':
      case 'setWebhook':
      case 'setMyCommands':
      case 'deleteMyCommands':
        return ok(res, rec, true);
      default:
        return reply(res, rec, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;

  const push = (update: Record<string, unknown>): number => {
    const id = nextUpdateId++;
    updates.push({ update_id: id, ...update });
    wake();
    return id;
  };
  const messageFrom = (user: FakeTelegramUser, chat: Record<string, unknown>, text: string, extra: Record<string, unknown> = {}) => {
    nextMessageId += 1;
    return {
      message_id: nextMessageId,
      from: { is_bot: false, ...user },
      chat,
      date: Math.floor(Date.now() / 1000),
      text,
      ...extra,
    };
  };

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    port,
    bot,
    requests,
    sent,
    pushUpdate: push,
    sendText: (user, text) => push({ message: messageFrom(user, { id: user.id, type: 'private', first_name: user.first_name }, text) }),
    sendGroupText: (user, chatId, text, extra) =>
      push({ message: messageFrom(user, { id: chatId, type: 'group', title: 'Test group' }, text, extra) }),
    inject(method, fault, count = 1) {
      injected.push({ method, fault, left: count });
    },
    outage(fault) {
      outageFault = fault;
      // An outage also cuts the long poll in flight, as a dropped network would.
      if (fault.kind !== 'status') for (const s of sockets) s.destroy();
    },
    restore() {
      outageFault = undefined;
    },
    pendingUpdates: () => updates.length,
    nextSent: (chatId) => new Promise((resolve) => sentWaiters.set(chatId, [...(sentWaiters.get(chatId) ?? []), resolve])),
    calls: (method) => requests.filter((r) => r.method === method),
    chatView: (chatId) => [...shown.values()].filter((m) => m.chatId === chatId).sort((a, b) => a.messageId - b.messageId),
    async close() {
      for (const w of [...waiters]) waiters.delete(w);
      for (const s of sockets) s.destroy();
      hung.clear();
      server.close();
      await once(server, 'close').catch(() => undefined);
    },
  };
}
