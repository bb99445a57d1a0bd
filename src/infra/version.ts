import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** farclaw's own version, from package.json (two levels above dist/src/infra). */
export function farclawVersion(): string {
  if (cached) return cached;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    cached = pkg.version ?? '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
