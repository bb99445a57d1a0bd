import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { readEnv } from './env.js';

/** Where config and state live for one invocation. */
export interface FarclawPaths {
  stateDir: string;
  configPath: string;
  logDir: string;
  dbPath: string;
}

const expandHome = (p: string, env: NodeJS.ProcessEnv): string =>
  p === '~' || p.startsWith('~/') ? join(env.HOME ?? homedir(), p.slice(1)) : p;

/**
 * `FARCLAW_STATE_DIR` (default `~/.farclaw`) and `FARCLAW_CONFIG_PATH`
 * (default `<stateDir>/farclaw.json`).
 */
export function resolvePaths(env: NodeJS.ProcessEnv = process.env): FarclawPaths {
  const home = env.HOME ?? homedir();
  const stateDirRaw = readEnv('STATE_DIR', env);
  const stateDir = resolve(stateDirRaw ? expandHome(stateDirRaw, env) : join(home, '.farclaw'));
  const configRaw = readEnv('CONFIG_PATH', env);
  const configPath = resolve(configRaw ? expandHome(configRaw, env) : join(stateDir, 'farclaw.json'));
  return { stateDir, configPath, logDir: join(stateDir, 'logs'), dbPath: join(stateDir, 'farclaw.sqlite') };
}

/** `~`-shortened path for human output. */
export function displayPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME ?? homedir();
  return home && p.startsWith(home + '/') ? '~' + p.slice(home.length) : p;
}
