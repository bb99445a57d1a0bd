import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectParams } from '../../protocol/schema/connect.js';
import type { DeviceTokenRecord } from '../../store/device-token-repo.js';
import type { BootstrapProfile } from './bootstrap-profile.js';
import type { DeviceRegistry } from './device-registry.js';
import type { VerifiedDevice } from './device-proof.js';
import type { AuthRateLimiter, RateLimitClient } from './rate-limit.js';
import {
  authFailure, compareSharedSecret, deviceIdentityRequired, usesSharedSecret, type AuthFailureReason, type ClientSide,
  type ServerAuth,
} from './shared-secret.js';

/** How a connect authenticated (hello-ok `auth.method`). */
export type AuthMethod = 'none' | 'token' | 'password' | 'device-token' | 'bootstrap-token' | 'trusted-proxy';

/** A successful credential check. */
export interface Credential {
  method: AuthMethod;
  /** Set when the device token authenticated: the value presented and its record. */
  deviceToken?: { token: string; record: DeviceTokenRecord };
  /** Set when a setup code's bootstrap token authenticated: the value and what it grants. */
  bootstrap?: { token: string; profile: BootstrapProfile };
}

/** What the credential check needs besides the connect params. */
export interface CredentialContext {
  auth: ServerAuth;
  limiter: AuthRateLimiter;
  devices: DeviceRegistry;
  /**
   * Who failures count against: the client address first, and within its budget the Origin of a
   * browser (6.3 keys browser attempts per Origin, so a hostile page locks out only itself).
   */
  rateLimitClient: RateLimitClient;
  /** Direct-local peer (remote-access.md 6.4): for the hint wording. */
  isLocal: boolean;
  /** Direct-local and no browser Origin: failures are delayed instead of locked out (6.3). */
  isLoopbackExempt: boolean;
  /**
   * Told before a failure answer is held back (the refusal is decided, only its answer waits);
   * returns the signal that ends the wait early when the socket goes away.
   */
  onRefusalHeld?: () => AbortSignal | undefined;
}

interface Attempt {
  reason: AuthFailureReason;
  retryAfterMs?: number;
  /** Loopback escalation: how long to hold the answer back. */
  delayMs: number;
}

const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v !== '' ? v : undefined);

/**
 * Decides the credential of a connect (protocol.md 4.1, 4.2, 5.3 last paragraph;
 * remote-access.md 6.3). Without a device: the shared secret, else `device identity required`.
 * With a verified device: the shared secret, else a device token (`auth.deviceToken`, or
 * `auth.token` tried as one), else a setup code's bootstrap token (`auth.bootstrapToken`, only
 * looked up here: admission uses it up), else the `unauthorized` error of the last failure. Failed
 * comparisons count toward the (address, credential class) limiter; a loopback failure is
 * answered late, as the limiter says. Throws the GatewayError to send.
 */
