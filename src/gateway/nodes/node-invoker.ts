import { randomUUID } from 'node:crypto';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import type { NodeRegistry, NodeSession } from './node-registry.js';
import { SystemRunEvents } from './system-run-events.js';

/** What a node answered (`node.invoke.result`), or the gateway's stand-in for it. */
export interface NodeOutcome {
  ok: boolean;
  payload?: unknown;
  payloadJSON?: string | undefined;
  error?: { code?: string | undefined; message?: string | undefined } | undefined;
}

export interface InvokeRequest {
  nodeId: string;
  command: string;
  /** The params as the JSON text the node receives (serialised once, by NodeService). */
  paramsJSON: string | undefined;
  /** Absolute deadline (ms on the monotonic clock). */
  deadline: number;
  /** Calls repeated with the same key share one run; without one every call runs. */
  idempotencyKey?: string | undefined;
  /** The operator connection waiting for the answer (its close cancels the invoke). */
  callerConnId: string;
}

interface InFlight {
  invokeId: string;
  nodeId: string;
  nodeConnId: string;
  callerConnId: string;
  command: string;
  resolve(outcome: NodeOutcome): void;
}

/** Delays between retries of a node that answered NODE_NOT_READY (before it started the command). */
const READINESS_RETRY_DELAYS_MS = [100, 250, 500, 1000];
/** Idempotency cache (protocol.md 10): 5 minutes, at most 1000 keys. */
const DEDUPE_TTL_MS = 5 * 60_000;
const DEDUPE_MAX = 1000;

const monotonicNow = (): number => performance.now();

/**
 * The gateway half of `node.invoke` (protocol.md 9.2): sends `node.invoke.request` to the node's
 * socket, waits for `node.invoke.result` within the caller's remaining budget, retries
 * NODE_NOT_READY inside it, and fails at once when the node's socket closes. Calls repeated
 * with an idempotency key share one run and its outcome.
 */
export class NodeInvoker {
  private readonly inflight = new Map<string, InFlight>();
  private readonly dedupe = new Map<string, { outcome: Promise<NodeOutcome>; expiresAt: number }>();
  /** The `system.run` invocations sent, whose `exec.*` events a node may report. */
  readonly runEvents = new SystemRunEvents();

  constructor(private readonly registry: NodeRegistry) {
    registry.onDisconnect((s) => {
      this.failNode(s);
      this.runEvents.forgetConnection(s.link.connId);
    });
  }

  /** Runs (or joins) an invocation; resolves with the node's outcome, never rejects. */
  invoke(req: InvokeRequest): Promise<NodeOutcome> {
    if (req.idempotencyKey === undefined) return this.runWithRetries(req);
    const key = `${req.nodeId}\n${req.command}\n${req.idempotencyKey}`;
    const now = Date.now();
    const cached = this.dedupe.get(key);
    if (cached && cached.expiresAt > now) return cached.outcome;
    const outcome = this.runWithRetries(req);
    this.dedupe.set(key, { outcome, expiresAt: now + DEDUPE_TTL_MS });
    if (this.dedupe.size > DEDUPE_MAX) this.dedupe.delete(this.dedupe.keys().next().value as string);
    // A failure worth retrying (node gone, timeout) must not be replayed from the cache.
    outcome.then(
      (o) => {
        if (!o.ok && this.dedupe.get(key)?.outcome === outcome) this.dedupe.delete(key);
      },
      () => this.dedupe.delete(key),
    );
    return outcome;
  }

