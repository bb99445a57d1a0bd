/** What a node host answers to `system.run` (src/node/system-run-invoke.ts; OpenClaw's shape plus `signal` and `truncated`). */
export interface SystemRunPayload {
  exitCode: number | null;
  timedOut: boolean;
  success: boolean;
  stdout: string;
  stderr: string;
  /** Why the command did not run or finish, as the node says it (OpenClaw's node: e.g. a missing cwd). */
  error?: string;
  /** The signal that ended the command, when one did. */
  signal?: string;
  truncated?: boolean;
}

/** OpenClaw's words after a timeout, so a model does not blindly run a half-done command again. */
export const EXEC_TIMEOUT_GUIDANCE = 'The command was terminated, but external side effects may already have completed. Verify the resulting state before retrying. Do not automatically rerun non-idempotent commands. Use a higher timeout only when the command is known to be safe to retry.';

/** OpenClaw's note when `background`/`yieldMs` cannot be honoured: farclaw has no `process` tool to continue a run with. */
export const FOREGROUND_FALLBACK_WARNING = 'Warning: continuation options are unavailable; running synchronously.';

/** A node's `system.run` answer, read defensively (a node is another process, maybe not ours). */
export function systemRunPayloadOf(payload: unknown): SystemRunPayload {
  const p = (payload ?? {}) as Record<string, unknown>;
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  const exitCode = typeof p.exitCode === 'number' ? p.exitCode : null;
  const error = text(p.error);
  const signal = text(p.signal);
  return {
    exitCode, timedOut: p.timedOut === true, success: p.success === true || exitCode === 0,
    stdout: text(p.stdout), stderr: text(p.stderr), ...(error ? { error } : {}), ...(signal ? { signal } : {}), ...(p.truncated === true ? { truncated: true } : {}),
  };
}

/** `Node: <id>\n[Warning: …\n]\n<output>` (assistant.md 8.2), with how the command ended when it did not exit 0. */
export function formatNodeRunResult(nodeId: string, r: SystemRunPayload, warnings: readonly string[] = []): string {
  return `Node: ${nodeId}\n${formatRunOutput(r, warnings, 'output truncated by the node host (nodeHost.systemRun.maxOutputBytes).')}`;
}

/** `[Warning: …\n]\n<output>` of a run on the gateway host, with how the command ended when it did not exit 0. */
export function formatGatewayRunResult(r: SystemRunPayload, warnings: readonly string[] = []): string {
  return formatRunOutput(r, warnings, 'output truncated on the gateway host (per stream cap).');
}

/**
 * The output, then the node's error text and the end of a command that did not exit 0, each on a
 * line of its own as OpenClaw lists them: `(Command exited with code N)`, or for a command a signal
 * ended OpenClaw's gateway-host wording `(Command aborted by signal SIG…)`.
 */
function formatRunOutput(r: SystemRunPayload, warnings: readonly string[], truncatedWarning: string): string {
  const lines = [...warnings, ...(r.truncated ? [`Warning: ${truncatedWarning}`] : [])];
  let output = r.stdout + r.stderr;
  const append = (line: string): void => {
    output += `${output === '' || output.endsWith('\n') ? '' : '\n'}${line}`;
  };
  if (r.error) append(r.error);
  const end = r.signal && r.exitCode === null ? `(Command aborted by signal ${r.signal})`
    : r.exitCode !== 0 && r.exitCode !== null ? `(Command exited with code ${r.exitCode})` : '';
  if (end) append(`\n${end}`);
  return `${lines.map((w) => `${w}\n`).join('')}\n${output}`;
}
