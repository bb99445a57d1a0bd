import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway HOME with a farclaw state dir; `dispose()` removes it. */
export interface TmpHome {
  home: string;
  stateDir: string;
  configPath: string;
  /** Environment for a child process that must see only this home. */
  env: NodeJS.ProcessEnv;
  writeConfig(config: unknown): void;
  dispose(): void;
}

/** Creates a fresh HOME; the process env is copied minus every FARCLAW_ and OPENCLAW_ variable. */
export function tmpHome(prefix = 'farclaw-test-'): TmpHome {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const stateDir = join(home, '.farclaw');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const configPath = join(stateDir, 'farclaw.json');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('FARCLAW_') && !k.startsWith('OPENCLAW_')) env[k] = v;
  }
  env.HOME = home;
  return {
    home,
    stateDir,
    configPath,
    env,
    writeConfig(config) {
      writeFileSync(configPath, JSON.stringify(config, null, 2), { mode: 0o600 });
    },
    dispose() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}
