import { randomUUID } from 'node:crypto';
import type { Target } from '../target.js';
import { Scope } from '../../protocol/scopes.js';
import { CliError, withFailurePrefix } from '../cli-error.js';
import { callOnce, parseParams, parseTimeout, targetFor, type CallFlags } from '../rpc.js';
import {
  readNode, readNodeRequests, readNodes, renderNode, renderNodeList, renderNodeRequests, type NodeRow,
} from './nodes-render.js';

export interface NodesFlags extends CallFlags {
  latest?: boolean;
  connected?: boolean;
  command?: string;
  invokeTimeout?: string;
  idempotencyKey?: string;
}

type Resolved = { target: Target; configPath: string };

const CLIENT = { id: 'cli', mode: 'cli' } as const;
/** Exit code of an invoke that failed because the node is gone or not there yet: try again later. */
export const EXIT_TEMPFAIL = 75;
/** Commands only an admin may invoke (protocol.md 7.4, `node.invoke` dynamic scope). */
const ADMIN_INVOKE_COMMANDS = new Set(['browser.proxy', 'browser.proxy.upload.v1', 'fs.listDir', 'terminal.upload']);
const MIN_PREFIX = 6;

const prefixOf = (sub: string): string => `nodes ${sub} failed: `;
const usage = (sub: string, message: string): CliError => new CliError(prefixOf(sub) + message, 1, { type: 'cli_error', message });
const print = (text: string): void => void process.stdout.write(text + '\n');
const printJson = (payload: unknown): void => print(JSON.stringify(payload, null, 2));

async function call(sub: string, method: string, params: unknown, flags: CallFlags, env: NodeJS.ProcessEnv, resolved: Resolved, scopes?: string[]): Promise<unknown> {
  return await callOnce(method, params, flags, CLIENT, env, { prefix: prefixOf(sub), resolved, ...(scopes ? { scopes } : {}) });
}

/**
 * The node `arg` names: an exact id, an exact display name (connected ones first) or an id
 * prefix of at least six characters, as `nodes list` shows them. Ambiguity is an error.
 */
async function resolveNode(sub: string, arg: string, flags: CallFlags, env: NodeJS.ProcessEnv, resolved: Resolved): Promise<NodeRow> {
  const want = arg.trim();
  if (want === '') throw usage(sub, 'a node is required (id, id prefix or name; see farclaw nodes list).');
  const nodes = readNodes(await call(sub, 'node.list', {}, flags, env, resolved));
  const exact = nodes.find((n) => n.nodeId === want);
  if (exact) return exact;
  const byName = nodes.filter((n) => n.displayName === want);
  const pool = byName.length > 0 ? byName : want.length >= MIN_PREFIX ? nodes.filter((n) => n.nodeId.startsWith(want.toLowerCase())) : [];
  const connected = pool.filter((n) => n.connected);
  const candidates = connected.length === 1 ? connected : pool;
  if (candidates.length === 1 && candidates[0]) return candidates[0];
  if (candidates.length > 1) throw usage(sub, `"${want}" matches ${candidates.length} nodes; use the node id (farclaw nodes list).`);
  throw usage(sub, `no node matches "${want}" (see farclaw nodes list).`);
}

/** `farclaw nodes list [--connected]`: every node the gateway knows, with its true connection state. */
export async function runNodesList(flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('list'));
  const payload = await call('list', 'node.list', {}, flags, env, resolved);
  const rows = readNodes(payload).filter((n) => !flags.connected || n.connected);
  if (flags.json) printJson(flags.connected ? { ...(payload as object), nodes: rows.map((r) => r.raw) } : payload);
  else print(renderNodeList(rows, Date.now()));
  return 0;
}

export async function runNodesDescribe(node: string, flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('describe'));
  const { nodeId } = await resolveNode('describe', node, flags, env, resolved);
  const payload = await call('describe', 'node.describe', { nodeId }, flags, env, resolved);
  const row = readNode(payload);
  if (flags.json || !row) printJson(payload);
  else print(renderNode(row, Date.now()));
  return 0;
}

/** `farclaw nodes pending`: command surfaces waiting for an operator. */
export async function runNodesPending(flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('pending'));
  const payload = await call('pending', 'node.pair.list', {}, flags, env, resolved);
  if (flags.json) printJson({ pending: (payload as { pending?: unknown }).pending ?? [] });
  else print(renderNodeRequests(readNodeRequests(payload), Date.now()));
  return 0;
}

/**
 * `farclaw nodes approve <requestId> | --latest`: connects with the scopes the request says its
 * approval needs (`requiredApproveScopes`: `operator.admin` for `system.run`/`system.which`).
 */
