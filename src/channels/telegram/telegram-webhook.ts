import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChannelQueueRepo } from '../../store/channel-queue-repo.js';
import type { ChannelAccountStatus } from '../channel.js';

/** Telegram sends each update as one small JSON body; anything larger is not Telegram. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export interface WebhookDeps {
  secret: string;
  queue: ChannelQueueRepo;
  status: ChannelAccountStatus;
  chatOf(update: Record<string, unknown>): string;
  onStored(): void;
}

/**
 * One webhook delivery from Telegram (`setWebhook` with `secret_token`): the secret header is
 * compared in constant time (over digests, so its length leaks nothing), the body is size-capped
 * before parsing, and the update is stored (deduped by update_id) before the 200 that
 * acknowledges it, so Telegram redelivers anything we did not store.
 */
export function handleWebhookRequest(req: IncomingMessage, res: ServerResponse, deps: WebhookDeps): void {
  if (req.method !== 'POST') return reply(res, 405, 'method not allowed');
  const given = req.headers[SECRET_HEADER];
  if (typeof given !== 'string' || !timingSafeEqual(digest(given), digest(deps.secret))) return reply(res, 401, 'unauthorized');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_WEBHOOK_BODY_BYTES) return reply(res, 413, 'payload too large');
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size > MAX_WEBHOOK_BODY_BYTES) {
      reply(res, 413, 'payload too large');
      req.destroy();
    } else chunks.push(c);
  });
  req.on('end', () => {
    if (res.writableEnded) return;
    let update: unknown;
    try {
      update = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 400, 'invalid JSON');
    }
    const updateId = (update as { update_id?: unknown } | null)?.update_id;
    if (typeof update !== 'object' || update === null || !Number.isSafeInteger(updateId)) return reply(res, 400, 'not a Telegram update');
    const now = Date.now();
    const record = update as Record<string, unknown>;
    const added = deps.queue.storeBatch([{ updateId: updateId as number, chatId: deps.chatOf(record), payload: JSON.stringify(record) }], now);
    deps.status.lastPollAt = now;
    deps.status.lastInboundAt = now;
    reply(res, 200, 'ok');
    if (added > 0) deps.onStored();
  });
}
