import { randomUUID } from 'node:crypto';
import { DetailCode } from '../../protocol/error-details.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import type { Principal } from '../rpc/context.js';
import { serialiseBounded } from '../rpc/frame-limits.js';
import { invokeAllowlist, refusalMessage, refusalOf, type CommandsConfig } from './command-policy.js';
import { InvokeBudget } from './invoke-budget.js';
import { outcomeError, type NodeInvoker } from './node-invoker.js';
import type { NodeRegistry } from './node-registry.js';

/** Without `timeoutMs` an invoke still ends: the real CLI's default budget. */
const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;
/**
 * The longest budget a caller may ask for: 2 h, above the agent's 30 min exec default plus its
 * grace, and far below where Node's timers overflow (2^31 ms, issue 12 item 12).
 */
export const MAX_INVOKE_TIMEOUT_MS = 2 * 60 * 60_000;

/** One command for one node, as the `node.invoke` method or an agent tool asks for it. */
export interface NodeCommandRequest {
  nodeId: string;
  command: string;
  params?: unknown;
  /** Budget from the call's start; default 30 s. */
  timeoutMs?: number;
  /** Without one, a repeated call runs again (the gateway's own reads, e.g. the node's approvals). */
  idempotencyKey?: string;
}

/** What a successful invoke returns (the `node.invoke` result, protocol.md 9.2). */
export interface NodeCommandResult {
  ok: true;
  nodeId: string;
  command: string;
  payload: unknown;
  payloadJSON: string | null;
}

/** `PAIRING_CHANGED`: the node is unknown or its surface changed while the call was active. */
export const pairingChanged = (): GatewayError =>
  new GatewayError(ErrorCode.UNAVAILABLE, 'node pairing changed while invocation was active', {
    retryable: true, details: { code: DetailCode.PAIRING_CHANGED },
  });

/**
 * The one place a node command is authorised and run: declared ∩ approved ∩ allowed
 * (protocol.md 6.4, 9.2), then sent through the invoker with the caller's remaining budget.
 * The `node.invoke` method and the agent's node tools both call `invoke`, so the policy
 * applies whoever asks.
 */
export class NodeService {
  constructor(
    private readonly registry: NodeRegistry,
    private readonly invoker: NodeInvoker,
    private readonly commandsConfig: () => CommandsConfig,
    private readonly budget: InvokeBudget = new InvokeBudget(),
  ) {}

  /** The `node.list` result (protocol.md 9.4): every known node with its true `connected` state. */
  list(): { ts: number; nodes: ReturnType<NodeRegistry['nodeView']>[] } {
    return { ts: Date.now(), nodes: this.registry.listRecords().map((r) => this.registry.nodeView(r)) };
  }

  /**
   * The `node.describe` result of one node.
   * @throws GatewayError INVALID_REQUEST for an unknown node id.
   */
  describe(nodeId: string): { ts: number } & ReturnType<NodeRegistry['nodeView']> {
    const record = this.registry.record(nodeId);
    if (!record) throw new GatewayError(ErrorCode.INVALID_REQUEST, 'unknown nodeId');
    return { ts: Date.now(), ...this.registry.nodeView(record) };
  }

  /**
   * Runs `request` for `caller` (whose connection's close cancels it).
   * @throws GatewayError INVALID_REQUEST when the policy refuses (details.reason) or the params or
   *   `timeoutMs` are out of bounds; UNAVAILABLE when the node is unknown, gone, or answered with
   *   an error, and (retryable, NODE_INVOKE_BUSY) when the caller or the gateway has too many
   *   calls waiting (invoke-budget.ts).
   */
  async invoke(caller: Pick<Principal, 'connId'>, request: NodeCommandRequest): Promise<NodeCommandResult> {
    const { command } = request;
    if (command === 'system.execApprovals.get' || command === 'system.execApprovals.set') {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, 'node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*', { details: { command } });
    }
    return await this.run(caller, request);
  }

  /**
   * The node's own exec approvals document (`system.execApprovals.get`), which the gateway reads
   * before an approval-backed exec (assistant.md 8.3 step 4); callers cannot ask for it directly.
   * @throws GatewayError as `invoke` does.
   */
  async readExecApprovals(caller: Pick<Principal, 'connId'>, nodeId: string, timeoutMs: number): Promise<unknown> {
    return (await this.run(caller, { nodeId, command: 'system.execApprovals.get', params: {}, timeoutMs })).payload;
  }

  private async run(caller: Pick<Principal, 'connId'>, request: NodeCommandRequest): Promise<NodeCommandResult> {
    const started = performance.now();
    const { nodeId, command } = request;
    const record = this.registry.record(nodeId);
    if (!record) throw pairingChanged();
    const cfg = this.commandsConfig();
    const allowlist = invokeAllowlist(cfg, record, record.approvedCommands ?? []);
    let reason = refusalOf(command, this.registry.effectiveCommands(record), allowlist);
    // A host command waiting in a pending surface is not "outside the allowlist": say what is missing.
    if (reason === 'command not allowlisted' && this.registry.pendingFor(nodeId)?.commands.includes(command)) reason = 'node did not declare commands';
    if (reason) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, refusalMessage(reason, command, record.platform, cfg, record.declaredCommands), {
        details: { reason, command },
      });
    }
    if (request.timeoutMs !== undefined && request.timeoutMs > MAX_INVOKE_TIMEOUT_MS) {
      throw new GatewayError(ErrorCode.INVALID_REQUEST, `timeoutMs must be at most ${MAX_INVOKE_TIMEOUT_MS} (2 h)`, { details: { maxTimeoutMs: MAX_INVOKE_TIMEOUT_MS } });
    }
    const timeoutMs = request.timeoutMs !== undefined && request.timeoutMs > 0 ? request.timeoutMs : DEFAULT_INVOKE_TIMEOUT_MS;
    const paramsJSON = paramsJsonOf(command === 'system.run' ? withRunId(request.params) : request.params);
    const release = this.budget.reserve(caller.connId, paramsJSON === undefined ? 0 : Buffer.byteLength(paramsJSON));
    let outcome;
    try {
      outcome = await this.invoker.invoke({
        nodeId, command, paramsJSON, deadline: started + timeoutMs, idempotencyKey: request.idempotencyKey, callerConnId: caller.connId,
      });
    } finally {
      release();
    }
    if (!outcome.ok) throw outcomeError(outcome);
    const payload = outcome.payloadJSON !== undefined ? parsePayload(outcome.payloadJSON) : outcome.payload;
    return { ok: true, nodeId, command, payload, payloadJSON: outcome.payloadJSON ?? null };
  }
}

/**
 * `system.run` params with a run id, as OpenClaw's gateway sends every one (its own, trimmed, or
 * a new one): the node names its `exec.*` notes by it, and the gateway takes only those of runs it
 * sent (system-run-events.ts).
 */
function withRunId(params: unknown): unknown {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return params;
  const runId = (params as { runId?: unknown }).runId;
  return { ...params, runId: typeof runId === 'string' && runId.trim() !== '' ? runId.trim() : randomUUID() };
}

/** The params as the JSON text sent to the node, once (its size is what the budget counts). */
function paramsJsonOf(params: unknown): string | undefined {
  if (params === undefined) return undefined;
  try {
    return serialiseBounded(params);
  } catch {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, 'node invoke params cannot be serialised');
  }
}

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { payloadJSON: text };
  }
}
