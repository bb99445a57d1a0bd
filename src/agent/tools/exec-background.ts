import { EXEC_TIMEOUT_GUIDANCE } from './exec-result.js';
import type { ExecAuditEntry, ExecSettings, ExecToolDeps } from './exec-tool.js';
import type { ProcessEnd, ProcessSession } from './process-registry.js';

/** OpenClaw's `tools.exec.backgroundMs` default: a gateway-host exec still running after 10 s goes on in the background. */
export const DEFAULT_BACKGROUND_MS = 10_000;
/** OpenClaw holds a call's `yieldMs` within 10 ms … 2 min. */
const MIN_YIELD_MS = 10;
const MAX_YIELD_MS = 120_000;
/** OpenClaw's completion note: the last 400 characters of output, squeezed to one line of at most 180. */
const NOTE_TAIL_CHARS = 400;
const NOTE_SNIPPET_CHARS = 180;

/** OpenClaw's words to the model after an exec event woke its session. */
export const EXEC_EVENT_PROMPT = 'An async command you ran earlier has completed. The result is shown in the system messages above. Please relay the command output to the user in a helpful way. If the command succeeded, share the relevant output. If it failed, explain what went wrong.';

/**
 * How long a gateway-host exec runs in the foreground before it goes on in the background
 * (OpenClaw): 0 with `background: true`, else the call's `yieldMs` or `tools.exec.backgroundMs`
 * (default 10 s), held within 10 ms … 120 s.
 */
export function yieldWindowMs(args: { background?: boolean | undefined; yieldMs?: number | undefined }, configuredMs: number | undefined): number {
  if (args.background === true) return 0;
  const fallback = configuredMs !== undefined && Number.isFinite(configuredMs) ? configuredMs : DEFAULT_BACKGROUND_MS;
  const asked = args.yieldMs !== undefined && Number.isFinite(args.yieldMs) ? args.yieldMs : fallback;
  return Math.min(MAX_YIELD_MS, Math.max(MIN_YIELD_MS, Math.floor(asked)));
}

/** The exec tool's answer for a command left running (OpenClaw's text, minus the pty-only actions we do not offer). */
export function stillRunningText(s: ProcessSession): string {
  return `Command still running (session ${s.id}, pid ${s.pid ?? 'n/a'}). Use process (list/poll/log/write/kill/clear/remove) for follow-up.`;
}

/** `signal SIGTERM`, `code 1`, or OpenClaw's words when neither is known. */
export function exitLabel(end: Pick<ProcessEnd, 'exitCode' | 'signal'>): string {
  if (end.signal !== null) return `signal ${end.signal}`;
  return end.exitCode !== null ? `code ${end.exitCode}` : 'unknown exit code';
}

/** `completed` when the command exited by itself (whatever its code), else `failed` (OpenClaw). */
export const endStatus = (end: ProcessEnd): 'completed' | 'failed' => (end.reason === 'exit' ? 'completed' : 'failed');

/**
 * The system note a background command's end leaves for its session (OpenClaw's
 * `Exec completed (<id8>, code 0) :: <tail>`), or undefined when OpenClaw stays silent: a
 * kill through the `process` tool (the model asked for it), or a clean exit with no output unless
 * `notifyOnExitEmptySuccess`.
 */
export function exitNoteOf(s: ProcessSession, end: ProcessEnd, opts: { notifyOnExitEmptySuccess?: boolean | undefined } = {}): string | undefined {
  if (end.reason === 'killed') return undefined;
  const status = endStatus(end);
  const output = compactLine(s.output.slice(-NOTE_TAIL_CHARS), NOTE_SNIPPET_CHARS);
  if (status === 'completed' && end.exitCode === 0 && output === '' && opts.notifyOnExitEmptySuccess !== true) return undefined;
  const summary = `Exec ${status} (${s.id.slice(0, 8)}, ${exitLabel(end)})${output ? ` :: ${output}` : ''}`;
  if (end.reason === 'timeout') return `${summary}\n\n${EXEC_TIMEOUT_GUIDANCE}`;
  if (end.reason === 'gateway-stop') return `${summary}\n\nThe gateway stopped, which killed the command.`;
  return summary;
}

/**
 * The note of a background command a gateway that died could not follow: killed by the next
 * start, or already ended without anyone seeing how.
 */
export function orphanNoteOf(id: string, killed: boolean): string {
  return killed
    ? `Exec failed (${id.slice(0, 8)}, signal SIGKILL)\n\nThe gateway stopped unexpectedly while the command ran; its next start killed the command.`
    : `Exec failed (${id.slice(0, 8)}, unknown exit code)\n\nThe gateway stopped unexpectedly while the command ran; how the command ended is unknown.`;
}

/**
 * The user message that wakes a session for an exec event: the note as OpenClaw's system line
 * (`System: [<time>] …`), then OpenClaw's instruction to relay it.
 */
export function execEventMessage(note: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `System: [${stamp}] ${note}\n\n${EXEC_EVENT_PROMPT}`;
}

/** Whitespace runs become one space; longer than `max` ends in an ellipsis. */
function compactLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** How a gateway-host exec that may go on in the background ended its foreground part. */
export type YieldOutcome =
  | { kind: 'ended'; session: ProcessSession; end: ProcessEnd }
  | { kind: 'running'; session: ProcessSession };

/**
 * Waits up to `yieldMs` for a started session: its end, or (still running) the point where the
 * exec tool stops waiting. Until then an abort of the agent run kills it, as a foreground run;
 * after it, the run's end no longer touches the command.
 */
export async function waitOrYield(s: ProcessSession, yieldMs: number, signal: AbortSignal | undefined): Promise<YieldOutcome> {
  const onAbort = (): void => s.kill('killed');
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const yielded = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), yieldMs)));
    const end = yieldMs === 0 && !signal?.aborted ? undefined : await Promise.race([s.done, yielded]);
    // An end seen in the same turn as the yield still counts as a foreground end.
    const seen = end ?? s.end;
    return seen ? { kind: 'ended', session: s, end: seen } : { kind: 'running', session: s };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * A gateway-host command left running: the registry keeps following it, the model gets
 * OpenClaw's "still running" answer, and at its end the call is audited with the final exit code
 * and the session gets its completion note.
 */
export function leaveRunning(deps: ExecToolDeps, s: ProcessSession, audit: Partial<ExecAuditEntry>, settings: ExecSettings, ranMs: number): string {
  const entry = { ...audit, outcome: 'failed' } as ExecAuditEntry;
  (deps.keepInBackground as NonNullable<ExecToolDeps['keepInBackground']>)(s, (ended, end: ProcessEnd) => {
    const outcome = endStatus(end) === 'completed' && end.exitCode === 0 ? 'completed' : 'failed';
    const why = end.reason === 'timeout' ? 'timed out; the command was killed' : end.reason === 'killed' ? 'killed through the process tool'
      : end.reason === 'gateway-stop' ? 'killed at gateway stop' : undefined;
    deps.audit?.({ ...entry, exitCode: end.exitCode, outcome, ...(why ? { error: why } : {}) } as ExecAuditEntry);
    const note = settings.notifyOnExit === false ? undefined
      : exitNoteOf(ended, end, { notifyOnExitEmptySuccess: settings.notifyOnExitEmptySuccess });
    if (note) deps.notifyExit?.(note, ended.key);
  }, entry);
  if (audit.toolCallId) {
    deps.runDetails?.(audit.toolCallId, {
      status: 'running', exitCode: null, durationMs: ranMs, aggregated: s.output, sessionId: s.id, ...(s.pid !== undefined ? { pid: s.pid } : {}),
    });
  }
  return stillRunningText(s);
}
