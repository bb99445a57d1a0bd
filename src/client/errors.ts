import { ErrorCode, GatewayError, type ErrorShape } from '../protocol/errors.js';

/** The connection failed before or during the handshake (refused, reset, timed out…). */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly kind: 'closed' | 'timeout' | 'upgrade',
    readonly reason?: string,
    /** The budget that ran out, for `kind: 'timeout'`. */
    readonly timeoutMs?: number,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** The gateway answered a request (or connect) with `ok:false`; `shape` is the wire error. */
export class RequestError extends GatewayError {
  readonly shape: ErrorShape;
  constructor(shape: ErrorShape) {
    const code = (Object.values(ErrorCode) as string[]).includes(shape.code) ? (shape.code as ErrorCode) : ErrorCode.UNAVAILABLE;
    super(code, shape.message, {
      details: shape.details,
      ...(shape.retryable !== undefined ? { retryable: shape.retryable } : {}),
      ...(shape.retryAfterMs !== undefined ? { retryAfterMs: shape.retryAfterMs } : {}),
    });
    this.shape = shape;
    this.name = 'RequestError';
  }
}

/** Every request still pending when the socket goes away fails with this (retryable). */
export const connectionLost = (code: number, reason: string): GatewayError =>
  new GatewayError(ErrorCode.UNAVAILABLE, `connection lost (${code}${reason ? ` ${reason}` : ''})`, { retryable: true });

/**
 * The TLS layer refused the gateway before any HTTP was sent: a pin mismatch or a certificate
 * that does not validate (remote-access.md 7.5, 8.3). Reported as `cli_error`.
 */
export class TlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsError';
  }
}
