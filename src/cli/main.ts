import { CommanderError, type Command } from 'commander';
import { StartupError } from '../gateway/startup/startup-error.js';
import { CliError, hasFixLine } from './cli-error.js';
import { ProfileError, applyRootProfileOptions } from '../infra/profile.js';
import { buildGatewayRunProgram, isGatewayRun } from './gateway-run-command.js';

/** `farclaw <command> --help` for the command in argv (its first words before any option). */
function helpCommand(argv: string[]): string {
  const words: string[] = [];
  for (const a of argv.slice(2)) {
    if (a.startsWith('-') || words.length === 2) break;
    words.push(a);
  }
  return ['farclaw', ...words, '--help'].join(' ');
}

function printError(err: unknown, json: boolean, argv: string[]): number {
  if (err instanceof CliError) {
    // Every failure ends with the command that fixes it (cli-error.ts); a usage error without a
    // more specific fix gets the command's own help.
    const message = hasFixLine(err.message) ? err.message : `${err.message}\nFix: ${helpCommand(argv)} (shows the accepted options and values)`;
    if (json && err.json) {
      process.stdout.write(JSON.stringify({ ok: false, error: err.json, ...err.extras }, null, 2) + '\n');
      if (err.stderrToo) process.stderr.write(message + '\n');
    } else {
      process.stderr.write(message + '\n');
    }
    return err.exitCode;
  }
  if (err instanceof StartupError) {
    process.stderr.write(err.message + '\n');
    return err.exitCode;
  }
  const verbose = process.argv.includes('--verbose');
  process.stderr.write(`farclaw: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return 1;
}

/** CLI entry: parses argv, runs the command, returns the exit code. Never throws. */
export async function main(rawArgv: string[], rawEnv: NodeJS.ProcessEnv = process.env): Promise<number> {
  let argv: string[];
  let env: NodeJS.ProcessEnv;
  try {
    ({ argv, env } = applyRootProfileOptions(rawArgv, rawEnv));
  } catch (err) {
    if (!(err instanceof ProfileError)) throw err;
    process.stderr.write(err.message + '\n');
    return 2;
  }
  let pending: Promise<number> | undefined;
  const setExit = (p: Promise<number>): void => void (pending = p);
  // `gateway run` builds only its own command: the gateway then never reads the rest of the CLI
  // (dist/chunks), which would stay resident for the life of the process (issue 13: idle RSS).
  const program: Command = isGatewayRun(argv)
    ? buildGatewayRunProgram(setExit, env)
    : (await import('./program.js')).buildProgram(setExit, env);
  const json = argv.includes('--json');
  try {
    await program.parseAsync(argv);
    return pending ? await pending : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'commander.executeSubCommandAsync') return 1;
      return err.exitCode === 0 ? 0 : 1;
    }
    return printError(err, json, argv);
  }
}
