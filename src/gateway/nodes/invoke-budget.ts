import { DetailCode } from '../../protocol/error-details.js';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';

/** Limits on `node.invoke` calls waiting for their node (issue 12 item 12; README "Security"). */
export interface InvokeLimits {
  /** Calls one caller (a connection or an agent run) may have waiting. */
  perCallerCalls: number;
  /** Bytes of params (as JSON) one caller may have waiting. */
  perCallerBytes: number;
  /** Calls waiting across all callers. */
  totalCalls: number;
  /** Bytes of params waiting across all callers. */
  totalBytes: number;
}

/**
 * Per caller: room for one call of the largest frame (25 MiB). In total: below one socket's
 * send-buffer cap (50 MiB), so the requests waiting at one node never make it a slow consumer.
 */
export const DEFAULT_INVOKE_LIMITS: InvokeLimits = {
  perCallerCalls: 16,
  perCallerBytes: 26 * 1024 * 1024,
  totalCalls: 128,
  totalBytes: 32 * 1024 * 1024,
};

/** How long a caller refused for being over a cap is told to wait before trying again. */
const BUSY_RETRY_AFTER_MS = 1000;

interface Held {
  calls: number;
  bytes: number;
}

/**
 * Counts the calls and param bytes waiting for nodes, per caller and in total, so a caller
 * cannot pin memory for as long as its `timeoutMs` by piling up calls. `reserve` either takes
 * a slot or throws the retryable refusal; the returned function gives the slot back (once).
 */
export class InvokeBudget {
  private readonly byCaller = new Map<string, Held>();
  private readonly total: Held = { calls: 0, bytes: 0 };

  constructor(private readonly limits: InvokeLimits = DEFAULT_INVOKE_LIMITS) {}

  /**
   * Takes a slot of `bytes` for `callerId`.
   * @throws GatewayError UNAVAILABLE, retryable, details.code NODE_INVOKE_BUSY when over a cap.
   */
  reserve(callerId: string, bytes: number): () => void {
    const held = this.byCaller.get(callerId) ?? { calls: 0, bytes: 0 };
    const l = this.limits;
    if (held.calls + 1 > l.perCallerCalls) throw busy(`this connection already has ${held.calls} node.invoke calls waiting (limit ${l.perCallerCalls})`, 'caller-calls');
    if (held.bytes + bytes > l.perCallerBytes) throw busy(`this connection's waiting node.invoke params would exceed ${l.perCallerBytes} bytes`, 'caller-bytes');
    if (this.total.calls + 1 > l.totalCalls) throw busy(`the gateway already has ${this.total.calls} node.invoke calls waiting (limit ${l.totalCalls})`, 'total-calls');
    if (this.total.bytes + bytes > l.totalBytes) throw busy(`the gateway's waiting node.invoke params would exceed ${l.totalBytes} bytes`, 'total-bytes');
    held.calls += 1;
    held.bytes += bytes;
    this.total.calls += 1;
    this.total.bytes += bytes;
    this.byCaller.set(callerId, held);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.calls -= 1;
      held.bytes -= bytes;
      this.total.calls -= 1;
      this.total.bytes -= bytes;
      if (held.calls === 0) this.byCaller.delete(callerId);
    };
  }

  /** Calls waiting now (all callers). */
  get waiting(): number {
    return this.total.calls;
  }
}

function busy(why: string, limit: string): GatewayError {
  return new GatewayError(ErrorCode.UNAVAILABLE, `node.invoke refused: ${why}; retry when earlier calls have finished`, {
    retryable: true, retryAfterMs: BUSY_RETRY_AFTER_MS, details: { code: DetailCode.NODE_INVOKE_BUSY, limit },
  });
}
