import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';

export type AuthMode = 'none' | 'token' | 'password' | 'trusted-proxy';

/** The server's resolved shared-secret policy (remote-access.md 5.1). */
export interface ServerAuth {
  mode: AuthMode;
  token?: string;
  password?: string;
}

/** Compares two secrets in constant time over fixed-length digests. */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** Who is asking, for the wording of the hint (remote-access.md 6.2). */
export interface ClientSide {
  clientId: string;
  isLocal: boolean;
}

function hint(kind: 'token' | 'password', who: ClientSide): string {
  if (who.clientId === 'cli') {
    if (who.isLocal) return kind === 'token' ? "use this gateway's gateway.auth.token or pair the device" : "use this gateway's gateway.auth.password";
    return kind === 'token' ? 'set gateway.remote.token to match gateway.auth.token' : 'set gateway.remote.password to match gateway.auth.password';
  }
  if (['openclaw-control-ui', 'webchat-ui', 'webchat'].includes(who.clientId)) {
    return kind === 'token' ? 'open the dashboard URL and paste the token in Control UI settings' : 'enter the password in Control UI settings';
  }
  return kind === 'token' ? 'provide gateway auth token' : 'provide gateway auth password';
}

export const deviceIdentityRequired = (): GatewayError =>
  new GatewayError(ErrorCode.NOT_PAIRED, 'device identity required', { details: { code: 'DEVICE_IDENTITY_REQUIRED' } });

function mismatch(kind: 'token' | 'password', who: ClientSide): GatewayError {
  return new GatewayError(ErrorCode.INVALID_REQUEST, `unauthorized: gateway ${kind} mismatch (${hint(kind, who)})`, {
    details: {
      code: kind === 'token' ? 'AUTH_TOKEN_MISMATCH' : 'AUTH_PASSWORD_MISMATCH',
      authReason: `${kind}_mismatch`,
      canRetryWithDeviceToken: false,
      recommendedNextStep: 'update_auth_credentials',
    },
  });
}

/**
 * Checks the shared secret of a device-less connect. The client may put the secret in either
 * `auth.token` or `auth.password`; the field named by the mode is compared first (6.1).
 * Returns the auth method reported in hello-ok; throws the wire error otherwise.
 */
export function checkSharedSecret(
  auth: ServerAuth,
  given: { token?: string | undefined; password?: string | undefined },
  who: ClientSide,
): 'token' | 'password' {
  const candidates = [given.token, given.password].filter((v): v is string => typeof v === 'string' && v !== '');
  if (auth.mode !== 'token' && auth.mode !== 'password') throw deviceIdentityRequired();
  if (candidates.length === 0) throw deviceIdentityRequired();
  const expected = auth.mode === 'token' ? auth.token : auth.password;
  if (expected === undefined) throw mismatch(auth.mode, who);
  const ordered = auth.mode === 'token' ? [given.token, given.password] : [given.password, given.token];
  let ok = false;
  // Compare every candidate so the time taken does not reveal which field matched.
  for (const c of ordered) if (typeof c === 'string' && c !== '' && secretsEqual(c, expected)) ok = true;
  if (!ok) throw mismatch(auth.mode, who);
  return auth.mode;
}
