import { CliError } from '../cli-error.js';
import { callOnce, type CallFlags } from '../rpc.js';
import { renderTable } from '../table.js';
import type { AuditEntry } from '../../protocol/schema/exec-approvals.js';

const CLIENT = { id: 'cli', mode: 'cli' } as const;
const print = (text: string): void => void process.stdout.write(text + '\n');
const printJson = (payload: unknown): void => print(JSON.stringify(payload, null, 2));
const time = (ms: unknown): string => (typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '');
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export interface ApprovalsLogFlags extends CallFlags {
  limit?: string;
}

interface PendingRow {
  id: string;
  createdAtMs?: number;
  expiresAtMs?: number;
  request?: Record<string, unknown>;
}

/** Where a command runs, as a person reads it: `gateway` or `node <name>`. */
function whereOf(host: unknown, nodeName: unknown, nodeId: unknown): string {
  if (host === 'node') return `node ${text(nodeName) || text(nodeId)}`.trim();
  return text(host);
}

/** `farclaw approvals list`: exec approvals waiting for an operator (assistant.md 8.5). */
export async function runApprovalsList(flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const payload = await callOnce('exec.approval.list', {}, flags, CLIENT, env, { prefix: 'approvals list failed: ' });
  if (flags.json) return printJson(payload), 0;
  const rows = Array.isArray(payload) ? (payload as PendingRow[]) : [];
  if (rows.length === 0) return print('No pending approvals.'), 0;
  print(`Pending approvals (${rows.length})`);
  print(renderTable(['Id', 'Command', 'Where', 'Session', 'Decisions', 'Expires'], rows.map((r) => {
    const q = r.request ?? {};
    const decisions = Array.isArray(q.allowedDecisions) ? q.allowedDecisions.join(', ') : '';
    return [r.id, text(q.command), whereOf(q.host, q.nodeName, q.nodeId), text(q.sessionKey), decisions, time(r.expiresAtMs)];
  })));
  return 0;
}

/**
 * `farclaw approvals approve <id> [--always]` and `farclaw approvals deny <id>`: one decision,
 * once; `--always` also stores a grant for that exact command on that node.
 */
export async function runApprovalsResolve(id: string, decision: 'allow-once' | 'allow-always' | 'deny', flags: CallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const verb = decision === 'deny' ? 'deny' : 'approve';
  const payload = await callOnce('exec.approval.resolve', { id, decision }, flags, CLIENT, env, { prefix: `approvals ${verb} failed: ` });
  if (flags.json) return printJson(payload), 0;
  const said = { 'allow-once': 'Approved once', 'allow-always': 'Approved always (grant stored)', deny: 'Denied' }[decision];
  print(`${said}: ${id}`);
  return 0;
}


/** One audit line in words: what happened, and its result. */
function eventOf(r: AuditEntry): [string, string] {
  if (r.kind === 'approval-requested') return [`approval asked (${r.approvalId ?? ''})`, 'pending'];
  if (r.kind === 'approval-resolved') {
    return r.decision ? [`${r.decision} by ${r.actor ?? '?'}`, r.approvalId ?? ''] : [`approval ${r.outcome ?? 'ended'} (${r.error ?? ''})`, r.approvalId ?? ''];
  }
  const exit = typeof r.exitCode === 'number' ? `exit ${r.exitCode}` : '';
  return [`${r.tool ?? 'tool'} ${r.outcome ?? ''}`.trim(), [exit, r.error ?? ''].filter(Boolean).join(' · ')];
}

/**
 * `farclaw approvals log [--limit N]`: the audit trail (farclaw only): who asked (the session),
 * who decided, what ran where, and its exit code; oldest first.
 */
export async function runApprovalsLog(flags: ApprovalsLogFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const limit = flags.limit === undefined ? undefined : Number(flags.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
    throw new CliError('approvals log failed: --limit must be an integer from 1 to 1000', 1);
  }
  const payload = await callOnce('farclaw.audit.log', limit === undefined ? {} : { limit }, flags, CLIENT, env, { prefix: 'approvals log failed: ' });
  if (flags.json) return printJson(payload), 0;
  const entries = ((payload as { entries?: AuditEntry[] }).entries ?? []);
  if (entries.length === 0) return print('The audit trail is empty.'), 0;
  print(renderTable(['Time', 'Session (asked)', 'Command', 'Where', 'Event', 'Result'], entries.map((r) => {
    const [event, result] = eventOf(r);
    return [time(r.tsMs), r.sessionKey ?? '', r.command ?? '', whereOf(r.host, undefined, r.nodeId), event, result];
  })));
  return 0;
}
