import { resolvePaths } from '../../infra/paths.js';
import { parseTimeout } from '../rpc.js';
import type { DoctorContext, DoctorHop, HopResult } from './hop.js';
import { DOCTOR_HOPS } from './hops.js';

/** `farclaw doctor` flags. */
export interface DoctorFlags {
  json?: boolean;
  timeout?: string;
}

/** The hops checked, in order, up to and including the first that failed. */
export interface DoctorReport {
  ok: boolean;
  hops: HopResult[];
  /** Id of the failed hop, when one failed. */
  failedHop?: string;
  /** Hops after the failure that were not checked. */
  notChecked: string[];
}

/** What a caller of `diagnose` may add to the run. */
export interface DiagnoseOptions {
  hops?: readonly DoctorHop[];
  /**
   * Runs after the hops while the doctor's authenticated connection (and tunnel) is still open,
   * whatever later hop failed; `ctx.client` is set. Reads more over the same connection instead
   * of opening another one (`status --deep`).
   */
  whileConnected?: (ctx: DoctorContext & { client: NonNullable<DoctorContext['client']> }) => Promise<void>;
}

/**
 * Runs the hops in order from this machine to the gateway it would use and stops at the first
 * that fails. Never throws for a broken setup: that is a failed hop with its fix. Releases what
 * it opened (connection, on-demand tunnel) before returning; the context it filled (target,
 * dialled URL, refused connect, health) is returned beside the report.
 */
export async function diagnose(env: NodeJS.ProcessEnv, timeoutMs: number, opts: DiagnoseOptions = {}): Promise<{ report: DoctorReport; ctx: DoctorContext }> {
  const hops = opts.hops ?? DOCTOR_HOPS;
  const ctx: DoctorContext = { env, stateDir: resolvePaths(env).stateDir, timeoutMs, cleanups: [] };
  const report: DoctorReport = { ok: true, hops: [], notChecked: [] };
  try {
    for (const hop of hops) {
      if (!report.ok) {
        report.notChecked.push(hop.id);
        continue;
      }
      if (hop.applies && !hop.applies(ctx)) continue;
      const outcome = await hop.run(ctx);
      report.hops.push({ id: hop.id, title: hop.title, ...outcome });
      if (!outcome.ok) {
        report.ok = false;
        report.failedHop = hop.id;
      }
    }
    const client = ctx.client;
    if (client && opts.whileConnected) await opts.whileConnected({ ...ctx, client });
  } finally {
    await ctx.client?.close();
    for (const cleanup of ctx.cleanups.reverse()) await cleanup();
  }
  return { report, ctx };
}

/** Human lines: one per hop with ✓/✗, warnings under it, the fix under a failure. */
export function renderDoctor(report: DoctorReport): string {
  const width = Math.max(...report.hops.map((h) => h.title.length), 6);
  const lines: string[] = [];
  for (const h of report.hops) {
    lines.push(`${h.ok ? '✓' : '✗'} ${h.title.padEnd(width)}  ${h.detail}`);
    for (const w of h.warnings ?? []) lines.push(`  ! ${w}`);
    if (h.fix) lines.push(`  Fix: ${h.fix}`);
  }
  if (!report.ok && report.notChecked.length > 0) lines.push(`Stopped at the first failure; not checked: ${report.notChecked.join(', ')}.`);
  if (report.ok) lines.push('Every hop passed.');
  return lines.join('\n');
}

/**
 * `farclaw doctor [--json]`: exit 0 only when every hop passes, 1 otherwise.
 */
export async function runDoctor(flags: DoctorFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const timeoutMs = parseTimeout(flags.timeout, 10_000);
  const { report } = await diagnose(env, timeoutMs);
  process.stdout.write((flags.json ? JSON.stringify(report, null, 2) : renderDoctor(report)) + '\n');
  return report.ok ? 0 : 1;
}