export async function runNodesApprove(requestId: string | undefined, flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const sub = 'approve';
  if (requestId !== undefined && flags.latest) throw usage(sub, 'use either <requestId> or --latest, not both.');
  if (requestId === undefined && !flags.latest) throw usage(sub, 'give a <requestId> (see farclaw nodes pending) or --latest.');
  const resolved = targetFor(flags, env, prefixOf(sub));
  const pending = readNodeRequests(await call(sub, 'node.pair.list', {}, flags, env, resolved));
  const request = flags.latest ? [...pending].sort((a, b) => (b.ts ?? 0) - (a.ts ?? 0))[0] : pending.find((r) => r.requestId === requestId?.trim());
  if (!request) throw usage(sub, flags.latest ? 'no pending node request to approve.' : `no pending node request ${requestId?.trim() ?? ''} (see farclaw nodes pending).`);
  const scopes = request.requiredApproveScopes.length > 0 ? request.requiredApproveScopes : [Scope.PAIRING];
  const payload = await call(sub, 'node.pair.approve', { requestId: request.requestId }, flags, env, resolved, scopes);
  if (flags.json) printJson(payload);
  else print(`Approved node ${request.displayName ?? request.nodeId} (${request.nodeId.slice(0, 12)}): ${request.commands.join(', ') || 'no commands'}.`);
  return 0;
}

export async function runNodesReject(requestId: string, flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('reject'));
  const payload = await call('reject', 'node.pair.reject', { requestId: requestId.trim() }, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(`Rejected node request ${requestId.trim()}.`);
  return 0;
}

/** `farclaw nodes remove <node>`: forgets its surface and node role; its node session closes. */
export async function runNodesRemove(node: string, flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const resolved = targetFor(flags, env, prefixOf('remove'));
  const { nodeId } = await resolveNode('remove', node, flags, env, resolved);
  const payload = await call('remove', 'node.pair.remove', { nodeId }, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(`Removed node ${nodeId}.`);
  return 0;
}

export async function runNodesRename(node: string, name: string, flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const sub = 'rename';
  if (name.trim() === '' || name.trim().length > 64) throw usage(sub, 'the new name must be 1 to 64 characters.');
  const resolved = targetFor(flags, env, prefixOf(sub));
  const { nodeId } = await resolveNode(sub, node, flags, env, resolved);
  const payload = await call(sub, 'node.rename', { nodeId, displayName: name.trim() }, flags, env, resolved);
  if (flags.json) printJson(payload);
  else print(`Renamed node ${nodeId} to "${name.trim()}".`);
  return 0;
}

/**
 * `farclaw nodes invoke <node> --command <cmd> [--params <json>]`: prints the node's payload.
 * A node that is gone or not connected yet exits with 75 (try again); any other failure with 1.
 */
export async function runNodesInvoke(node: string, flags: NodesFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const sub = 'invoke';
  const command = flags.command?.trim() ?? '';
  if (command === '') throw usage(sub, '--command <command> is required (e.g. --command system.which).');
  const params = parseParams(flags.params);
  if (params === null || typeof params !== 'object' || Array.isArray(params)) throw usage(sub, '--params must be a JSON object.');
  const invokeTimeoutMs = parseTimeout(flags.invokeTimeout, 15_000, '--invoke-timeout');
  if (flags.idempotencyKey !== undefined && flags.idempotencyKey === '') throw usage(sub, '--idempotency-key must not be empty.');
  const transportMs = Math.max(parseTimeout(flags.timeout, 30_000), invokeTimeoutMs + 10_000);
  const callFlags = { ...flags, timeout: String(transportMs) };
  const resolved = targetFor(flags, env, prefixOf(sub));
  const { nodeId } = await resolveNode(sub, node, flags, env, resolved);
  const scopes = ADMIN_INVOKE_COMMANDS.has(command) ? [Scope.ADMIN] : [Scope.WRITE];
  let payload: unknown;
  try {
    payload = await call(sub, 'node.invoke', {
      nodeId, command, params, timeoutMs: invokeTimeoutMs, idempotencyKey: flags.idempotencyKey ?? randomUUID(),
    }, callFlags, env, resolved, scopes);
  } catch (err) {
    if (err instanceof CliError && err.json?.retryable === true) {
      // Not a usage problem: the node is away for now, so the fix is to retry once it is back.
      const fix = `run the same command again once the node is connected (farclaw nodes describe ${node} shows whether it is)`;
      const lines = [...err.message.split('\n').filter((l) => !l.startsWith('Fix: ')), 'Why: the node is not reachable right now; the same call can be retried'];
      throw new CliError(withFailurePrefix('', lines.join('\n'), fix), EXIT_TEMPFAIL, err.json, err.extras);
    }
    throw err;
  }
  if (flags.json) printJson(payload);
  else print(JSON.stringify((payload as { payload?: unknown }).payload ?? null, null, 2));
  return 0;
}
