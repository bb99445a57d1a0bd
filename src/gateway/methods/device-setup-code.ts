import { ErrorCode, GatewayError } from '../../protocol/errors.js';
import { DevicePairSetupCodeParamsSchema } from '../../protocol/schema/devices.js';
import { encodeSetupCode } from '../../protocol/setup-code.js';
import { BOOTSTRAP_PROFILES, type SetupAccess } from '../auth/bootstrap-profile.js';
import { resolveSetupUrl } from '../auth/setup-url.js';
import { defineMethod } from '../rpc/dispatcher.js';

/**
 * `device.pair.setupCode` (scope operator.admin, not advertised): issues a single-use bootstrap
 * token valid ten minutes and answers the setup code that carries it with the gateway URL
 * (protocol.md 4.1; OpenClaw's `openclaw qr`). The token is stored only as a digest; its value
 * exists in this answer alone, so it is never logged.
 */
export const handleDevicePairSetupCode = defineMethod('device.pair.setupCode', DevicePairSetupCodeParamsSchema, ({ services }, params) => {
  if (params.joinUrl === true) throw new GatewayError(ErrorCode.INVALID_REQUEST, 'join URLs are not supported by this gateway; use the setup code');
  if (params.bootstrapProfile === 'voice-node') throw new GatewayError(ErrorCode.INVALID_REQUEST, 'the voice-node setup profile is not supported by this gateway');
  const { mode } = services.auth;
  if (mode !== 'token' && mode !== 'password') {
    throw new GatewayError(ErrorCode.INVALID_REQUEST, `pairing setup needs gateway.auth.mode "token" or "password" (current: "${mode}")`);
  }
  const { url, source } = resolveSetupUrl(
    { config: services.config.config, bind: services.bind, port: services.port },
    { ...(params.publicUrl !== undefined ? { publicUrl: params.publicUrl } : {}), ...(params.preferRemoteUrl === true ? { preferRemoteUrl: true } : {}) },
  );
  const access: SetupAccess = params.bootstrapProfile === 'node' ? 'node' : 'limited';
  const issued = services.devices.issueBootstrapToken(BOOTSTRAP_PROFILES[access]);
  services.logger.info({ setupId: issued.setupId, access, urlSource: source }, 'setup code issued');
  return {
    setupId: issued.setupId,
    expiresAtMs: issued.expiresAtMs,
    setupCode: encodeSetupCode({ url, bootstrapToken: issued.token, expiresAtMs: issued.expiresAtMs }),
    gatewayUrl: url,
    auth: mode,
    urlSource: source,
    access,
  };
});
