import { existsSync, readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { tailnetIPv4 } from '../../infra/interfaces.js';
import { StartupError } from './startup-error.js';

export type BindMode = 'loopback' | 'lan' | 'tailnet' | 'auto' | 'custom';

/** Where the gateway listens (remote-access.md 4). */
export interface BindPlan {
  mode: BindMode;
  /** The host the mode resolved to; decides whether auth is mandatory. */
  resolvedHost: string;
  hosts: string[];
  /** Hosts whose bind failure is tolerated (::1 on machines without IPv6). */
  optionalHosts: Set<string>;
}

const LOOPBACK: Pick<BindPlan, 'hosts' | 'optionalHosts'> = { hosts: ['127.0.0.1', '::1'], optionalHosts: new Set(['::1']) };

/** Container detection as the real gateway does it (remote-access.md 0, `auto`). */
export function isContainer(env: NodeJS.ProcessEnv = process.env): boolean {
  if (['/.dockerenv', '/run/.containerenv', '/var/run/.containerenv'].some((f) => existsSync(f))) return true;
  if (env.FLY_APP_NAME || env.FLY_MACHINE_ID) return true;
  try {
    return /docker|containerd|kubepods|lxc/.test(readFileSync('/proc/1/cgroup', 'utf8'));
  } catch {
    return false;
  }
}


export const isLoopbackHost = (host: string): boolean => host === '::1' || host.startsWith('127.') || host === 'localhost';

/** Resolves a bind mode to listen addresses. */
export function resolveBind(mode: BindMode, customBindHost: string | undefined, env: NodeJS.ProcessEnv = process.env): BindPlan {
  switch (mode) {
    case 'loopback':
      return { mode, resolvedHost: '127.0.0.1', ...LOOPBACK };
    case 'lan':
      return { mode, resolvedHost: '0.0.0.0', hosts: ['0.0.0.0'], optionalHosts: new Set() };
    case 'auto':
      return isContainer(env)
        ? { mode, resolvedHost: '0.0.0.0', hosts: ['0.0.0.0'], optionalHosts: new Set() }
        : { mode, resolvedHost: '127.0.0.1', ...LOOPBACK };
    case 'tailnet': {
      const ip = tailnetIPv4();
      return ip
        ? { mode, resolvedHost: ip, hosts: [ip, '127.0.0.1'], optionalHosts: new Set() }
        : { mode, resolvedHost: '127.0.0.1', ...LOOPBACK };
    }
    case 'custom': {
      if (!customBindHost || !isIPv4(customBindHost)) {
        return { mode, resolvedHost: '0.0.0.0', hosts: ['0.0.0.0'], optionalHosts: new Set() };
      }
      const hosts = customBindHost === '0.0.0.0' || customBindHost === '127.0.0.1' ? [customBindHost] : [customBindHost, '127.0.0.1'];
      return { mode, resolvedHost: customBindHost, hosts, optionalHosts: new Set() };
    }
  }
}

/** Errors of `custom` that only apply once auth allowed the bind (remote-access.md 4). */
export function checkCustomBind(plan: BindPlan, customBindHost: string | undefined): void {
  if (plan.mode !== 'custom') return;
  if (!customBindHost) throw new StartupError('gateway.bind=custom requires gateway.customBindHost', 1);
  if (!isIPv4(customBindHost)) throw new StartupError(`gateway.bind=custom requires a valid IPv4 customBindHost (got ${customBindHost})`, 1);
}
