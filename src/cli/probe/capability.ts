import { Scope } from '../../protocol/scopes.js';

/** What a probe proved the CLI may do on a gateway (remote-access.md 13.6). */
export type ProbeCapability =
  | 'unknown'
  | 'pairing_pending'
  | 'connected_no_operator_scope'
  | 'read_only'
  | 'write_capable'
  | 'admin_capable';

/** `hello-ok.auth` as a probe reports it, plus the capability derived from it. */
export interface ProbeAuthSummary {
  role: string | null;
  scopes: string[];
  capability: ProbeCapability;
}

/** Best first: the order `summarizeCapability` picks from. */
const CAPABILITY_PRIORITY: readonly ProbeCapability[] = [
  'admin_capable',
  'write_capable',
  'read_only',
  'connected_no_operator_scope',
  'pairing_pending',
  'unknown',
];

/**
 * Derives the capability of one probe. Pairing wins (the connect was parked); then the
 * strongest granted scope; a successful read RPC proves read access even without a listed
 * scope; a hello-ok that carried `auth` but no operator scope is `connected_no_operator_scope`.
 */
export function deriveCapability(facts: {
  scopes: readonly string[];
  authMetadataPresent: boolean;
  connected: boolean;
  verifiedRead?: boolean;
  pairingRequired?: boolean;
}): ProbeCapability {
  if (facts.pairingRequired) return 'pairing_pending';
  if (facts.scopes.includes(Scope.ADMIN)) return 'admin_capable';
  if (facts.scopes.includes(Scope.WRITE)) return 'write_capable';
  if (facts.scopes.includes(Scope.READ) || facts.verifiedRead === true) return 'read_only';
  if (facts.connected && facts.authMetadataPresent) return 'connected_no_operator_scope';
  return 'unknown';
}

/** The best capability among probes (`unknown` for none). */
export function summarizeCapability(capabilities: readonly ProbeCapability[]): ProbeCapability {
  return CAPABILITY_PRIORITY.find((c) => capabilities.includes(c)) ?? 'unknown';
}

/** `connected_no_operator_scope` → `connected-no-operator-scope` (summary lines). */
export const kebabCapability = (c: ProbeCapability): string => c.replaceAll('_', '-');

/** The per-target wording of the real CLI (`Capability: connect-only` for a scope-less socket). */
export function targetCapabilityLabel(c: ProbeCapability): string {
  switch (c) {
    case 'connected_no_operator_scope':
      return 'Capability: connect-only';
    case 'pairing_pending':
      return 'Capability: pairing pending';
    default:
      return `Capability: ${kebabCapability(c)}`;
  }
}
