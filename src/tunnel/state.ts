import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../infra/atomic-write.js';
import { isProcessAlive } from '../infra/process-alive.js';
import type { TunnelSnapshot } from './supervisor.js';

/** The state file of the managed tunnel (`farclaw tunnel up`): where clients find its port. */
export interface ManagedTunnelState extends TunnelSnapshot {
  version: 1;
  /** The `tunnel up` process; the state is stale once it is gone. */
  supervisorPid: number;
}

export const tunnelStatePath = (stateDir: string): string => join(stateDir, 'tunnel', 'tunnel.json');

/** Writes the state atomically (mode 0600). */
export function writeTunnelState(stateDir: string, snapshot: TunnelSnapshot): void {
  mkdirSync(join(stateDir, 'tunnel'), { recursive: true, mode: 0o700 });
  const state: ManagedTunnelState = { version: 1, supervisorPid: process.pid, ...snapshot };
  writeFileAtomic(tunnelStatePath(stateDir), JSON.stringify(state, null, 2) + '\n');
}

/**
 * The managed tunnel's state, or null when there is none or its supervisor is gone (a stale file
 * left by a crash is removed).
 */
export function readTunnelState(stateDir: string): ManagedTunnelState | null {
  let state: ManagedTunnelState;
  try {
    state = JSON.parse(readFileSync(tunnelStatePath(stateDir), 'utf8')) as ManagedTunnelState;
  } catch {
    return null;
  }
  if (state.version !== 1 || typeof state.supervisorPid !== 'number') return null;
  if (!isProcessAlive(state.supervisorPid)) {
    rmSync(tunnelStatePath(stateDir), { force: true });
    return null;
  }
  return state;
}

/** Removes the state file if this process wrote it. */
export function removeTunnelState(stateDir: string): void {
  try {
    const state = JSON.parse(readFileSync(tunnelStatePath(stateDir), 'utf8')) as Partial<ManagedTunnelState>;
    if (state.supervisorPid !== process.pid) return;
  } catch {
    return;
  }
  rmSync(tunnelStatePath(stateDir), { force: true });
}
