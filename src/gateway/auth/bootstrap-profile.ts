import { hasScope } from '../../protocol/scopes.js';

/** A setup code's bootstrap token is single-use and expires after ten minutes (protocol.md 4.1). */
export const SETUP_CODE_TTL_MS = 10 * 60_000;

/**
 * Operator scopes a bootstrap handoff may grant: never `operator.admin` or `operator.pairing`,
 * so a leaked setup code cannot administer the gateway or approve further devices. The list is
 * the real OpenClaw 2026.9.6 allowlist (its docs name four of them; the package adds
 * `operator.questions`).
 */
export const BOOTSTRAP_HANDOFF_OPERATOR_SCOPES = [
  'operator.approvals', 'operator.questions', 'operator.read', 'operator.talk.secrets', 'operator.write',
] as const;

/** What a setup code lets its device become (`access` in the setup-code answer). */
export type SetupAccess = 'limited' | 'node';

/** Roles the handoff pairs the device for, and the operator scopes it may grant. */
export interface BootstrapProfile {
  roles: string[];
  scopes: string[];
}

/**
 * `limited`: a node with no scopes plus a bounded operator (the real `openclaw qr` default over
 * plaintext ws://). `node`: a node only (companion devices). The real gateway's full-access
 * mobile profile (with `operator.admin`) is deliberately not offered.
 */
export const BOOTSTRAP_PROFILES: Readonly<Record<SetupAccess, BootstrapProfile>> = {
  limited: { roles: ['node', 'operator'], scopes: [...BOOTSTRAP_HANDOFF_OPERATOR_SCOPES] },
  node: { roles: ['node'], scopes: [] },
};

/** Which named profile a stored (roles, scopes) pair is. */
export function accessOf(profile: BootstrapProfile): SetupAccess {
  return profile.roles.includes('operator') ? 'limited' : 'node';
}

/** Whether a connect asking for `role` and `scopes` stays within what the profile grants. */
export function profileCovers(profile: BootstrapProfile, role: string, scopes: readonly string[]): boolean {
  if (!profile.roles.includes(role)) return false;
  return role !== 'operator' || scopes.every((s) => hasScope(profile.scopes, s));
}

/** The scopes of the token the handoff issues for one role: operator gets the profile's, others none. */
export const handoffScopesFor = (profile: BootstrapProfile, role: string): string[] => (role === 'operator' ? [...profile.scopes] : []);
