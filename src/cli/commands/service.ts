import { homedir } from 'node:os';
import { basename } from 'node:path';
import { readEnv } from '../../infra/env.js';
import { EnvFileError } from '../../service/env-file.js';
import {
  isServiceInstalled, removeService, runServiceAction, ServiceManagerUnavailable, servicePaths, writeService,
  type ServiceAction, type ServicePaths,
} from '../../service/service-manager.js';
import type { ServiceSpec } from '../../service/unit-files.js';
import { CliError } from '../cli-error.js';
import { loadCliConfig } from '../rpc.js';
import { EXIT_FATAL, routeOf } from './tunnel.js';

export type ServiceKind = 'gateway' | 'tunnel';

export interface InstallFlags {
  port?: string;
  token?: string;
  password?: string;
}

const fail = (message: string): CliError => new CliError(message, 1, { type: 'cli_error', message });

/** `gateway` / `tunnel`, suffixed with the profile so profiles get separate services. */
function serviceName(kind: ServiceKind, env: NodeJS.ProcessEnv): string {
  const profile = env.FARCLAW_PROFILE?.trim();
  return profile ? `${kind}-${profile}` : kind;
}

function pathsFor(kind: ServiceKind, env: NodeJS.ProcessEnv): ServicePaths {
  try {
    return servicePaths(serviceName(kind, env), env);
  } catch (err) {
    if (err instanceof ServiceManagerUnavailable) {
      throw fail(`${err.message}\nFix: run it in the foreground instead: farclaw ${kind === 'gateway' ? 'gateway run' : 'tunnel up --foreground'}`);
    }
    throw err;
  }
}

/** The service environment: credentials and the variables that locate state and config. */
function serviceEnv(flags: InstallFlags, env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  const token = flags.token ?? readEnv('GATEWAY_TOKEN', env);
  const password = flags.password ?? readEnv('GATEWAY_PASSWORD', env);
  if (token !== undefined) vars.FARCLAW_GATEWAY_TOKEN = token;
  if (password !== undefined) vars.FARCLAW_GATEWAY_PASSWORD = password;
  for (const name of ['STATE_DIR', 'CONFIG_PATH', 'PROFILE', 'SSH_CONFIG']) {
    const value = env[`FARCLAW_${name}`];
    if (value) vars[`FARCLAW_${name}`] = value;
  }
  return vars;
}

function specFor(kind: ServiceKind, flags: InstallFlags, paths: ServicePaths, env: NodeJS.ProcessEnv): ServiceSpec {
  const cli = process.argv[1] ?? '';
  const command =
    kind === 'gateway'
      ? [process.execPath, cli, 'gateway', 'run', ...(flags.port !== undefined ? ['--port', flags.port] : [])]
      : [process.execPath, cli, 'tunnel', 'up', '--foreground'];
  return {
    name: serviceName(kind, env), description: kind === 'gateway' ? 'farclaw gateway' : 'farclaw SSH tunnel to the remote gateway',
    command, envFile: paths.envFile, workingDir: homedir(), noRestartExitCode: EXIT_FATAL,
  };
}

/** Tries a manager action; returns a note instead of failing when no manager is reachable. */
function tryAction(action: ServiceAction, paths: ServicePaths, env: NodeJS.ProcessEnv): string | null {
  try {
    runServiceAction(action, paths, env);
    return null;
  } catch (err) {
    if (err instanceof ServiceManagerUnavailable) return err.message;
    throw fail(`${(err as Error).message}\nFix: ${managerFix(paths)}`);
  }
}

const managerName = (p: ServicePaths): string => (p.manager === 'systemd' ? 'systemctl --user' : 'launchctl');

/** Where the service manager tells why it refused (the unit's own status and log). */
const managerFix = (p: ServicePaths): string =>
  p.manager === 'systemd' ? `read why in: systemctl --user status ${basename(p.unitPath)}` : `read why in: launchctl print gui/$(id -u)/${basename(p.unitPath, '.plist')}`;

/** `farclaw gateway|tunnel install`: writes the unit and its 0600 env file, then enables it. */
export async function runServiceInstall(kind: ServiceKind, flags: InstallFlags, env: NodeJS.ProcessEnv): Promise<number> {
  if (kind === 'tunnel') routeOf(loadCliConfig(env).loaded, env);
  const paths = pathsFor(kind, env);
  const spec = specFor(kind, flags, paths, env);
  try {
    writeService(spec, paths, serviceEnv(flags, env));
  } catch (err) {
    if (err instanceof EnvFileError) throw fail(`${err.message}\nFix: choose a token or password without quotes or line breaks and pass it with --token / --password`);
    throw err;
  }
  const lines = [`Installed ${paths.displayName}`, `  unit: ${paths.unitPath}`, `  environment (0600, credentials): ${paths.envFile}`];
  const note = tryAction('enable', paths, env);
  if (note === null) lines.push(`Enabled; start it now with: farclaw ${kind === 'gateway' ? 'gateway start' : 'tunnel up'}`);
  else lines.push(`Not enabled: ${managerName(paths)} is not available (${note}). Enable it in a user session with: ${paths.manager === 'systemd' ? `systemctl --user enable --now ${paths.displayName}` : `launchctl bootstrap gui/$(id -u) ${paths.unitPath}`}`);
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

/** `farclaw gateway|tunnel uninstall`: stops and disables the service (when possible) and removes its files. */
export async function runServiceUninstall(kind: ServiceKind, env: NodeJS.ProcessEnv): Promise<number> {
  const paths = pathsFor(kind, env);
  if (!isServiceInstalled(paths)) {
    removeService(paths);
    process.stdout.write(`${paths.displayName} is not installed.\n`);
    return 0;
  }
  tryAction('stop', paths, env);
  tryAction('disable', paths, env);
  removeService(paths);
  process.stdout.write(`Removed ${paths.displayName} and its environment file.\n`);
  return 0;
}

/** `farclaw gateway start|stop|restart`: asks the service manager; a clear error when there is none. */
export async function runServiceControl(kind: ServiceKind, action: 'start' | 'stop' | 'restart', env: NodeJS.ProcessEnv): Promise<number> {
  const paths = pathsFor(kind, env);
  if (!isServiceInstalled(paths)) throw fail(`${paths.displayName} is not installed.\nFix: farclaw ${kind} install`);
  try {
    runServiceAction(action, paths, env);
  } catch (err) {
    if (err instanceof ServiceManagerUnavailable) {
      throw fail(`Cannot ${action} ${paths.displayName}: ${managerName(paths)} is not available (${err.message}).\nFix: run it in the foreground instead: farclaw ${kind === 'gateway' ? 'gateway run' : 'tunnel up --foreground'}`);
    }
    throw fail(`${(err as Error).message}\nFix: ${managerFix(paths)}`);
  }
  process.stdout.write(`${action === 'stop' ? 'Stopped' : action === 'start' ? 'Started' : 'Restarted'} ${paths.displayName}.\n`);
  return 0;
}

/** Whether the `kind` service is installed here, for status output; null when no manager exists. */
export function installedService(kind: ServiceKind, env: NodeJS.ProcessEnv): { installed: boolean; name: string; unitPath: string } | null {
  try {
    const paths = servicePaths(serviceName(kind, env), env);
    return { installed: isServiceInstalled(paths), name: paths.displayName, unitPath: paths.unitPath };
  } catch (err) {
    if (err instanceof ServiceManagerUnavailable) return null;
    throw err;
  }
}
