import type { GatewayError } from '../../protocol/errors.js';
import { CloseCode } from '../../protocol/version.js';

/** A refused handshake: the error response, then a close with this code and reason. */
export class HandshakeRefusal extends Error {
  constructor(
    readonly error: GatewayError,
    readonly closeCode: number = CloseCode.POLICY,
    readonly closeReason: string = error.message,
  ) {
    super(error.message);
  }
}
