/** Wire error vocabulary (protocol.md 2.2, 14). No I/O here. */
import { DetailCode } from './error-details.js';

export const ErrorCode = {
  INVALID_REQUEST: 'INVALID_REQUEST',
  FORBIDDEN: 'FORBIDDEN',
  NOT_PAIRED: 'NOT_PAIRED',
  UNAVAILABLE: 'UNAVAILABLE',
  APPROVAL_NOT_FOUND: 'APPROVAL_NOT_FOUND',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The `error` object of a failed response. */
export interface ErrorShape {
  code: string;
  message: string;
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
}

export interface GatewayErrorOptions {
  details?: unknown;
  retryable?: boolean;
  retryAfterMs?: number;
  cause?: unknown;
  /** A payload sent beside the error (the failed final response of `agent`, assistant.md 4.1). */
  payload?: unknown;
}

/**
 * The one error type thrown for expected failures. The request dispatcher turns it into the
 * wire `error` shape; anything else becomes a generic `UNAVAILABLE`.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly retryable: boolean | undefined;
  readonly retryAfterMs: number | undefined;
  readonly payload: unknown;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.payload = options.payload;
  }

  toShape(): ErrorShape {
    const shape: ErrorShape = { code: this.code, message: this.message };
    if (this.details !== undefined) shape.details = this.details;
    if (this.retryable !== undefined) shape.retryable = this.retryable;
    if (this.retryAfterMs !== undefined) shape.retryAfterMs = this.retryAfterMs;
    return shape;
  }
}

/** Converts any thrown value to a wire error; non-GatewayErrors never leak their message. */
export function toErrorShape(err: unknown): ErrorShape {
  if (err instanceof GatewayError) return err.toShape();
  return { code: ErrorCode.UNAVAILABLE, message: 'internal error', retryable: true };
}

/** `FORBIDDEN missing scope: <scope>` (protocol.md 7.3). */
export function missingScopeError(scope: string): GatewayError {
  return new GatewayError(ErrorCode.FORBIDDEN, `missing scope: ${scope}`, {
    details: { code: DetailCode.MISSING_SCOPE, missingScope: scope, requiredScopes: [scope] },
  });
}
