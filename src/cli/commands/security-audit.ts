import JSON5 from 'json5';
import { resolveTarget, TargetError } from '../target.js';
import { ConfigError, type LoadedConfig } from '../../infra/config.js';
import { displayPath } from '../../infra/paths.js';
import { farclawVersion } from '../../infra/version.js';
import { applyConfigFixes, applyPermissionFixes, FixError, rewriteConfig, type FixAction } from '../audit/fixes.js';
import { bySeverity, summarize, type Finding } from '../audit/findings.js';
import { fsFindings } from '../audit/fs-checks.js';
import { gatewayFindings } from '../audit/gateway-checks.js';
import { CliError } from '../cli-error.js';
import { probeGateway } from '../probe/probe-gateway.js';
import { loadCliConfig } from '../rpc.js';

export interface AuditFlags {
  deep?: boolean;
  json?: boolean;
  fix?: boolean;
}

const DEEP_PROBE_TIMEOUT_MS = 3000;

/** `--deep`: connect to the gateway the CLI would use and report what stops it (remote-access.md 15). */
async function deepFindings(loaded: LoadedConfig, stateDir: string, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  let target;
  try {
    target = resolveTarget({}, loaded, env, stateDir);
  } catch (err) {
    if (err instanceof ConfigError) {
      return [{ checkId: 'gateway.probe_auth_secretref_unavailable', severity: 'warn', title: 'Gateway credential could not be resolved',
        detail: err.message, remediation: 'Set the referenced environment variable, or configure the secret directly.' }];
    }
    if (err instanceof TargetError) return [{ checkId: 'gateway.probe_failed', severity: 'warn', title: 'Gateway probe failed', detail: err.message }];
    throw err;
  }
  const r = await probeGateway({
    url: target.url, token: target.token, password: target.password, tlsPin: target.tlsPin,
    timeoutMs: DEEP_PROBE_TIMEOUT_MS, detail: 'none', version: farclawVersion(),
  });
  if (r.connected) return [];
  return [{ checkId: 'gateway.probe_failed', severity: 'warn', title: 'Gateway probe failed',
    detail: `${target.url} (${target.urlSource}): ${r.error ?? 'no answer'}`, remediation: 'Start the gateway, or check its URL and credentials.' }];
}

/** This machine's findings (files and config), without probing the gateway. */
export function audit(loaded: LoadedConfig, stateDir: string, env: NodeJS.ProcessEnv): Finding[] {
  return [...fsFindings(stateDir, loaded.path), ...gatewayFindings(loaded.config, env)];
}

interface FixReport {
  actions: FixAction[];
  backupPath?: string;
  commentsDropped: boolean;
}

/** `--fix`: the safe config edits (one atomic rewrite, old file kept) and permission fixes. */
function fix(loaded: LoadedConfig, stateDir: string, findings: Finding[]): FixReport {
  const report: FixReport = { actions: [], commentsDropped: false };
  if (loaded.exists && loaded.raw !== null) {
    const config = JSON5.parse(loaded.raw) as Record<string, unknown>;
    const actions = applyConfigFixes(config, findings);
    if (actions.length > 0) {
      try {
        const written = rewriteConfig(loaded.path, loaded.raw, config);
        report.actions.push(...actions);
        report.backupPath = written.backupPath;
        report.commentsDropped = written.commentsDropped;
      } catch (err) {
        if (err instanceof FixError) throw new CliError(err.message, 1, { type: 'cli_error', message: err.message });
        throw err;
      }
    }
  }
  report.actions.push(...applyPermissionFixes(stateDir, loaded.path, findings));
  return report;
}

function render(findings: Finding[], fixReport: FixReport | undefined, env: NodeJS.ProcessEnv): string {
  const s = summarize(findings);
  const lines = ['farclaw security audit', `Summary: ${s.critical} critical · ${s.warn} warn · ${s.info} info`];
  if (fixReport) {
    lines.push('', fixReport.actions.length === 0 ? 'Fix: nothing to change safely.' : 'Fixed:');
    for (const a of fixReport.actions) lines.push(`  ${a.checkId}: ${a.action}`);
    if (fixReport.backupPath) lines.push(`  previous config kept at ${displayPath(fixReport.backupPath, env)}`);
    if (fixReport.commentsDropped) lines.push('  note: the rewritten config no longer has the comments of the old file (they are in the backup)');
  }
  for (const f of bySeverity(findings)) {
    lines.push('', `${f.severity.toUpperCase()} ${f.checkId}: ${f.title}`, `  ${f.detail}`);
    if (f.remediation) lines.push(`  Fix: ${f.remediation}`);
  }
  if (findings.length === 0) lines.push('', 'No problems found.');
  return lines.join('\n');
}

/**
 * `farclaw security audit [--deep] [--json] [--fix]`: lists exposure problems of this machine's
 * config (remote-access.md 15, same checkIds and severities). Exit 0 whatever it finds.
 */
export async function runSecurityAudit(flags: AuditFlags, env: NodeJS.ProcessEnv): Promise<number> {
  let { loaded, stateDir } = loadCliConfig(env);
  let fixReport: FixReport | undefined;
  if (flags.fix) {
    fixReport = fix(loaded, stateDir, audit(loaded, stateDir, env));
    ({ loaded, stateDir } = loadCliConfig(env));
  }
  const findings = audit(loaded, stateDir, env);
  if (flags.deep) findings.push(...(await deepFindings(loaded, stateDir, env)));
  const sorted = bySeverity(findings);
  if (flags.json) {
    const out = {
      ts: Date.now(), configPath: loaded.path, deep: flags.deep === true, summary: summarize(sorted), findings: sorted,
      ...(fixReport ? { fix: fixReport } : {}),
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    process.stdout.write(render(sorted, fixReport, env) + '\n');
  }
  return 0;
}

