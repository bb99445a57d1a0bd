import { Option, type Command } from 'commander';
import type { RunFlags } from '../gateway/startup/plan.js';
import { keepYoungGenerationSmall } from '../infra/heap-tuning.js';
import { createRootProgram } from './program-root.js';

/** `farclaw gateway`: the parent of `run`, `call`, `health`… */
export function addGatewayCommand(program: Command): Command {
  return program.command('gateway').description('run and talk to a gateway');
}

/**
 * `farclaw gateway run`: the one definition of its flags, used by the whole command tree and by
 * the gateway-only program below alike. The gateway itself loads when the command runs, so no
 * other command reads it.
 */
export function addGatewayRunCommand(gateway: Command, setExit: (code: Promise<number>) => void, env: NodeJS.ProcessEnv): Command {
  return gateway
    .command('run')
    .description('run the gateway in the foreground')
    .option('--port <port>', 'port for WebSocket and HTTP (default 18789)')
    .addOption(new Option('--bind <mode>', 'loopback | lan | tailnet | auto | custom'))
    .addOption(new Option('--auth <mode>', 'none | token | password | trusted-proxy'))
    .option('--token <token>', 'shared token clients must present')
    .option('--password <password>', 'shared password (prefer --password-file)')
    .option('--password-file <path>', 'read the shared password from a file')
    .option('--tailscale <mode>', 'off | serve | funnel')
    .option('--allow-unconfigured', 'start even if the config lacks gateway.mode=local')
    .action((opts: RunFlags) => {
      // Before the gateway's code loads: compiling it would otherwise grow the young generation
      // once, for good (heap-tuning.ts).
      keepYoungGenerationSmall();
      setExit(import('./commands/gateway-run.js').then(({ runGateway }) => runGateway(opts, env)));
    });
}

/**
 * Whether argv (root profile options already consumed) is `gateway run …`: the one command a
 * long-lived process runs, so it skips building the rest of the command tree (issue 13: idle
 * RSS). Anything else, `farclaw gateway --help` and `farclaw help gateway run` included, goes
 * through the whole tree.
 */
export function isGatewayRun(argv: readonly string[]): boolean {
  return argv[2] === 'gateway' && argv[3] === 'run';
}

/**
 * The root command with only `gateway` and its `run` under it: parses, helps and refuses
 * exactly as the whole tree does for `gateway run`, since both are built by the same functions.
 */
export function buildGatewayRunProgram(setExit: (code: Promise<number>) => void, env: NodeJS.ProcessEnv): Command {
  const program = createRootProgram();
  addGatewayRunCommand(addGatewayCommand(program), setExit, env);
  return program;
}
