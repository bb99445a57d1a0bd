import { callOnce, type CallFlags } from '../rpc.js';
import { renderTable } from '../table.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return list(content).map((p) => (obj(p).type === 'text' ? String(obj(p).text ?? '') : obj(p).type === 'toolCall' ? `[tool ${String(obj(p).name)}]` : '')).join('');
}

/** `farclaw sessions list`: key, status, last update (or the payload with --json). */
export async function runSessionsList(flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const payload = await callOnce('sessions.list', { includeLastMessage: true }, flags, { id: 'cli', mode: 'cli' }, env, { prefix: 'Sessions failed: ' });
  if (flags.json) {
    process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
    return 0;
  }
  const rows = list(obj(payload).sessions).map((s) => {
    const r = obj(s);
    const updated = typeof r.updatedAt === 'number' ? new Date(r.updatedAt).toISOString() : '-';
    return [String(r.key), String(r.label ?? '') || '-', String(r.status ?? '-'), updated, String(r.lastMessagePreview ?? '').replace(/\s+/g, ' ').slice(0, 50)];
  });
  if (rows.length === 0) {
    process.stdout.write('No sessions yet.\n');
    return 0;
  }
  process.stdout.write(renderTable(['Key', 'Label', 'Status', 'Updated', 'Last message'], rows) + '\n');
  return 0;
}

/** `farclaw sessions history <key> [--limit n]`: the newest rows, oldest first. */
export async function runSessionsHistory(key: string, flags: CallFlags & { limit?: string }, env: NodeJS.ProcessEnv): Promise<number> {
  const limit = flags.limit !== undefined ? Number(flags.limit) : 50;
  const payload = await callOnce('chat.history', { sessionKey: key, limit }, flags, { id: 'cli', mode: 'cli' }, env, { prefix: 'Sessions failed: ' });
  if (flags.json) {
    process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
    return 0;
  }
  const messages = list(obj(payload).messages);
  if (messages.length === 0) process.stdout.write(`No messages in ${key}.\n`);
  for (const m of messages) {
    const r = obj(m);
    process.stdout.write(`${String(r.role)}: ${textOf(r.content)}\n`);
  }
  return 0;
}

/** `farclaw sessions reset|delete <key>`. */
export async function runSessionsAction(action: 'reset' | 'delete', key: string, flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const payload = await callOnce(`sessions.${action}`, { key }, flags, { id: 'cli', mode: 'cli' }, env, { prefix: `Session ${action} failed: ` });
  if (flags.json) process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
  else process.stdout.write(`${action === 'reset' ? 'Reset' : 'Deleted'} ${String(obj(payload).key ?? key)}\n`);
  return 0;
}
