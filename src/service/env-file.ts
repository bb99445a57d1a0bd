import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../infra/atomic-write.js';

/** A value the env file cannot hold safely (for both systemd and `sh`). */
export class EnvFileError extends Error {}

/**
 * `KEY='value'` lines that systemd's EnvironmentFile and `sh`'s `.` both read the same way.
 * Values with a single quote, a newline or a NUL are refused rather than escaped differently
 * for the two readers.
 */
export function renderEnvFile(vars: Record<string, string>): string {
  const lines = ['# Written by farclaw; holds credentials: keep it mode 0600.'];
  for (const [key, value] of Object.entries(vars)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key)) throw new EnvFileError(`invalid environment variable name ${JSON.stringify(key)}`);
    if (/['\n\r\0]/.test(value)) throw new EnvFileError(`${key} contains a quote or line break, which the service environment file cannot hold`);
    lines.push(`${key}='${value}'`);
  }
  return lines.join('\n') + '\n';
}

/** Writes the env file atomically with mode 0600 (directory 0700). */
export function writeEnvFile(path: string, vars: Record<string, string>): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, renderEnvFile(vars), { mode: 0o600 });
}
