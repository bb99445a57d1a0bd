/** OpenClaw's default command timeout (assistant.md 8.3: 1800000 ms), and `tools.exec.timeoutSeconds`'s default. */
export const DEFAULT_EXEC_TIMEOUT_S = 1800;
/** The node gets this much longer than the command, so its own timeout answers first (8.3: 1800000 → ~1805000). */
export const INVOKE_GRACE_MS = 5_000;
/** The shortest wait for a node's answer, whatever the command's timeout (OpenClaw's floor). */
export const MIN_INVOKE_TIMEOUT_MS = 10_000;
/** The longest delay a Node timer takes; a longer one fires at once (setTimeout's overflow rule). */
export const MAX_TIMER_MS = 2_147_483_647;

/** How long one exec may run, and how long the gateway waits for a node's answer to it. */
export interface ExecTimeouts {
  /** The command's limit in ms; 0 means none (the node's owner may still cap it). */
  runTimeoutMs: number;
  /** The `node.invoke` wait: the limit (or, without one, the default) plus the grace, at least 10 s. */
  invokeTimeoutMs: number;
}

const timerMs = (ms: number): number => Math.min(MAX_TIMER_MS, Math.max(0, Math.floor(ms)));

/**
 * OpenClaw's exec timeouts (docs/gateway/background-process.md, exec-tool-timeout): the call's
 * `timeoutSeconds`, else `tools.exec.timeoutSeconds` when above 0, else 1800 s; a limit of 0 or
 * less means no limit ("0 disables"). Milliseconds are floored and held within a timer's range,
 * so a huge value cannot overflow into an immediate kill.
 * @example resolveExecTimeouts(1, undefined) // { runTimeoutMs: 1000, invokeTimeoutMs: 10000 }
 */
export function resolveExecTimeouts(timeoutSeconds: number | undefined, configuredSeconds: number | undefined): ExecTimeouts {
  const defaultSeconds = configuredSeconds !== undefined && configuredSeconds > 0 ? configuredSeconds : DEFAULT_EXEC_TIMEOUT_S;
  const seconds = timeoutSeconds !== undefined && Number.isFinite(timeoutSeconds) ? timeoutSeconds : defaultSeconds;
  const waitSeconds = seconds > 0 ? seconds : defaultSeconds;
  return {
    runTimeoutMs: seconds > 0 ? timerMs(seconds * 1000) : 0,
    invokeTimeoutMs: Math.max(MIN_INVOKE_TIMEOUT_MS, timerMs(waitSeconds * 1000 + INVOKE_GRACE_MS)),
  };
}

/** The timeouts of a `system.run` as the exec tool's `runOnNode` takes them. */
export function nodeTimeouts(t: ExecTimeouts): { timeoutMs: number; invokeTimeoutMs: number } {
  return { timeoutMs: t.runTimeoutMs, invokeTimeoutMs: t.invokeTimeoutMs };
}
