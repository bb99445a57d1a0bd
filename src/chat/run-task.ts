import { randomUUID } from 'node:crypto';

/**
 * The `task` record an `agent` run keeps its watchers informed with (assistant.md 3.7:
 * `task {action:"upserted", task:{id, kind, runtime, status, title, agentId, sessionKey, runId, …}}`;
 * agent-run.json). chat.send runs have none.
 */
export class RunTask {
  private readonly id = randomUUID();
  private readonly createdAt: number;
  private state: 'unknown' | 'running' | 'finished' = 'unknown';
  private lastActivity: string | undefined;
  private lastActivityAt: number | undefined;

  constructor(
    private readonly emit: (payload: Record<string, unknown>) => void,
    private readonly run: { runId: string; sessionKey: string; agentId: string; title: string },
    private readonly now: () => number,
  ) {
    this.createdAt = now();
  }

  /** The run was accepted and starts now: `running`, execution unknown then running. */
  started(): void {
    this.upsert('running');
    this.state = 'running';
    this.upsert('running');
  }

  /** The model produced text: the newest activity, for a watcher's progress line. */
  activity(text: string): void {
    this.lastActivity = text.slice(0, 200);
    this.lastActivityAt = this.now();
  }

  /** Reports the activity seen since the last report, if any. */
  flushActivity(): void {
    if (this.lastActivity !== undefined) this.upsert('running');
  }

  /** The run ended: execution finished, then the terminal status with its summary. */
  ended(status: 'completed' | 'failed' | 'cancelled', summary: string, error?: string): void {
    this.state = 'finished';
    this.upsert('running');
    const endedAt = this.now();
    this.lastActivity = undefined;
    this.upsert(status, { endedAt, terminalSummary: summary, ...(error !== undefined ? { error } : {}) });
  }

  private upsert(status: string, extra: Record<string, unknown> = {}): void {
    const { runId, sessionKey, agentId, title } = this.run;
    const execution = { state: this.state, ...(this.lastActivityAt !== undefined && status === 'running' ? { lastActivityAt: this.lastActivityAt } : {}) };
    this.emit({
      action: 'upserted',
      task: {
        id: this.id, taskId: this.id, kind: 'cli', runtime: 'cli', status, execution, title: title.slice(0, 200), agentId,
        sessionKey, childSessionKey: sessionKey, hasTranscript: true, ownerKey: sessionKey, runId, sourceId: runId,
        createdAt: this.createdAt, updatedAt: this.now(), startedAt: this.createdAt,
        ...(this.lastActivity !== undefined ? { lastActivity: this.lastActivity } : {}), ...extra, deliveryStatus: 'not_applicable',
      },
    });
  }
}
