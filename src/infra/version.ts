import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * farclaw's own version, from the nearest package.json named `farclaw` above this module
 * (the module may run from dist/src/infra or from the bundle in dist/).
 */
export function farclawVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'farclaw' && pkg.version) return (cached = pkg.version);
    } catch {
      // no package.json here: keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
