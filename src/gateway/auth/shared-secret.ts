import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode, GatewayError } from '../../protocol/errors.js';

export type AuthMode = 'none' | 'token' | 'password' | 'trusted-proxy';

/** The server's resolved shared-secret policy (remote-access.md 5.1). */
export interface ServerAuth {
  mode: AuthMode;
  token?: string;
  password?: string;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The digest of the server's secret, kept: every connect compares against the same one. */
let expectedDigest: { secret: string; digest: Buffer } | undefined;

/** Compares two secrets in constant time over fixed-length digests. */
export function secretsEqual(given: string, expected: string): boolean {
  if (expectedDigest?.secret !== expected) expectedDigest = { secret: expected, digest: sha256(expected) };
  return timingSafeEqual(sha256(given), expectedDigest.digest);
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

/** Why a connect's credentials were refused (protocol.md 4.2, 14). */
export type AuthFailureReason =
  | 'token_missing' | 'token_mismatch' | 'password_missing' | 'password_mismatch'
  | 'device_token_mismatch' | 'scope_mismatch' | 'bootstrap_token_invalid' | 'rate_limited';

const DETAIL_CODES: Record<AuthFailureReason, string> = {
  token_missing: 'AUTH_TOKEN_MISSING',
  token_mismatch: 'AUTH_TOKEN_MISMATCH',
  password_missing: 'AUTH_PASSWORD_MISSING',
  password_mismatch: 'AUTH_PASSWORD_MISMATCH',
  device_token_mismatch: 'AUTH_DEVICE_TOKEN_MISMATCH',
  scope_mismatch: 'AUTH_SCOPE_MISMATCH',
  bootstrap_token_invalid: 'AUTH_BOOTSTRAP_TOKEN_INVALID',
  rate_limited: 'AUTH_RATE_LIMITED',
};

function failureMessage(reason: AuthFailureReason, who: ClientSide): string {
  switch (reason) {
    case 'token_missing': return `unauthorized: gateway token missing (${hint('token', who)})`;
    case 'token_mismatch': return `unauthorized: gateway token mismatch (${hint('token', who)})`;
    case 'password_missing': return `unauthorized: gateway password missing (${hint('password', who)})`;
    case 'password_mismatch': return `unauthorized: gateway password mismatch (${hint('password', who)})`;
    case 'device_token_mismatch': return 'unauthorized: device token mismatch (rotate/reissue device token)';
    case 'scope_mismatch': return 'unauthorized: device token scope mismatch (re-pair or approve scope upgrade)';
    case 'bootstrap_token_invalid': return 'unauthorized: setup code is unknown, expired or already used (ask for a new one: farclaw qr)';
    case 'rate_limited': return 'unauthorized: too many failed authentication attempts (retry later)';
  }
}

function nextStep(reason: AuthFailureReason): string {
  if (reason === 'token_missing' || reason === 'password_missing') return 'update_auth_configuration';
  if (reason === 'scope_mismatch') return 'review_auth_configuration';
  if (reason === 'rate_limited') return 'wait_then_retry';
  return 'update_auth_credentials';
}

/**
 * The `unauthorized: …` refusal of a connect (protocol.md 4.2): `INVALID_REQUEST` with
 * `details {code, authReason, canRetryWithDeviceToken, recommendedNextStep}`. A rate-limited
 * refusal is `retryable` with `retryAfterMs`.
 */
export function authFailure(
  reason: AuthFailureReason,
  who: ClientSide,
  opts: { canRetryWithDeviceToken?: boolean; retryAfterMs?: number } = {},
): GatewayError {
  const canRetry = opts.canRetryWithDeviceToken === true;
  return new GatewayError(ErrorCode.INVALID_REQUEST, failureMessage(reason, who), {
    details: {
      code: DETAIL_CODES[reason],
      authReason: reason,
      canRetryWithDeviceToken: canRetry,
      recommendedNextStep: canRetry ? 'retry_with_device_token' : nextStep(reason),
    },
    ...(reason === 'rate_limited' ? { retryable: true, retryAfterMs: opts.retryAfterMs ?? 0 } : {}),
  });
}

/** Outcome of comparing a connect's shared secret, without throwing. */
export type SharedSecretCheck = { ok: true; method: 'token' | 'password' } | { ok: false; reason: AuthFailureReason };

/**
 * Compares the shared secret of a token- or password-mode gateway. The client may put the
 * secret in either `auth.token` or `auth.password` (remote-access.md 6.1); every candidate is
 * compared so the time taken does not reveal which field matched.
 */
export function compareSharedSecret(
  auth: ServerAuth,
  given: { token?: string | undefined; password?: string | undefined },
): SharedSecretCheck {
  const kind = auth.mode === 'password' ? 'password' : 'token';
  const candidates = [given.token, given.password].filter((v): v is string => typeof v === 'string' && v !== '');
  if (candidates.length === 0) return { ok: false, reason: kind === 'token' ? 'token_missing' : 'password_missing' };
  const expected = kind === 'token' ? auth.token : auth.password;
  let ok = false;
  for (const c of candidates) if (expected !== undefined && secretsEqual(c, expected)) ok = true;
  return ok ? { ok: true, method: kind } : { ok: false, reason: kind === 'token' ? 'token_mismatch' : 'password_mismatch' };
}

/** Whether this gateway authenticates with a shared secret at all. */
export const usesSharedSecret = (auth: ServerAuth): boolean => auth.mode === 'token' || auth.mode === 'password';

/**
 * Checks the shared secret of a device-less connect. Returns the auth method reported in
 * hello-ok; throws `device identity required` when nothing usable was sent (or the mode has no
 * shared secret) and the `unauthorized` mismatch otherwise.
 */
export function checkSharedSecret(
  auth: ServerAuth,
  given: { token?: string | undefined; password?: string | undefined },
  who: ClientSide,
): 'token' | 'password' {
  if (!usesSharedSecret(auth)) throw deviceIdentityRequired();
  const result = compareSharedSecret(auth, given);
  if (result.ok) return result.method;
  if (result.reason === 'token_missing' || result.reason === 'password_missing') throw deviceIdentityRequired();
  throw authFailure(result.reason, who);
}
