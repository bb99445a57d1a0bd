import { tool, zodSchema, type Tool } from 'ai';
import { z } from 'zod';
import { EXEC_TIMEOUT_GUIDANCE } from './exec-result.js';
import { endStatus, exitLabel } from './exec-background.js';
import type { ProcessRegistry, ProcessSession } from './process-registry.js';

/** The `process` actions OpenClaw has that need no pty (docs/gateway/background-process.md). */
export const PROCESS_TOOL_ACTIONS = ['list', 'poll', 'log', 'write', 'kill', 'clear', 'remove'] as const;
type ProcessAction = (typeof PROCESS_TOOL_ACTIONS)[number];

/** `log` without offset and limit shows this many last lines (OpenClaw). */
const DEFAULT_LOG_TAIL_LINES = 200;
/** The longest a `poll` waits for new output or the end (OpenClaw). */
const MAX_POLL_WAIT_MS = 30_000;
/** How often a waiting `poll` looks again. */
const POLL_STEP_MS = 100;

/** One record of the audit trail for an action that changed a process (write, kill, remove). */
export interface ProcessAuditEntry {
  toolCallId: string;
  command: string;
  outcome: 'completed' | 'failed';
  error?: string;
}

/** What the process tool needs, bound to one run. */
export interface ProcessToolDeps {
  registry: ProcessRegistry;
  /** The run's session: the only one whose background commands this tool sees. */
  sessionKey: string;
  audit?(entry: ProcessAuditEntry): void;
}

const ProcessArgsSchema = z.object({
  action: z.enum(PROCESS_TOOL_ACTIONS).describe('list, poll (new output and whether it ended), log (whole output, by lines), write (stdin), kill, clear (forget a finished one), remove (kill or forget).'),
  sessionId: z.string().optional().describe('The session id exec answered with (every action but list).'),
  data: z.string().optional().describe('write: text for the command\'s stdin.'),
  eof: z.boolean().optional().describe('write: close stdin after the data.'),
  offset: z.number().optional().describe('log: first line (0-based).'),
  limit: z.number().optional().describe('log: how many lines (without offset: the last ones).'),
  timeout: z.number().optional().describe('poll: wait up to this many ms (at most 30000) for new output or the end.'),
});
type ProcessArgs = z.infer<typeof ProcessArgsSchema>;
const ProcessArgsInput = zodSchema(ProcessArgsSchema);

/**
 * OpenClaw's `process` tool over the gateway's background commands: list, poll, log, write, kill,
 * clear, remove. It sees only the commands its own session's exec left running (OpenClaw scopes
 * the registry by session key). Answers are text, refusals included, as OpenClaw's are.
 */
export function createProcessTool(deps: ProcessToolDeps): Tool {
  return tool({
    description: 'Manage commands exec left running in the background on the gateway host: list, poll, log, write, kill, clear, remove.',
    inputSchema: ProcessArgsInput,
    execute: async (args, { toolCallId, abortSignal }) => await runAction(deps, args, toolCallId, abortSignal),
  });
}

async function runAction(deps: ProcessToolDeps, args: ProcessArgs, toolCallId: string, signal: AbortSignal | undefined): Promise<string> {
  if (args.action === 'list') return listText(deps.registry.list(deps.sessionKey));
  const id = args.sessionId;
  if (!id) return 'sessionId is required for this action.';
  const s = deps.registry.get(id, deps.sessionKey);
  const audited = (text: string, ok: boolean): string => {
    deps.audit?.({ toolCallId, command: `${args.action} ${id}`, outcome: ok ? 'completed' : 'failed', ...(ok ? {} : { error: text }) });
    return text;
  };
  const running = s && !s.end ? s : undefined;
  switch (args.action as Exclude<ProcessAction, 'list'>) {
    case 'poll':
      if (!s) return `No session found for ${id}`;
      return await poll(s, args.timeout, signal);
    case 'log':
      if (!s) return `No session found for ${id}`;
      return logText(s, args.offset, args.limit);
    case 'write': {
      if (!running) return audited(`No active session found for ${id}`, false);
      const stdin = running.stdin;
      if (!stdin || stdin.destroyed || stdin.writableEnded) return audited(`Session ${id} stdin is not writable.`, false);
      const data = args.data ?? '';
      await new Promise<void>((resolve) => stdin.write(data, () => resolve()));
      if (args.eof) stdin.end();
      return audited(`Wrote ${Buffer.byteLength(data, 'utf8')} bytes to session ${id}${args.eof ? ' (stdin closed)' : ''}.`, true);
    }
    case 'kill':
      if (!running) return audited(`No active session found for ${id}`, false);
      deps.registry.kill(running);
      return audited(`Termination requested for session ${id}.`, true);
    case 'clear':
      if (!s?.end) return `No finished session found for ${id}`;
      deps.registry.remove(s);
      return `Cleared session ${id}.`;
    case 'remove':
      if (!s) return audited(`No session found for ${id}`, false);
      if (running) deps.registry.kill(running);
      deps.registry.remove(s);
      return audited(running ? `Removed session ${id} (termination requested).` : `Removed session ${id}.`, true);
  }
}

