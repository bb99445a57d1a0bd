import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunningGateway } from './gateway-process.js';
import { REPO_ROOT } from './paths.js';
import { waitFor } from './wait-for.js';

const PRELOAD = join(REPO_ROOT, 'dist', 'test', 'helpers', 'test-clock-preload.js');

/** The controls of a gateway process's shifted `Date.now()` (see test-clock-preload.ts). */
export interface TestClock {
  /** Pass as `startGateway({ nodeArgs, env })`. */
  nodeArgs: string[];
  env: NodeJS.ProcessEnv;
  /** Sets the gateway's clock to real time + `offsetMs`, and resolves once it took effect. */
  setOffset(gw: RunningGateway, offsetMs: number): Promise<void>;
  dispose(): void;
}

/** A clock for one gateway process that a test can move forward (and back) at will. */
export function testClock(): TestClock {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-test-clock-'));
  const file = join(dir, 'offset.json');
  let seq = 0;
  return {
    nodeArgs: [`--import=${pathToFileURL(PRELOAD).href}`],
    env: { TEST_CLOCK_FILE: file },
    async setOffset(gw, offsetMs) {
      seq += 1;
      writeFileSync(file, JSON.stringify({ seq, offsetMs }));
      gw.proc.kill('SIGUSR2');
      const ack = `[test-clock] seq=${seq} offsetMs=${offsetMs}\n`;
      await waitFor(`the gateway's clock to move to +${offsetMs} ms`, () => gw.stderr().includes(ack));
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
