import type { ExecApprovalsStore, ExecAsk, ExecSecurity } from './exec-approvals.js';

/** One allowlist rule as a snapshot keeps it (only `allow-always` survives as a source, as in OpenClaw). */
export interface SnapshotRule {
  pattern: string;
  argPattern?: string;
  source?: 'allow-always';
}

/**
 * The node's exec policy for one agent when a run was prepared (`plan.policySnapshot`,
 * assistant.md 8.3 step 3): an approval given for that plan holds only while it is still the policy.
 */
export interface PolicySnapshot {
  security: ExecSecurity;
  ask: ExecAsk;
  askFallback: ExecSecurity;
  autoAllowSkills: boolean;
  allowlistRules: SnapshotRule[];
}

const SECURITY = new Set(['deny', 'allowlist', 'full']);
const ASK = new Set(['off', 'on-miss', 'always']);

const ruleKey = (r: SnapshotRule): string => `${r.pattern}\0${r.argPattern ?? ''}\0${r.source ?? ''}`;

/** The snapshot of `agentId`'s policy now: its rules deduplicated and in a stable order. */
export function policySnapshotOf(approvals: ExecApprovalsStore, agentId: string | undefined): PolicySnapshot {
  const policy = approvals.policyFor(agentId);
  const rules = new Map<string, SnapshotRule>();
  for (const entry of policy.allowlist) {
    const rule: SnapshotRule = {
      pattern: entry.pattern, ...(entry.argPattern !== undefined ? { argPattern: entry.argPattern } : {}), ...(entry.source === 'allow-always' ? { source: 'allow-always' as const } : {}),
    };
    rules.set(ruleKey(rule), rule);
  }
  const allowlistRules = [...rules.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, rule]) => rule);
  return { security: policy.security, ask: policy.ask, askFallback: policy.askFallback, autoAllowSkills: false, allowlistRules };
}

/** A snapshot a gateway sent back, checked; null when it is not one. */
export function parsePolicySnapshot(value: unknown): PolicySnapshot | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (!SECURITY.has(String(v.security)) || !ASK.has(String(v.ask)) || !SECURITY.has(String(v.askFallback))) return null;
  if (typeof v.autoAllowSkills !== 'boolean' || !Array.isArray(v.allowlistRules)) return null;
  const rules: SnapshotRule[] = [];
  for (const raw of v.allowlistRules as unknown[]) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    const r = raw as Record<string, unknown>;
    if (typeof r.pattern !== 'string' || (r.argPattern !== undefined && typeof r.argPattern !== 'string') || (r.source !== undefined && r.source !== 'allow-always')) return null;
    rules.push({ pattern: r.pattern, ...(typeof r.argPattern === 'string' ? { argPattern: r.argPattern } : {}), ...(r.source === 'allow-always' ? { source: 'allow-always' as const } : {}) });
  }
  return { security: v.security as ExecSecurity, ask: v.ask as ExecAsk, askFallback: v.askFallback as ExecSecurity, autoAllowSkills: v.autoAllowSkills, allowlistRules: rules };
}

/**
 * Whether the policy an approval was given under still holds: same levels, and every rule it had
 * still there (a rule an operator since made allow-always counts as still there).
 */
export function isSnapshotCurrent(expected: PolicySnapshot, current: PolicySnapshot): boolean {
  const keys = new Set(current.allowlistRules.map(ruleKey));
  return expected.security === current.security && expected.ask === current.ask && expected.askFallback === current.askFallback &&
    expected.autoAllowSkills === current.autoAllowSkills &&
    expected.allowlistRules.every((r) => keys.has(ruleKey(r)) || (r.source === undefined && keys.has(ruleKey({ ...r, source: 'allow-always' }))));
}