/** `<id> <status> <runtime> :: <command>` per session, OpenClaw's list lines. */
function listText(sessions: readonly ProcessSession[]): string {
  const lines = sessions.map((s) => {
    const status = s.end ? endStatus(s.end) : 'running';
    const runtime = (s.endedAt ?? Date.now()) - s.startedAt;
    const marker = s.end?.reason === 'timeout' ? ' [overall-timeout]' : '';
    return `${s.id} ${status.padEnd(9)} ${compactDuration(runtime)}${marker} :: ${truncateMiddle(s.request.command, 120)}`;
  });
  return lines.join('\n') || 'No running or recent sessions.';
}

/** The output since the last poll, and whether the command still runs (waiting up to `timeoutMs` for either). */
async function poll(s: ProcessSession, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<string> {
  const waitMs = typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) ? Math.max(0, Math.min(MAX_POLL_WAIT_MS, Math.floor(timeoutMs))) : 0;
  const deadline = Date.now() + waitMs;
  while (!s.end && s.output.length === s.pollOffset && Date.now() < deadline && !signal?.aborted) {
    await new Promise((r) => setTimeout(r, Math.min(POLL_STEP_MS, Math.max(0, deadline - Date.now()))));
  }
  const fresh = s.output.slice(s.pollOffset).trim();
  s.pollOffset = s.output.length;
  if (!s.end) return `${fresh || '(no new output)'}\n\nProcess still running.`;
  return withTimeoutGuidance(s, `${fresh || '(no new output)'}\n\nProcess exited with ${exitLabel(s.end)}.`);
}

/** Lines `offset` … `offset + limit` of the whole output (OpenClaw's paging; the last 200 when neither is given). */
function logText(s: ProcessSession, offset: number | undefined, limit: number | undefined): string {
  const lines = s.output.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const isDefaultTail = offset === undefined && limit === undefined;
  const count = limit !== undefined && Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : isDefaultTail ? DEFAULT_LOG_TAIL_LINES : undefined;
  const start = offset !== undefined && Number.isFinite(offset) ? Math.max(0, Math.floor(offset)) : count !== undefined ? Math.max(0, lines.length - count) : 0;
  const slice = lines.slice(start, count !== undefined ? start + count : undefined).join('\n');
  const note = isDefaultTail && lines.length > DEFAULT_LOG_TAIL_LINES ? `\n\n[showing last ${DEFAULT_LOG_TAIL_LINES} of ${lines.length} lines; pass offset/limit to page]` : '';
  const text = (slice || (s.end ? '(no output recorded)' : '(no output yet)')) + note;
  return s.end ? withTimeoutGuidance(s, text) : text;
}

const withTimeoutGuidance = (s: ProcessSession, text: string): string => (s.end?.reason === 'timeout' ? `${text}\n\n${EXEC_TIMEOUT_GUIDANCE}` : text);

/** `850ms`, `12s`, `3m4s`, `1h2m`. */
function compactDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor((max - 1) / 2);
  return `${text.slice(0, half)}…${text.slice(text.length - (max - 1 - half))}`;
}
