import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.js';
import { removeFile } from './remove-file.js';

/**
 * Where the running gateway listens, published beside its runtime token (same directory, same
 * 0600 mode) so that a local CLI finds a gateway started on any port, and a refused second start
 * can say which one is running. Removed on stop; a file left by a killed gateway is ignored
 * because its pid is gone.
 */
export interface RuntimeEndpoint {
  pid: number;
  port: number;
  /** `ws` or `wss`. */
  scheme: 'ws' | 'wss';
}

export const runtimeEndpointPath = (stateDir: string): string => join(stateDir, 'gateway', 'runtime-endpoint.json');

/** Writes the endpoint file (0600); call only while holding the state-dir lock. */
export function writeRuntimeEndpoint(stateDir: string, endpoint: RuntimeEndpoint): string {
  const path = runtimeEndpointPath(stateDir);
  mkdirSync(join(stateDir, 'gateway'), { recursive: true, mode: 0o700 });
  removeFile(path);
  writeFileSync(path, JSON.stringify(endpoint) + '\n', { mode: 0o600, flag: 'wx' });
  return path;
}

/** The published endpoint of a live gateway on this state dir, or undefined. */
export function readRuntimeEndpoint(stateDir: string): RuntimeEndpoint | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(runtimeEndpointPath(stateDir), 'utf8'));
  } catch {
    return undefined;
  }
  const e = raw as Partial<RuntimeEndpoint> | null;
  if (!e || !Number.isInteger(e.pid) || !Number.isInteger(e.port) || (e.scheme !== 'ws' && e.scheme !== 'wss')) return undefined;
  const endpoint = { pid: e.pid as number, port: e.port as number, scheme: e.scheme };
  if (endpoint.port < 1 || endpoint.port > 65535 || !isProcessAlive(endpoint.pid)) return undefined;
  return endpoint;
}

/** Removes the file if it is still ours (the pid matches). */
export function removeRuntimeEndpoint(stateDir: string, pid: number): void {
  if (readRuntimeEndpoint(stateDir)?.pid === pid) removeFile(runtimeEndpointPath(stateDir));
}
