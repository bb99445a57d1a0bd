import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FakeTailscaleScript } from './fake-tailscale-script.js';
import { waitFor } from './wait-for.js';

export type { FakeTailscaleScript, FakeWhois } from './fake-tailscale-script.js';

/** One line of the stand-in's call log. */
export interface TailscaleCall {
  tMs: number;
  pid: number;
  argv: string[];
  /** Ran through `sudo`. */
  sudo: boolean;
  event: 'start' | 'exit' | 'stdout' | 'signal';
  exitCode?: number;
  signal?: string;
  stdout?: string;
  stderr?: string;
}

/** The stand-in's reverse proxy of a running foreground serve/funnel. */
export interface FakeServeProxy {
  port: number;
  pid: number;
  kind: 'serve' | 'funnel';
  target: number;
}

/** A stand-in `tailscale` in its own folder; put `binDir` first on a child's PATH. */
export interface FakeTailscale {
  readonly dir: string;
  readonly binDir: string;
  /** `base` with `binDir` first on PATH. */
  env(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Replaces (merges into) the script; the next call sees it. */
  script(patch: FakeTailscaleScript): void;
  /** Every logged event so far, in order. */
  calls(): TailscaleCall[];
  /** The argv of every started invocation, in order (`tailscale` first, as in the vector). */
  argvs(): string[][];
  /** Waits until a foreground serve/funnel has its proxy listening. */
  proxy(timeoutMs?: number): Promise<FakeServeProxy>;
  dispose(): void;
}

const CLI_JS = join(dirname(fileURLToPath(import.meta.url)), 'fake-tailscale-cli.js');

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Creates a stand-in `tailscale` executable: a shell wrapper that runs fake-tailscale-cli.js with
 * this Node and its folder baked in (so it still finds its script under `sudo`, which resets
 * the environment).
 */
export function fakeTailscale(initial: FakeTailscaleScript = {}): FakeTailscale {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-fake-tailscale-'));
  const binDir = join(dir, 'bin');
  mkdirSync(binDir);
  const wrapper = join(binDir, 'tailscale');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nFAKE_TAILSCALE_DIR=${shellQuote(dir)} exec ${shellQuote(process.execPath)} ${shellQuote(CLI_JS)} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  let current: FakeTailscaleScript = { ...initial };
  const write = () => writeFileSync(join(dir, 'script.json'), JSON.stringify(current));
  write();
  const calls = (): TailscaleCall[] => {
    const file = join(dir, 'calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as TailscaleCall);
  };
  return {
    dir,
    binDir,
    env: (base) => ({ ...base, PATH: [binDir, base.PATH ?? process.env.PATH ?? ''].join(delimiter) }),
    script(patch) {
      const onDisk = JSON.parse(readFileSync(join(dir, 'script.json'), 'utf8')) as FakeTailscaleScript;
      current = { ...onDisk, ...patch };
      write();
    },
    calls,
    argvs: () => calls().filter((c) => c.event === 'start').map((c) => ['tailscale', ...c.argv]),
    async proxy(timeoutMs = 20_000) {
      const file = join(dir, 'proxy.json');
      return await waitFor('the fake tailscale serve proxy', () => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FakeServeProxy) : undefined), timeoutMs);
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
