import type { Command } from 'commander';
import { runTunnelDown, runTunnelStatus, runTunnelUp, type TunnelUpFlags } from './commands/tunnel.js';
import { runServiceControl, runServiceInstall, runServiceUninstall, type InstallFlags } from './commands/service.js';

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
  tunnel
    .command('install')
    .description('install the tunnel as an always-on user service (systemd on Linux, LaunchAgent on macOS)')
    .option('--token <token>', 'gateway token for the health probes (stored in a 0600 environment file)')
    .option('--password <password>', 'gateway password for the health probes (stored in a 0600 environment file)')
    .action((opts: InstallFlags) => setExit(runServiceInstall('tunnel', opts, env)));
  tunnel.command('uninstall').description('stop and remove the tunnel service').action(() => setExit(runServiceUninstall('tunnel', env)));
  return tunnel;
}

/** `farclaw gateway install|uninstall|start|stop|restart`: the always-on gateway service. */
export function registerGatewayServiceCommands(gateway: Command, setExit: (code: Promise<number>) => void, env: NodeJS.ProcessEnv): void {
  gateway
    .command('install')
    .description('install the gateway as an always-on user service (systemd on Linux, LaunchAgent on macOS)')
    .option('--port <port>', 'port for the service to listen on')
    .option('--token <token>', 'shared token (stored in a 0600 environment file, never in the unit)')
    .option('--password <password>', 'shared password (stored in a 0600 environment file, never in the unit)')
    .action((opts: InstallFlags) => setExit(runServiceInstall('gateway', opts, env)));
  gateway.command('uninstall').description('stop and remove the gateway service').action(() => setExit(runServiceUninstall('gateway', env)));
  for (const action of ['start', 'stop', 'restart'] as const) {
    gateway.command(action).description(`${action} the installed gateway service`).action(() => setExit(runServiceControl('gateway', action, env)));
  }
}
