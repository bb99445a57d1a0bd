import { ToolRefusal } from './node-target.js';

/** What OpenClaw's node hosts call the gateway's policy in `system.run.prepare` (assistant.md 8.2). */
export interface NodeExecPolicy {
  security: 'deny' | 'allowlist' | 'full';
  ask: 'off' | 'on-miss' | 'always';
}

/** The node's answer to `system.run.prepare` (assistant.md 8.3 step 3): the plan it will bind to. */
export interface PreparedRun {
  /** The plan exactly as the node sent it; it goes back to the node with `system.run`. */
  plan: Record<string, unknown>;
  argv: string[];
  cwd: string | undefined;
  /** `/bin/sh -lc "<cmd>"`: what the operator is asked about. */
  commandText: string;
  commandPreview: string;
  /** The node's own policy, when it reported it. */
  execPolicy: NodeExecPolicy | undefined;
  /** Executable patterns an allow-always would cover (`allowAlwaysCoverage.patterns[].pattern`). */
  coveredPatterns: string[];
}

/** `tools.exec.mode` as OpenClaw's security/ask pair (assistant.md 8.2). */
export function policyOfMode(mode: 'allowlist' | 'ask' | 'full'): NodeExecPolicy {
  if (mode === 'full') return { security: 'full', ask: 'off' };
  return { security: 'allowlist', ask: mode === 'ask' ? 'on-miss' : 'off' };
}

/**
 * The argv OpenClaw sends a node for a command line (assistant.md 8.3): its POSIX shell with a
 * login profile, so the node decides what the line may do and binds the approval to it.
 */
export function nodeShellArgv(command: string): string[] {
  return ['/bin/sh', '-lc', command];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Reads a `system.run.prepare` payload defensively (the node is another program).
 * @throws ToolRefusal when it carries no usable plan.
 */
export function parsePreparedRun(payload: unknown): PreparedRun {
  const p = (payload ?? {}) as { plan?: unknown; execPolicy?: unknown; allowAlwaysCoverage?: unknown };
  const plan = p.plan as Record<string, unknown> | undefined;
  const argv = plan?.argv;
  if (!plan || typeof plan !== 'object' || !Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new ToolRefusal('exec host=node: invalid system.run.prepare response from the node');
  }
  const policy = p.execPolicy as { security?: unknown; ask?: unknown } | undefined;
  const security = text(policy?.security);
  const ask = text(policy?.ask);
  const execPolicy: NodeExecPolicy | undefined = (security === 'deny' || security === 'allowlist' || security === 'full') && (ask === 'off' || ask === 'on-miss' || ask === 'always')
    ? { security, ask } : undefined;
  const coverage = (p.allowAlwaysCoverage ?? {}) as { complete?: unknown; patterns?: unknown };
  const coveredPatterns = coverage.complete === true && Array.isArray(coverage.patterns)
    ? coverage.patterns.map((e) => text((e as { pattern?: unknown } | null)?.pattern)).filter((s): s is string => s !== undefined)
    : [];
  const commandText = text(plan.commandText) ?? argv.join(' ');
  return {
    plan, argv: argv as string[], cwd: text(plan.cwd), commandText, commandPreview: text(plan.commandPreview) ?? commandText,
    execPolicy, coveredPatterns,
  };
}

/**
 * Whether the node's approvals document (`system.execApprovals.get`) already allows every
 * executable of the prepared run for `agentId`: an allowlist entry (the agent's, `*`'s or the
 * defaults') whose pattern is one the node said the run needs.
 */
export function nodeAllowlistCovers(doc: unknown, agentId: string, run: PreparedRun): boolean {
  if (run.coveredPatterns.length === 0) return false;
  const file = ((doc ?? {}) as { file?: unknown }).file as { defaults?: unknown; agents?: Record<string, unknown> } | undefined;
  if (!file || typeof file !== 'object') return false;
  const entriesOf = (scope: unknown): string[] => {
    const list = (scope as { allowlist?: unknown } | undefined)?.allowlist;
    return Array.isArray(list) ? list.map((e) => text((e as { pattern?: unknown } | null)?.pattern)).filter((s): s is string => s !== undefined) : [];
  };
  const allowed = new Set([...entriesOf(file.defaults), ...entriesOf(file.agents?.['*']), ...entriesOf(file.agents?.[agentId])]);
  return run.coveredPatterns.every((pattern) => allowed.has(pattern));
}
