/**
 * The `data` of a tool run's agent events (assistant.md 4.3, agent-node-exec.json): the activity
 * items (`item` kind preamble/tool), the `tool` start/result pair and exec's `command_output`,
 * plus the `activity` summary `chat.history` gives per stored row.
 */

/** What an exec run reports besides its text: what the tool result's `details` carry. */
export interface ExecRunDetails {
  exitCode: number | null;
  durationMs: number;
  /** stdout + stderr as the command wrote them. */
  aggregated: string;
  nodeId?: string;
  /** Unset: `completed`. `failed`: it timed out; `running`: it goes on in the background. */
  status?: 'completed' | 'failed' | 'running';
  timedOut?: boolean;
  /** A background command: the `process` tool's id for it, and its pid. */
  sessionId?: string;
  pid?: number;
}

/** Tools whose calls run commands (their items say `commandBearing`, exec adds `command_output`). */
const COMMAND_TOOLS: ReadonlySet<string> = new Set(['exec']);

/** Words OpenClaw's activity titles use for common programs; others read "run <program>". */
const PROGRAM_WORDS: Readonly<Record<string, string>> = {
  echo: 'print text', printf: 'print text', cat: 'read file', ls: 'list files', pwd: 'print directory', cd: 'change directory',
};

/** "print text → run uname" for `echo … && uname -s`: one phrase per command of the line. */
export function commandSummary(command: string): string {
  const phrases = command.split(/&&|\|\||;|\|/).map((part) => part.trim().split(/\s+/)[0] ?? '').filter((p) => p !== '')
    .map((program) => {
      const base = program.slice(program.lastIndexOf('/') + 1);
      return PROGRAM_WORDS[base] ?? `run ${base}`;
    });
  return phrases.length > 0 ? phrases.join(' → ') : 'run command';
}

const titleOf = (name: string): string => (name === '' ? 'Tool' : `${name[0]?.toUpperCase() ?? ''}${name.slice(1)}`);

/** The first line of a failed tool's error, as the item's `error` shows it. */
function errorLine(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === 'string') return parsed.error.split('\n')[0] ?? '';
  } catch {
    // Not OpenClaw's JSON error shape: the text itself.
  }
  return text.split('\n')[0] ?? '';
}

/** One tool call's activity, from its start to its result. */
export class ToolActivity {
  readonly itemId: string;
  private readonly meta: string | undefined;
  private readonly isCommand: boolean;

  constructor(readonly toolCallId: string, readonly name: string, args: unknown, readonly startedAt: number) {
    this.itemId = `tool:${toolCallId}`;
    this.isCommand = COMMAND_TOOLS.has(name);
    const command = (args as { command?: unknown } | null)?.command;
    this.meta = this.isCommand && typeof command === 'string' ? commandSummary(command) : undefined;
  }

  private item(phase: 'start' | 'end', status: string): Record<string, unknown> {
    return {
      itemId: this.itemId, toolCallId: this.toolCallId, name: this.name, kind: 'tool', phase,
      title: this.meta ? `${titleOf(this.name)} ${this.meta}` : titleOf(this.name), status,
      ...(this.meta ? { meta: this.meta } : {}), commandBearing: this.isCommand, startedAt: this.startedAt,
    };
  }

  /** `item` phase start (before the `tool` start event). */
  startItem(): Record<string, unknown> {
    return this.item('start', 'running');
  }

