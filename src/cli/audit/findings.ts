/** One audit result (remote-access.md 15): the JSON shape of `security audit --json`. */
export interface Finding {
  checkId: string;
  severity: 'critical' | 'warn' | 'info';
  title: string;
  detail: string;
  remediation?: string;
}

export interface AuditSummary {
  critical: number;
  warn: number;
  info: number;
}

export function summarize(findings: readonly Finding[]): AuditSummary {
  const s: AuditSummary = { critical: 0, warn: 0, info: 0 };
  for (const f of findings) s[f.severity]++;
  return s;
}

const ORDER = { critical: 0, warn: 1, info: 2 } as const;

/** Critical first, then warn, then info; stable within a severity. */
export const bySeverity = (findings: readonly Finding[]): Finding[] =>
  [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
