import { randomUUID } from 'node:crypto';
import { Scope } from '../../protocol/scopes.js';
import { connectOpen, describeFailure, openTarget, parseTimeout, targetFor, type CallFlags } from '../rpc.js';

/** `farclaw agent` flags. */
export interface AgentRunFlags extends CallFlags {
  message: string;
  session?: string;
}

const AGENT_TIMEOUT_MS = 600_000;
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/**
 * `farclaw agent --message <text> [--session <key>] [--json]`: one agent turn, with the answer
 * streamed to stdout as its chat deltas arrive (assistant.md 3.5) and the final text completing
 * it. `--json` prints only the final `agent` response. Exit 1 with the gateway's message when
 * the run fails.
 */
export async function runAgentCommand(flags: AgentRunFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const prefix = 'Agent failed: ';
  const timeoutMs = parseTimeout(flags.timeout, AGENT_TIMEOUT_MS);
  const { target, configPath } = targetFor(flags, env, prefix);
  const opened = await openTarget(target, env, timeoutMs, prefix);
  try {
    const gc = await connectOpen(opened.target, configPath, { id: 'cli', mode: 'cli' }, env, timeoutMs, prefix, [Scope.WRITE, Scope.READ]);
    const runId = randomUUID();
    let printed = '';
    const off = gc.onEvent((e) => {
      const p = obj(e.payload);
      if (flags.json || e.event !== 'chat' || p.runId !== runId) return;
      if (p.state === 'delta' && typeof p.deltaText === 'string') {
        process.stdout.write(p.deltaText);
        printed += p.deltaText;
      }
    });
    try {
      const payload = await gc.request('agent', { message: flags.message, idempotencyKey: runId, ...(flags.session ? { sessionKey: flags.session } : {}) }, timeoutMs);
      if (flags.json) {
        process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
        return 0;
      }
      const texts = (Array.isArray(obj(obj(payload).result).payloads) ? (obj(obj(payload).result).payloads as unknown[]) : [])
        .map((x) => obj(x).text).filter((t): t is string => typeof t === 'string');
      const text = texts.join('\n');
      // Deltas may have been coalesced or missed; the final text is the truth.
      process.stdout.write(text.startsWith(printed) ? text.slice(printed.length) + '\n' : `${printed ? '\n' : ''}${text}\n`);
      return 0;
    } catch (err) {
      if (printed) process.stdout.write('\n');
      throw describeFailure(err, opened.target, configPath, 'call', prefix);
    } finally {
      off();
      await gc.close();
    }
  } finally {
    await opened.close();
  }
}

