import { Command } from 'commander';
import { farclawVersion } from '../infra/version.js';

/**
 * The `farclaw` root command with its options and output rules, before any subcommand is added.
 * Commander copies these settings to each subcommand when it is created, so every command added
 * to it afterwards prints errors the same way.
 */
export function createRootProgram(): Command {
  return new Command('farclaw')
    .description('An OpenClaw-compatible gateway with first-class remote access')
    .version(farclawVersion(), '-V, --version')
    .option('--profile <name>', 'use ~/.farclaw-<name> and its own port')
    .option('--dev', 'shorthand for the dev profile on port 19001')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.replace(/^error: unknown option '([^']+)'.*$/m, 'farclaw does not recognize option "$1".')),
    });
}
