import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunningGateway } from './gateway-process.js';
import { REPO_ROOT } from './paths.js';
import { waitFor } from './wait-for.js';

const PRELOAD = join(REPO_ROOT, 'dist', 'test', 'helpers', 'loaded-modules-preload.js');

/** What a process has loaded: files read by the ES module loader, and Node's built-in modules. */
export interface LoadedModules {
  /** Absolute paths of the files (node:* and data: URLs left out). */
  files: string[];
  /** `process.moduleLoadList` entries, e.g. `NativeModule readline`. */
  builtins: string[];
  /** How many of `builtins` were loaded when V8's flags first changed; undefined if they never did. */
  builtinsAtFlagChange: number | undefined;
}

/** Records the modules one gateway process loads (see loaded-modules-preload.ts). */
export interface ModuleRecorder {
  /** Pass as `startGateway({ nodeArgs, env })`. */
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  /** What `gw` has loaded so far. */
  read(gw: RunningGateway): Promise<LoadedModules>;
  dispose(): void;
}

export function moduleRecorder(): ModuleRecorder {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-test-modules-'));
  const file = join(dir, 'loaded.json');
  let reads = 0;
  return {
    nodeArgs: [`--import=${pathToFileURL(PRELOAD).href}`],
    env: { LOADED_MODULES_FILE: file },
    async read(gw) {
      reads += 1;
      gw.proc.kill('SIGUSR2');
      await waitFor('the gateway to write what it loaded', () => gw.stderr().split('[loaded-modules] written').length > reads, 60_000);
      const { urls, builtins, builtinsAtFlagChange } = JSON.parse(readFileSync(file, 'utf8')) as { urls: string[]; builtins: string[]; builtinsAtFlagChange?: number };
      return { files: urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)), builtins, builtinsAtFlagChange };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
