import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** Lookups are kept this long: `system.which` is asked often and PATH rarely changes. */
const CACHE_TTL_MS = 60_000;

/** Resolves executable names on a PATH, like `which`, with a short-lived cache. */
export class ExecutableFinder {
  private readonly cache = new Map<string, { path: string | null; at: number }>();

  constructor(private readonly pathEnv: string, private readonly now: () => number = Date.now) {}

  /** The absolute path of `name` (a bare name or an absolute path), or null when not executable. */
  find(name: string): string | null {
    const hit = this.cache.get(name);
    const now = this.now();
    if (hit && now - hit.at < CACHE_TTL_MS) return hit.path;
    const path = this.lookup(name);
    this.cache.set(name, { path, at: now });
    return path;
  }

  private lookup(name: string): string | null {
    if (name === '' || name.includes('\0')) return null;
    if (isAbsolute(name)) return isExecutableFile(name) ? name : null;
    if (name.includes('/')) return null;
    for (const dir of this.pathEnv.split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
    return null;
  }
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `system.which {bins:[…]}` → `{bins:{name: path}}` for the names found (protocol.md 9.2 capture). */
export function systemWhich(finder: ExecutableFinder, params: unknown): { bins: Record<string, string> } {
  const bins = (params as { bins?: unknown } | null)?.bins;
  if (!Array.isArray(bins) || !bins.every((b) => typeof b === 'string')) {
    throw new CommandError('INVALID_PARAMS', 'system.which needs {"bins": ["name", …]}');
  }
  const found: Record<string, string> = {};
  for (const name of bins as string[]) {
    const path = finder.find(name);
    if (path !== null) found[name] = path;
  }
  return { bins: found };
}

/** A command failure reported to the gateway as `error: {code, message}`. */
export class CommandError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
