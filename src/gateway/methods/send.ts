import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { SendParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** `send` (protocol.md 11.6): no messaging channel exists yet, so say so like the real gateway. */
export const handleSend = defineMethod('send', SendParamsSchema, () => {
  throw new GatewayError(
    ErrorCode.INVALID_REQUEST,
    // Only the first sentence is the peer's (protocol.md 11.6); the rest names what farclaw has.
    'Error: Channel is required (no configured channels detected). Configure a channel under `channels` in the gateway config, then pass --channel <channel>.',
  );
});
