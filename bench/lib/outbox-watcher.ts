/**
 * Worker of bench/telegram-outbox-window.ts: watches a gateway's channel outbox from outside (its
 * SQLite file, read-only, WAL readers never block the writer) and notes when each `send` row
 * disappears, i.e. when the gateway recorded that Telegram accepted it. Polls every ~0.2 ms with
 * Atomics.wait between polls, until the shared stop flag is set; then posts `{gone: {chatId,
 * goneAtMs}[], maxPollGapMs}` (the longest time between two polls: the watcher's own blind spot).
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const { dbPath, stop } = workerData as { dbPath: string; stop: SharedArrayBuffer };
const flag = new Int32Array(stop);
const db = new Database(dbPath, { readonly: true, fileMustExist: true });
const rows = db.prepare(`SELECT id, chat_id FROM channel_outbox WHERE op = 'send'`);
const seen = new Map<number, string>();
const gone: { chatId: string; goneAtMs: number }[] = [];
let lastPollAt = performance.now();
let maxPollGapMs = 0;
while (Atomics.load(flag, 0) === 0) {
  const started = performance.now();
  maxPollGapMs = Math.max(maxPollGapMs, started - lastPollAt);
  lastPollAt = started;
  const now = new Set<number>();
  for (const r of rows.all() as { id: number; chat_id: string }[]) {
    now.add(r.id);
    seen.set(r.id, r.chat_id);
  }
  const at = performance.timeOrigin + performance.now();
  for (const [id, chatId] of seen) {
    if (!now.has(id)) {
      gone.push({ chatId, goneAtMs: at });
      seen.delete(id);
    }
  }
  Atomics.wait(flag, 0, 0, 0.2);
}
db.close();
parentPort?.postMessage({ gone, maxPollGapMs });