export async function authenticateConnect(ctx: CredentialContext, params: ConnectParams, device: VerifiedDevice | undefined): Promise<Credential> {
  const auth = params.auth ?? {};
  const who: ClientSide = { clientId: params.client.id, isLocal: ctx.isLocal };
  const sharedGiven = nonEmpty(auth.token) !== undefined || nonEmpty(auth.password) !== undefined;
  if (!device && (!usesSharedSecret(ctx.auth) || !sharedGiven)) throw deviceIdentityRequired();
  if (device && ctx.auth.mode === 'none') return { method: 'none' };

  let failure: Attempt;
  if (!usesSharedSecret(ctx.auth)) {
    failure = { reason: 'token_missing', delayMs: 0 };
  } else if (!sharedGiven) {
    failure = { reason: ctx.auth.mode === 'password' ? 'password_missing' : 'token_missing', delayMs: 0 };
  } else {
    const lockedMs = ctx.limiter.lockedForMs(ctx.rateLimitClient, 'shared-secret', ctx.isLoopbackExempt);
    const result = lockedMs > 0 ? undefined : compareSharedSecret(ctx.auth, auth);
    if (result?.ok) {
      ctx.limiter.reset(ctx.rateLimitClient, 'shared-secret');
      return { method: result.method };
    }
    failure = result === undefined
      ? { reason: 'rate_limited', retryAfterMs: lockedMs, delayMs: 0 }
      : { reason: result.reason, delayMs: ctx.limiter.recordFailure(ctx.rateLimitClient, 'shared-secret', ctx.isLoopbackExempt) };
  }

  const explicit = nonEmpty(auth.deviceToken);
  const candidate = explicit ?? nonEmpty(auth.token);
  if (device && candidate !== undefined) {
    const viaToken = checkDeviceToken(ctx, params, device, candidate, explicit !== undefined, sharedGiven);
    if ('method' in viaToken) return viaToken;
    if (viaToken.reason !== undefined) failure = { ...viaToken, reason: viaToken.reason, delayMs: Math.max(failure.delayMs, viaToken.delayMs) };
    else failure.delayMs = Math.max(failure.delayMs, viaToken.delayMs);
  }

  const bootstrapToken = nonEmpty(auth.bootstrapToken);
  if (device && bootstrapToken !== undefined) {
    const viaSetupCode = checkBootstrapToken(ctx, bootstrapToken);
    if ('method' in viaSetupCode) return viaSetupCode;
    failure = { ...viaSetupCode, delayMs: Math.max(failure.delayMs, viaSetupCode.delayMs) };
  }

  const canRetryWithDeviceToken = failure.reason === 'token_mismatch' && device !== undefined
    && nonEmpty(auth.password) === undefined && explicit === undefined;
  if (failure.delayMs > 0) {
    const signal = ctx.onRefusalHeld?.();
    await sleep(failure.delayMs, undefined, signal ? { signal } : {});
  }
  throw authFailure(failure.reason, who, {
    canRetryWithDeviceToken,
    ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
  });
}

/**
 * Tries `candidate` as the device token of (device, role). A failure of an explicit
 * `auth.deviceToken` is reported as such; a failed fallback of `auth.token` keeps the shared
 * secret's reason (`reason` undefined) unless the token was right but too narrow.
 */
function checkDeviceToken(
  ctx: CredentialContext, params: ConnectParams, device: VerifiedDevice, candidate: string, isExplicit: boolean, sharedGiven: boolean,
): Credential | { reason: AuthFailureReason | undefined; retryAfterMs?: number; delayMs: number } {
  const lockedMs = ctx.limiter.lockedForMs(ctx.rateLimitClient, 'device-token', ctx.isLoopbackExempt);
  if (lockedMs > 0) return { reason: 'rate_limited', retryAfterMs: lockedMs, delayMs: 0 };
  const role = params.role ?? 'operator';
  const requested = role === 'operator' ? [...new Set(params.scopes ?? [])] : [];
  const check = ctx.devices.verifyToken(device.id, role, candidate, requested);
  if (check.ok) {
    ctx.limiter.reset(ctx.rateLimitClient, 'device-token');
    if (sharedGiven) ctx.limiter.reset(ctx.rateLimitClient, 'shared-secret');
    return { method: 'device-token', deviceToken: { token: candidate, record: check.record } };
  }
  const delayMs = ctx.limiter.recordFailure(ctx.rateLimitClient, 'device-token', ctx.isLoopbackExempt);
  if (check.reason === 'scope-mismatch') return { reason: 'scope_mismatch', delayMs };
  return { reason: isExplicit ? 'device_token_mismatch' : undefined, delayMs };
}

/** Looks up a setup code's bootstrap token; an unknown, expired or used one counts as a failure. */
function checkBootstrapToken(ctx: CredentialContext, token: string): Credential | Attempt {
  const lockedMs = ctx.limiter.lockedForMs(ctx.rateLimitClient, 'bootstrap-token', ctx.isLoopbackExempt);
  if (lockedMs > 0) return { reason: 'rate_limited', retryAfterMs: lockedMs, delayMs: 0 };
  const record = ctx.devices.bootstrapToken(token);
  if (record) {
    ctx.limiter.reset(ctx.rateLimitClient, 'bootstrap-token');
    return { method: 'bootstrap-token', bootstrap: { token, profile: { roles: record.roles, scopes: record.scopes } } };
  }
  return { reason: 'bootstrap_token_invalid', delayMs: ctx.limiter.recordFailure(ctx.rateLimitClient, 'bootstrap-token', ctx.isLoopbackExempt) };
}
