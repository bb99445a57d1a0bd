import { trimmedText } from '../../infra/text.js';

/** How long after its own timeout a run's exec events are still taken (OpenClaw: 5 min). */
const EVENT_GRACE_MS = 5 * 60_000;
/** Runs remembered at most (the oldest goes first): a run without a timeout never expires by itself. */
const MAX_REMEMBERED_RUNS = 1_000;

interface IssuedRun {
  nodeId: string;
  connId: string;
  runId: string;
  /** Absent when the run named no session: then any session key matches, as in OpenClaw. */
  sessionKey: string | undefined;
  /** null: the run had no timeout, so its events never expire. */
  expiresAtMs: number | null;
}

/**
 * The `system.run` invocations this gateway sent, by node connection, so a node's `exec.started`
 * / `exec.finished` / `exec.denied` is taken only for a run it was asked to do (OpenClaw's
 * authorized system-run events, protocol.md 9.3): same node connection, run id and session.
 * A terminal event (finished, denied) uses its run up.
 */
export class SystemRunEvents {
  private readonly issued = new Map<string, IssuedRun>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Notes a `system.run` sent to `connId` with these params; returns its key for `forget`, or
   * undefined when it names no `runId` (then, as in OpenClaw, no event of it is taken).
   */
  remember(nodeId: string, connId: string, paramsJSON: string | undefined): string | undefined {
    let params: unknown;
    try {
      params = paramsJSON === undefined ? undefined : JSON.parse(paramsJSON);
    } catch {
      return undefined;
    }
    if (typeof params !== 'object' || params === null) return undefined;
    const p = params as Record<string, unknown>;
    const runId = trimmedText(p.runId);
    if (runId === undefined) return undefined;
    const timeoutMs = typeof p.timeoutMs === 'number' && Number.isFinite(p.timeoutMs) && p.timeoutMs >= 0 ? p.timeoutMs : undefined;
    const run: IssuedRun = {
      nodeId, connId, runId, sessionKey: trimmedText(p.sessionKey), expiresAtMs: timeoutMs === undefined ? null : this.now() + timeoutMs + EVENT_GRACE_MS,
    };
    this.prune();
    const key = keyOf(run);
    this.issued.delete(key);
    this.issued.set(key, run);
    if (this.issued.size > MAX_REMEMBERED_RUNS) this.issued.delete(this.issued.keys().next().value as string);
    return key;
  }

  /** The run failed (at the node, or on the way): its events are no longer taken. */
  forget(key: string): void {
    this.issued.delete(key);
  }

  /** The node's connection closed: its runs' events can no longer arrive on it. */
  forgetConnection(connId: string): void {
    for (const [key, run] of this.issued) if (run.connId === connId) this.issued.delete(key);
  }

  /**
   * Whether an exec event from `connId` belongs to a run this gateway sent it. `sessionKey` is the
   * event's (OpenClaw reads a missing one as `node-<nodeId>`); a `terminal` event uses the run up.
   */
  authorize(nodeId: string, connId: string, runId: string | undefined, sessionKey: string, terminal: boolean): boolean {
    if (runId === undefined) return false;
    this.prune();
    for (const [key, run] of this.issued) {
      if (run.nodeId !== nodeId || run.connId !== connId || run.runId !== runId) continue;
      if (run.sessionKey !== undefined && run.sessionKey !== sessionKey) continue;
      if (terminal) this.issued.delete(key);
      return true;
    }
    return false;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, run] of this.issued) if (run.expiresAtMs !== null && run.expiresAtMs <= now) this.issued.delete(key);
  }
}

function keyOf(run: IssuedRun): string {
  return `${run.nodeId}\0${run.connId}\0${run.sessionKey ?? ''}\0${run.runId}`;
}
