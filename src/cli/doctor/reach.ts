import { planDeviceAuth } from '../../client/device-auth.js';
import { GatewayClient, RequestError, TlsError, TransportError } from '../../client/gateway-client.js';
import type { TlsPin } from '../../infra/tls-pin.js';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import type { HelloOk } from '../../protocol/schema/snapshot.js';

/**
 * Why a connect did not end in hello-ok, sorted the way every command reports it:
 * - `rate-limited`: refused with a retry time after failed attempts;
 * - `slowed`: the gateway sat on the connect (its failed-auth delay outlasted the budget);
 * - `credentials-missing`, `auth`: no or a wrong shared secret / device token;
 * - `pairing`: the credential was accepted, an approval is missing;
 * - `refused`: any other refusal of the connect;
 * - `tls`, `upgrade`: the TLS layer or the HTTP upgrade refused;
 * - `timeout`, `transport`: nothing useful came back (closed, reset, no answer).
 */
export type ReachFailureKind =
  | 'rate-limited' | 'slowed' | 'credentials-missing' | 'auth' | 'pairing' | 'refused' | 'tls' | 'upgrade' | 'timeout' | 'transport';

/** `error.details` of a refused connect, the fields we read. */
export interface RefusalDetails {
  code?: string;
  reason?: string;
  requestId?: string;
}

/** A connect that did not get hello-ok. */
export interface ReachFailure {
  ok: false;
  kind: ReachFailureKind;
  error: unknown;
  /** The gateway answered the WebSocket connect (a refusal or a close frame): "reachable". */
  answered: boolean;
  latencyMs: number | null;
  /** The server's close after a refusal (never 1000/1005/1006, which prove nothing). */
  close: { code: number; reason: string } | null;
  details: RefusalDetails | null;
  /** For `rate-limited`: how long the gateway refuses this address. */
  retryAfterMs?: number;
}

/** A connect that got hello-ok; the caller owns `client` and closes it. */
export interface Reached {
  ok: true;
  client: GatewayClient;
  hello: HelloOk;
  latencyMs: number;
  /** The device this connect signed as (non-loopback targets with `device`). */
  deviceId?: string;
}

/** One attempt to reach and authenticate to a gateway. */
export interface ReachOptions {
  /** The URL dialled (an SSH tunnel's local end for SSH targets). */
  url: string;
  params: ConnectParams;
  timeoutMs: number;
  tlsPin?: TlsPin | undefined;
  /**
   * Sign as this machine's device (protocol.md 12) toward `device.url` (the target's own URL,
   * which a tunnel's local end is not). Probes leave it out: they never create an identity.
   */
  device?: { url: string; stateDir: string };
}

const PAIRING_REQUIRED = /\bpairing required\b/i;

/** Sorts a failed connect into the kind every report words the same way. */
export function classifyReachFailure(err: unknown, close: ReachFailure['close']): ReachFailureKind {
  if (err instanceof RequestError) {
    const code = (err.shape.details as RefusalDetails | undefined)?.code;
    if (code === 'AUTH_RATE_LIMITED' || err.shape.retryAfterMs !== undefined) return 'rate-limited';
    if (code === 'PAIRING_REQUIRED' || PAIRING_REQUIRED.test(err.shape.message)) return 'pairing';
    if (code === 'AUTH_TOKEN_MISSING' || code === 'AUTH_PASSWORD_MISSING') return 'credentials-missing';
    if (code?.startsWith('AUTH_')) return 'auth';
    return 'refused';
  }
  if (close && PAIRING_REQUIRED.test(close.reason)) return 'pairing';
  if (err instanceof TlsError) return 'tls';
  if (err instanceof TransportError) {
    if (err.kind === 'timeout') return err.reason === 'connect unanswered' ? 'slowed' : 'timeout';
    if (err.kind === 'upgrade') return 'upgrade';
  }
  return close ? 'refused' : 'transport';
}

/**
 * Opens one connection and runs the handshake: the single implementation of "can I reach and
 * authenticate to this gateway" behind `doctor`, `gateway probe`, `gateway status` and
 * `status --deep`. Never throws for a broken path: the failure comes back sorted, with the close
 * the gateway sent and whether it answered at all.
 */
export async function reachGateway(opts: ReachOptions): Promise<Reached | ReachFailure> {
  const started = Date.now();
  const device = opts.device ? planDeviceAuth(opts.device.url, opts.params, opts.device.stateDir) : undefined;
  const client = new GatewayClient();
  try {
    const hello = await client.connect(opts.url, device ? (c) => device.params(c) : opts.params, opts.timeoutMs, { tlsPin: opts.tlsPin });
    device?.accept(hello);
    return { ok: true, client, hello, latencyMs: Date.now() - started, ...(device?.identity ? { deviceId: device.identity.deviceId } : {}) };
  } catch (err) {
    device?.reject(err);
    await client.close();
    const info = client.closeInfo;
    const close = info && info.code !== 1006 && info.code !== 1005 && info.code !== 1000 ? { code: info.code, reason: info.reason } : null;
    const isRefusal = err instanceof RequestError;
    const details = isRefusal ? ((err.shape.details ?? null) as RefusalDetails | null) : null;
    const kind = classifyReachFailure(err, close);
    return {
      ok: false, kind, error: err, answered: isRefusal || close !== null,
      latencyMs: isRefusal || close !== null ? Date.now() - started : null,
      close, details,
      ...(kind === 'rate-limited' && err instanceof RequestError ? { retryAfterMs: err.shape.retryAfterMs ?? 0 } : {}),
    };
  }
}

/** The one-line reason of a failed connect (the refusal's message, or the transport's reason). */
export function reachReason(f: ReachFailure): string {
  const err = f.error;
  if (f.kind === 'slowed') {
    const ms = err instanceof TransportError ? (err.timeoutMs ?? 0) : 0;
    return `no answer to the connect within ${ms}ms: the gateway delays answers after failed authentication attempts (rate limited)`;
  }
  if (err instanceof RequestError) return err.shape.message;
  if (err instanceof TransportError) {
    if (err.kind === 'timeout') return 'timeout';
    const reason = err.reason ?? err.message;
    return f.close && reason.startsWith('gateway closed the connection') ? `gateway closed (${f.close.code}): ${f.close.reason}` : reason;
  }
  return err instanceof Error ? err.message : String(err);
}
