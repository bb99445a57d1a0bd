import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolvePaths } from '../infra/paths.js';
import { writeEnvFile } from './env-file.js';
import { launchAgentPlist, launchdLabel, systemdUnit, systemdUnitName, type ServiceSpec } from './unit-files.js';

/** Where one service's files live on this machine. */
export interface ServicePaths {
  manager: 'systemd' | 'launchd';
  unitPath: string;
  envFile: string;
  logPath: string;
  /** What a person calls it: `farclaw-gateway.service` / `ai.farclaw.gateway`. */
  displayName: string;
}

/** The platform has no supported service manager, or it cannot be reached. */
export class ServiceManagerUnavailable extends Error {}

/** Paths of the `name` service (`gateway`, `tunnel`); throws on platforms other than Linux/macOS. */
export function servicePaths(name: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): ServicePaths {
  const { stateDir, logDir } = resolvePaths(env);
  const home = env.HOME ?? '';
  const envFile = join(stateDir, 'service', `${name}.env`);
  const logPath = join(logDir, `${name}.service.log`);
  if (platform === 'linux') {
    const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
    const unit = systemdUnitName({ name });
    return { manager: 'systemd', unitPath: join(configHome, 'systemd', 'user', unit), envFile, logPath, displayName: unit };
  }
  if (platform === 'darwin') {
    const label = launchdLabel({ name });
    return { manager: 'launchd', unitPath: join(home, 'Library', 'LaunchAgents', `${label}.plist`), envFile, logPath, displayName: label };
  }
  throw new ServiceManagerUnavailable(`farclaw services need systemd (Linux) or launchd (macOS); this is ${platform}`);
}

/** Writes the env file (0600) and the unit (0644, no secrets in it). */
export function writeService(spec: ServiceSpec, paths: ServicePaths, envVars: Record<string, string>): void {
  writeEnvFile(paths.envFile, envVars);
  mkdirSync(dirname(paths.unitPath), { recursive: true });
  mkdirSync(dirname(paths.logPath), { recursive: true, mode: 0o700 });
  const content = paths.manager === 'systemd' ? systemdUnit(spec) : launchAgentPlist(spec, paths.logPath);
  writeFileSync(paths.unitPath, content, { mode: 0o644 });
}

/** Removes the unit and its env file; false when neither existed. */
export function removeService(paths: ServicePaths): boolean {
  const existed = existsSync(paths.unitPath) || existsSync(paths.envFile);
  rmSync(paths.unitPath, { force: true });
  rmSync(paths.envFile, { force: true });
  return existed;
}

export const isServiceInstalled = (paths: ServicePaths): boolean => existsSync(paths.unitPath);

export type ServiceAction = 'enable' | 'disable' | 'start' | 'stop' | 'restart';

function tool(names: string[]): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  }
  return undefined;
}

/**
 * Runs `systemctl --user …` or `launchctl …` for the service. `FARCLAW_SERVICE_MANAGER=none`
 * (image builds, tests) means "write files only". Throws ServiceManagerUnavailable when the
 * manager is missing or unreachable (no user session bus), Error when it refused the action.
 */
export function runServiceAction(action: ServiceAction, paths: ServicePaths, env: NodeJS.ProcessEnv): void {
  if (env.FARCLAW_SERVICE_MANAGER === 'none') throw new ServiceManagerUnavailable('FARCLAW_SERVICE_MANAGER=none');
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000 });
    if (r.error) throw new ServiceManagerUnavailable(`${cmd}: ${r.error.message}`);
    if (r.status === 0) return;
    const why = (r.stderr || r.stdout).trim().split('\n')[0] ?? '';
    if (/Failed to connect to bus|No medium found|not been booted with systemd|System has not been booted|Could not find domain/i.test(why)) {
      throw new ServiceManagerUnavailable(why);
    }
    throw new Error(`${cmd} ${args.join(' ')} failed: ${why || `exit ${String(r.status)}`}`);
  };
  if (paths.manager === 'systemd') {
    const systemctl = tool(['systemctl']);
    if (!systemctl) throw new ServiceManagerUnavailable('systemctl not found');
    if (action === 'enable' || action === 'disable') run(systemctl, ['--user', 'daemon-reload']);
    run(systemctl, ['--user', action, paths.displayName]);
    return;
  }
  const launchctl = tool(['launchctl']);
  if (!launchctl) throw new ServiceManagerUnavailable('launchctl not found');
  const domain = `gui/${process.getuid?.() ?? 0}`;
  const service = `${domain}/${paths.displayName}`;
  if (action === 'enable' || action === 'start') run(launchctl, ['bootstrap', domain, paths.unitPath]);
  else if (action === 'disable' || action === 'stop') run(launchctl, ['bootout', service]);
  else run(launchctl, ['kickstart', '-k', service]);
}