  private async runWithRetries(req: InvokeRequest): Promise<NodeOutcome> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.dispatch(req);
      const delay = READINESS_RETRY_DELAYS_MS[attempt];
      if (outcome.ok || outcome.error?.code !== 'NODE_NOT_READY' || delay === undefined) return outcome;
      const left = req.deadline - monotonicNow();
      if (left <= 0) return timedOut();
      await new Promise((r) => setTimeout(r, Math.min(delay, left)));
    }
  }

  private dispatch(req: InvokeRequest): Promise<NodeOutcome> {
    const session = this.registry.session(req.nodeId);
    if (!session) return Promise.resolve(notConnected());
    const remaining = Math.max(0, Math.floor(req.deadline - monotonicNow()));
    if (remaining === 0) return Promise.resolve(timedOut());
    const { paramsJSON } = req;
    const invokeId = randomUUID();
    const runKey = req.command === 'system.run' ? this.runEvents.remember(req.nodeId, session.link.connId, paramsJSON) : undefined;
    return new Promise<NodeOutcome>((resolve) => {
      const settle = (o: NodeOutcome): void => {
        if (!o.ok && runKey !== undefined) this.runEvents.forget(runKey);
        resolve(o);
      };
      const timer = setTimeout(() => {
        this.cancel(invokeId, 'timeout');
        settle(timedOut());
      }, remaining);
      this.inflight.set(invokeId, {
        invokeId, nodeId: req.nodeId, nodeConnId: session.link.connId, callerConnId: req.callerConnId, command: req.command,
        resolve: (o) => {
          clearTimeout(timer);
          this.inflight.delete(invokeId);
          settle(o);
        },
      });
      session.link.sendDirect('node.invoke.request', {
        id: invokeId,
        nodeId: req.nodeId,
        command: req.command,
        ...(paramsJSON !== undefined ? { paramsJSON } : {}),
        timeoutMs: remaining,
        ...(req.idempotencyKey !== undefined ? { idempotencyKey: req.idempotencyKey } : {}),
      });
    });
  }

  /** Settles the invocation a node answered; false when unknown, late or from another socket. */
  handleResult(nodeConnId: string, invokeId: string, outcome: NodeOutcome): boolean {
    const entry = this.inflight.get(invokeId);
    if (!entry || entry.nodeConnId !== nodeConnId) return false;
    entry.resolve(outcome);
    return true;
  }

  /** Forwards a progress chunk to the waiting operator; false when nobody waits for it. */
  handleProgress(nodeConnId: string, invokeId: string, forward: (callerConnId: string) => void): boolean {
    const entry = this.inflight.get(invokeId);
    if (!entry || entry.nodeConnId !== nodeConnId) return false;
    forward(entry.callerConnId);
    return true;
  }

  /** The node's socket is gone: everything it was running fails now, retryable. */
  private failNode(session: NodeSession): void {
    for (const entry of [...this.inflight.values()]) {
      if (entry.nodeConnId !== session.link.connId) continue;
      entry.resolve({ ok: false, error: { code: 'DISCONNECTED', message: `node disconnected (${entry.command})` } });
    }
  }

  /** The operator that asked went away: tell the nodes to stop. */
  callerClosed(callerConnId: string): void {
    for (const entry of [...this.inflight.values()]) {
      if (entry.callerConnId !== callerConnId) continue;
      this.cancel(entry.invokeId, 'caller disconnected');
      entry.resolve({ ok: false, error: { code: 'ABORTED', message: 'node invoke cancelled' } });
    }
  }

  private cancel(invokeId: string, reason: string): void {
    const entry = this.inflight.get(invokeId);
    if (!entry) return;
    this.inflight.delete(invokeId);
    this.registry.session(entry.nodeId)?.link.sendDirect('node.invoke.cancel', { id: invokeId, nodeId: entry.nodeId, reason });
  }

  get inflightCount(): number {
    return this.inflight.size;
  }
}

const timedOut = (): NodeOutcome => ({ ok: false, error: { code: 'TIMEOUT', message: 'node invoke timed out' } });
const notConnected = (): NodeOutcome => ({ ok: false, error: { code: 'NOT_CONNECTED', message: 'node not connected' } });

/** Node error codes after which the same call may succeed when tried again. */
const RETRYABLE_NODE_CODES = new Set(['DISCONNECTED', 'NOT_CONNECTED', 'NODE_NOT_READY']);

/**
 * A failed outcome as the operator's error (`UNAVAILABLE <code>: <message>`, details.nodeError),
 * retryable when the node went away or was not there: trying again after it reconnects can work.
 */
export function outcomeError(outcome: NodeOutcome): GatewayError {
  const code = outcome.error?.code?.trim() ?? '';
  const message = outcome.error?.message?.trim() || 'node invoke failed';
  return new GatewayError(ErrorCode.UNAVAILABLE, code ? `${code}: ${message}` : message, {
    retryable: RETRYABLE_NODE_CODES.has(code),
    details: { ...(code === 'NOT_CONNECTED' ? { code } : {}), nodeError: outcome.error ?? null, nodeCommandDispatched: code !== 'NOT_CONNECTED' },
  });
}
