import { randomUUID } from 'node:crypto';
import { callOnce, type CallFlags } from '../rpc.js';

/** `gateway send` flags: the call flags plus the message. */
export interface SendFlags extends CallFlags {
  to: string;
  message: string;
  channel?: string;
}

/** `gateway agent` flags: the call flags plus the prompt and where it goes. */
export interface AgentFlags extends CallFlags {
  message: string;
  agent?: string;
  sessionKey?: string;
}

/** An agent run may take minutes; `--timeout` still overrides this. */
const AGENT_TIMEOUT_MS = 600_000;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/**
 * `farclaw gateway send --to <dest> --message <text>`: direct delivery through the gateway
 * (`send`, protocol.md 11.6) with a fresh idempotency key. The gateway's own refusal (no
 * channel configured, …) is printed as it came, exit 1.
 */
export async function runGatewaySend(flags: SendFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const params = { to: flags.to, message: flags.message, ...(flags.channel !== undefined ? { channel: flags.channel } : {}), idempotencyKey: randomUUID() };
  const payload = await callOnce('send', params, flags, { id: 'cli', mode: 'cli' }, env, { prefix: 'Gateway send failed: ' });
  if (flags.json) {
    process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
    return 0;
  }
  const p = obj(payload);
  const via = typeof p.channel === 'string' ? p.channel : flags.channel;
  const id = typeof p.messageId === 'string' ? ` (message ${p.messageId})` : '';
  process.stdout.write(`Sent to ${flags.to}${via ? ` via ${via}` : ''}${id}\n`);
  return 0;
}

/** The reply text of a finished agent run, if the payload carries one. */
function replyText(payload: unknown): string | null {
  const p = obj(payload);
  const texts = (Array.isArray(obj(p.result).payloads) ? (obj(p.result).payloads as unknown[]) : [])
    .map((x) => obj(x).text)
    .filter((t): t is string => typeof t === 'string');
  if (texts.length > 0) return texts.join('\n');
  return typeof p.summary === 'string' ? p.summary : null;
}

/**
 * `farclaw gateway agent --message <text>`: one agent turn (`agent`, protocol.md 11.7). The
 * client skips the interim `accepted` answer and waits for the final one (default 10 minutes).
 */
export async function runGatewayAgent(flags: AgentFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const params = {
    message: flags.message,
    ...(flags.agent !== undefined ? { agentId: flags.agent } : {}),
    ...(flags.sessionKey !== undefined ? { sessionKey: flags.sessionKey } : {}),
    idempotencyKey: randomUUID(),
  };
  const payload = await callOnce('agent', params, flags, { id: 'cli', mode: 'cli' }, env, {
    prefix: 'Gateway agent failed: ',
    defaultTimeoutMs: AGENT_TIMEOUT_MS,
  });
  const text = flags.json ? null : replyText(payload);
  process.stdout.write((text ?? JSON.stringify(payload, null, 2)) + '\n');
  return 0;
}
