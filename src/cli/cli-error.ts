/**
 * The one format every CLI failure is printed in (issue 19.4):
 *
 *     <what failed>: <the immediate reason>
 *     Why: <the cause, when the first line does not already say it>
 *     Fix: <the command (or config edit) that fixes it>
 *     Gateway target: … / Source: … / Config: …   (context, when a gateway was involved)
 *
 * The first line is always what failed; exactly one `Fix:` line is always there.
 */
export interface FailureReport {
  /** What failed, with its immediate reason (`Health check failed: connect ECONNREFUSED …`). */
  failed: string;
  /** The cause, when the first line does not already say it. */
  why?: string;
  /** The command or config edit that fixes it. */
  fix: string;
  /** Context lines printed after the fix (`Gateway target: ws://…`). */
  context?: string[];
}

/** The fix when the CLI cannot tell which hop broke: the doctor checks them all. */
export const DOCTOR_FIX = 'farclaw doctor (checks each hop to the gateway and prints the command that fixes the first broken one)';

/** Renders a failure in the CLI's one format (see FailureReport). */
export function formatFailure(r: FailureReport): string {
  return [r.failed, ...(r.why ? [`Why: ${r.why}`] : []), `Fix: ${r.fix}`, ...(r.context ?? [])].join('\n');
}

/** Whether a printed failure already names its fix (a line starting `Fix: `). */
export function hasFixLine(message: string): boolean {
  return /^Fix: /m.test(message);
}

/**
 * Puts `failed` (what the command was doing) in front of an existing multi-line message that
 * already follows the format (first line the reason, maybe `Why:`/`Fix:`/context lines), and adds
 * `Fix: <fallback>` when it has none. An empty `failed` adds no prefix.
 * @example withFailurePrefix('Health check failed', 'connect ECONNREFUSED 127.0.0.1:1')
 *   // 'Health check failed: connect ECONNREFUSED 127.0.0.1:1\nFix: farclaw doctor (…)'
 */
export function withFailurePrefix(failed: string, message: string, fallbackFix = DOCTOR_FIX): string {
  const [first = '', ...rest] = message.split('\n');
  const why = rest.filter((l) => l.startsWith('Why: ')).map((l) => l.slice(5));
  const fix = rest.find((l) => l.startsWith('Fix: '))?.slice(5);
  // Lines that continue the fix (e.g. "then …") stay right after it; the rest is context.
  const fixAt = rest.findIndex((l) => l.startsWith('Fix: '));
  const context = rest.filter((l, i) => !l.startsWith('Why: ') && i !== fixAt);
  const report: FailureReport = { failed: failed === '' || first.startsWith(failed) ? first : `${failed}: ${first}`, fix: fix ?? fallbackFix, context };
  if (why.length > 0) report.why = why.join(' ');
  return formatFailure(report);
}

/** A failure the CLI reports as one or more plain lines and an exit code; never a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Machine-readable `error` object for `--json` output. */
    readonly json?: Record<string, unknown>,
    /** Top-level keys printed beside `error` with `--json` (e.g. `gateway: {url, urlSource}`). */
    readonly extras?: Record<string, unknown>,
    /** With `--json`, still print the human message on stderr (the real CLI does for refusals). */
    readonly stderrToo = false,
  ) {
    super(message);
    this.name = 'CliError';
  }

  /** This error with `failed` in front and a `Fix:` line guaranteed (withFailurePrefix); same exit code and JSON. */
  prefixed(failed: string, fallbackFix = DOCTOR_FIX): CliError {
    return new CliError(withFailurePrefix(failed, this.message, fallbackFix), this.exitCode, this.json, this.extras, this.stderrToo);
  }
}
