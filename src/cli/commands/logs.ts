import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayClient } from '../../client/gateway-client.js';
import { Scope } from '../../protocol/scopes.js';
import { CliError } from '../cli-error.js';
import { connectOpen, describeFailure, openTarget, parseTimeout, targetFor, type CallFlags } from '../rpc.js';

/** `farclaw logs` flags. */
export interface LogsFlags extends CallFlags {
  follow?: boolean;
  limit?: string;
  interval?: string;
}

interface TailAnswer {
  cursor: number;
  lines: string[];
  truncated: boolean;
  reset: boolean;
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** One JSON log line as a person reads it: `12:00:01 info listening on …` (non-JSON lines as they are). */
export function humanLogLine(line: string): string {
  try {
    const rec = JSON.parse(line) as { time?: number; level?: number; msg?: string; conn?: string };
    const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 19) : '--:--:--';
    const level = LEVELS[rec.level ?? 30] ?? String(rec.level);
    return `${time} ${level.padEnd(5)} ${rec.msg ?? ''}${rec.conn ? ` [${rec.conn.slice(0, 8)}]` : ''}`;
  } catch {
    return line;
  }
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 200;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new CliError(`Invalid --limit: "${raw}" is not a whole number from 1 to 5000.`);
  return n;
}

/**
 * `farclaw logs [--follow] [--json]`: the gateway's log over `logs.tail`, local or remote (the
 * same target as every command). `--follow` keeps polling from the returned cursor until Ctrl-C
 * or the connection drops (exit 1 then, with the reason).
 */
export async function runLogs(flags: LogsFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const limit = parseLimit(flags.limit);
  const timeoutMs = parseTimeout(flags.timeout, 10_000);
  const intervalMs = parseTimeout(flags.interval, 1000, '--interval');
  const resolved = targetFor(flags, env);
  const opened = await openTarget(resolved.target, env, timeoutMs);
  let gc: GatewayClient | undefined;
  let stopped = false;
  const stop = (): void => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    gc = await connectOpen(opened.target, resolved.configPath, { id: 'cli', mode: 'cli' }, env, timeoutMs, '', [Scope.READ]);
    const print = (lines: string[]): void => {
      if (lines.length > 0) process.stdout.write(lines.map((l) => (flags.json ? l : humanLogLine(l))).join('\n') + '\n');
    };
    let cursor: number | undefined;
    do {
      let answer: TailAnswer;
      try {
        answer = (await gc.request('logs.tail', { limit, ...(cursor !== undefined ? { cursor } : {}) }, timeoutMs)) as TailAnswer;
      } catch (err) {
        throw describeFailure(err, opened.target, resolved.configPath, 'call', 'Reading the gateway log failed: ');
      }
      if (answer.reset) process.stderr.write('(the log was rotated; reading the new file from its start)\n');
      print(answer.lines);
      cursor = answer.cursor;
      if (flags.follow && !answer.truncated && !stopped) await sleep(intervalMs);
    } while (flags.follow && !stopped);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await gc?.close();
    await opened.close();
  }
}
