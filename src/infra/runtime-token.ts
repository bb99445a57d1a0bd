import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded default's credential: when no secret is configured on a loopback gateway, each
 * run generates a token that lives only in memory and in this 0600 file, which the local
 * `farclaw` CLI (same user, same state dir) reads. Browsers and remote peers cannot see it, and
 * it dies with the process.
 */
export const runtimeTokenPath = (stateDir: string): string => join(stateDir, 'gateway', 'runtime-token');

export const generateRuntimeToken = (): string => randomBytes(32).toString('base64url');

/** Writes the token file (0600); call only while holding the state-dir lock. */
export function writeRuntimeToken(stateDir: string, token: string): { token: string; path: string } {
  const path = runtimeTokenPath(stateDir);
  mkdirSync(join(stateDir, 'gateway'), { recursive: true, mode: 0o700 });
  rmSync(path, { force: true });
  writeFileSync(path, token + '\n', { mode: 0o600, flag: 'wx' });
  return { token, path };
}

export function readRuntimeToken(stateDir: string): string | undefined {
  try {
    return readFileSync(runtimeTokenPath(stateDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function removeRuntimeToken(stateDir: string, token: string): void {
  // Only remove our own: a newer gateway on the same state dir cannot exist (lock), but be safe.
  if (readRuntimeToken(stateDir) === token) rmSync(runtimeTokenPath(stateDir), { force: true });
}
