import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { SendParamsSchema } from '../../protocol/schema/methods.js';
import { defineMethod } from '../rpc/dispatcher.js';

/** `send` (protocol.md 11.6): no messaging channel exists yet, so say so like the real gateway. */
export const handleSend = defineMethod('send', SendParamsSchema, () => {
  throw new GatewayError(
    ErrorCode.INVALID_REQUEST,
    'Error: Channel is required (no configured channels detected). Run farclaw channels add to configure one, or pass --channel <channel> after enabling a channel. Use farclaw channels list --all to see available channel ids.',
  );
});