  /** `tool` phase result: the text the model got and the run's details. */
  result(text: string, isError: boolean, details: ExecRunDetails | undefined): Record<string, unknown> {
    let resultDetails: Record<string, unknown> = { status: isError ? 'error' : 'completed' };
    if (isError) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) resultDetails = parsed as Record<string, unknown>;
      } catch {
        // A plain-text error keeps the bare status.
      }
    } else if (details) {
      resultDetails = { status: details.status ?? 'completed', exitCode: details.exitCode, durationMs: details.durationMs, aggregated: details.aggregated,
        ...(details.nodeId ? { nodeId: details.nodeId } : {}), ...(details.timedOut ? { timedOut: true } : {}),
        ...(details.sessionId ? { sessionId: details.sessionId } : {}), ...(details.pid !== undefined ? { pid: details.pid } : {}) };
    }
    return {
      phase: 'result', name: this.name, toolCallId: this.toolCallId, ...(this.meta ? { meta: this.meta } : {}), isError,
      commandBearing: this.isCommand, result: { content: [{ type: 'text', text }], details: resultDetails },
    };
  }

  /** `item` phase end, with the first line of the error when the call failed. */
  endItem(text: string, isError: boolean, endedAt: number): Record<string, unknown> {
    return { ...this.item('end', isError ? 'failed' : 'completed'), endedAt, ...(isError ? { error: errorLine(text) } : {}) };
  }

  /** exec's `command_output` phase end; undefined for tools that run no command. */
  commandOutput(text: string, isError: boolean, details: ExecRunDetails | undefined): Record<string, unknown> | undefined {
    if (!this.isCommand) return undefined;
    const ran = !isError && details !== undefined;
    return {
      itemId: `command:${this.toolCallId}`, phase: 'end', title: `command ${this.meta ?? 'run command'}`, toolCallId: this.toolCallId, name: this.name,
      output: ran ? details.aggregated : text, status: isError ? 'failed' : details?.status ?? 'completed',
      ...(ran ? { exitCode: details.exitCode, durationMs: details.durationMs } : {}),
    };
  }
}

/**
 * `chat.history`'s `activity` (agent-node-exec.json): for each row of the page that holds tool
 * calls or a tool result, the tool items it belongs to, titled by the tool alone. Absent when the
 * page has no tool rows (chat-stream.json has none).
 */
export function activitySummary(rows: readonly Record<string, unknown>[]): Record<string, unknown>[] {
  const failed = new Map<string, boolean>();
  for (const r of rows) {
    if (r.role === 'toolResult' && typeof r.toolCallId === 'string') failed.set(r.toolCallId, r.isError === true);
  }
  const summary = (toolCallId: string, name: string): Record<string, unknown> => {
    const isFailed = failed.get(toolCallId);
    return {
      itemId: `tool:${toolCallId}`, toolCallId, name, kind: 'tool', phase: isFailed === undefined ? 'start' : 'end', title: titleOf(name),
      status: isFailed === undefined ? 'running' : isFailed ? 'failed' : 'completed', commandBearing: COMMAND_TOOLS.has(name),
    };
  };
  const out: Record<string, unknown>[] = [];
  for (const r of rows) {
    const messageId = (r.__openclaw as { id?: unknown } | undefined)?.id;
    if (r.role === 'toolResult' && typeof r.toolCallId === 'string') {
      out.push({ messageId, items: [summary(r.toolCallId, String(r.toolName ?? ''))] });
      continue;
    }
    if (r.role !== 'assistant' || !Array.isArray(r.content)) continue;
    const calls = (r.content as Record<string, unknown>[]).filter((p) => p?.type === 'toolCall' && typeof p.id === 'string');
    if (calls.length > 0) out.push({ messageId, items: calls.map((c) => summary(String(c.id), String(c.name ?? ''))) });
  }
  return out;
}

/**
 * The session-row fields a `tool` event carries flattened beside its `session` (the capture's
 * set: no `key`, `classification`, `isMain`, `hasActiveRun`, … at the top level).
 */
const FLATTENED_ROW_FIELDS: readonly string[] = [
  'kind', 'sessionId', 'label', 'displayName', 'agentId', 'chatType', 'updatedAt', 'createdAt', 'createdVia', 'status', 'model',
  'modelProvider', 'contextTokens', 'totalTokens', 'totalTokensFresh', 'thinkingLevel', 'pinned', 'archived', 'unread', 'visibility',
  'participants', 'participantCount', 'agentRuntime',
];

/** The fields of `row` a `tool` event flattens into its payload. */
export function flattenedRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of FLATTENED_ROW_FIELDS) if (k in row) out[k] = row[k];
  return out;
}
