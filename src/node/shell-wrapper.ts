import { basename } from 'node:path';

/**
 * The shells whose `-c` command line a gateway may hand a node (`/bin/sh -lc "<cmd>"` from
 * OpenClaw on Linux, `/bin/sh -c` on macOS). Our node unwraps the line to judge it (one
 * allowlisted program, no shell syntax: src/infra/shell-words.ts), then runs the wrapper as sent,
 * so only the inline-command form is understood.
 */
const POSIX_SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh']);
/** Options allowed before the inline command: login (`-l`, `--login`) and `-c` itself. */
const SHORT_CLUSTER = /^-[lc]+$/;

/**
 * The inline command of a shell wrapper argv (`["/bin/sh", "-lc", "echo hi"]` → `"echo hi"`), or
 * null when `argv` is not exactly `<posix shell> [login options] -c <command>` with nothing after
 * the command (positional `$0 $1 …` after it would change what runs).
 */
export function shellWrapperPayload(argv: readonly string[]): string | null {
  const shell = argv[0];
  if (shell === undefined || !POSIX_SHELLS.has(basename(shell))) return null;
  let hasC = false;
  let i = 1;
  for (; i < argv.length && !hasC; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--login') continue;
    if (!SHORT_CLUSTER.test(arg)) return null;
    hasC = arg.includes('c');
  }
  if (!hasC || i !== argv.length - 1) return null;
  return argv[i] as string;
}

/**
 * An argv as one line, quoting only words with whitespace or `"` (OpenClaw's `commandText`:
 * `/bin/sh -lc "echo hi"`, assistant.md 8.3).
 */
export function formatExecCommand(argv: readonly string[]): string {
  return argv.map((arg) => (arg.length === 0 ? '""' : /\s|"/.test(arg) ? `"${arg.replace(/"/g, '\\"')}"` : arg)).join(' ');
}
