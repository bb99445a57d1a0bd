import type { Command } from 'commander';
import { runTunnelDown, runTunnelStatus, runTunnelUp, type TunnelUpFlags } from './commands/tunnel.js';

/** `farclaw tunnel up|down|status`: the managed SSH tunnel (src/tunnel). */
export function registerTunnelCommands(program: Command, setExit: (code: Promise<number>) => void, env: NodeJS.ProcessEnv): Command {
  const tunnel = program.command('tunnel').description('keep an SSH tunnel to the remote gateway up (gateway.remote.sshTarget)');
  tunnel
    .command('up')
    .description('start the managed tunnel (in the background unless --foreground)')
    .option('--foreground', 'run in this process until interrupted')
    .option('--probe-interval <ms>', 'health probe period in milliseconds', '10000')
    .option('--timeout <ms>', 'how long to wait for the background tunnel to come up', '15000')
    .action((opts: TunnelUpFlags) => setExit(runTunnelUp(opts, env)));
  tunnel.command('down').description('stop the managed tunnel').action(() => setExit(runTunnelDown(env)));
  tunnel
    .command('status')
    .description('show target, local port, pid, uptime, last probe and restarts')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => setExit(runTunnelStatus(opts, env)));
  return tunnel;
}
