import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { FARCLAW_BIN } from './paths.js';
import { freePort } from './free-port.js';
import { tmpHome, type TmpHome } from './tmp-home.js';
import { waitFor } from './wait-for.js';
import { killOnExit } from './kill-on-exit.js';

export const TEST_TOKEN = 'tok-0123456789abcdef0123456789';


export interface GatewayOptions {
  /** Config object written to the temp home before start (omit for "no config file"). */
  config?: unknown;
  /** Extra `gateway run` arguments. `--port` is added unless `port` is null. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  home?: TmpHome;
  port?: number | null;
  /** Wait for /readyz (default true). */
  waitReady?: boolean;
  /**
   * A command line to run `node farclaw.js …` under, e.g. a namespace's `ip netns exec <name>`
   * (netns.ts). The gateway's pid stays `proc.pid` as long as the prefix execs its command.
   */
  spawnPrefix?: readonly string[];
  /** Node options before the CLI entry (e.g. `--import` of a test preload). */
  nodeArgs?: readonly string[];
  /**
   * Says whether /readyz answers 200, instead of a fetch from this process, which cannot reach a
   * gateway inside a network namespace (use `NetnsRelay.httpStatus` there).
   */
  isReady?: (port: number) => Promise<boolean>;
}

export interface RunningGateway {
  port: number;
  url: string;
  home: TmpHome;
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM and wait for exit; returns the exit code. Idempotent. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Spawns `farclaw gateway run` as a real process in a temp home. */
export async function startGateway(opts: GatewayOptions = {}): Promise<RunningGateway> {
  const home = opts.home ?? tmpHome();
  if (opts.config !== undefined) home.writeConfig(opts.config);
  const port = opts.port === null ? 0 : (opts.port ?? (await freePort()));
  const args = [
    ...(opts.nodeArgs ?? []), FARCLAW_BIN, 'gateway', 'run', ...(opts.port === null ? [] : ['--port', String(port)]), ...(opts.args ?? []),
  ];
  const [command, ...prefixArgs] = [...(opts.spawnPrefix ?? []), process.execPath];
  const proc = spawn(command ?? process.execPath, [...prefixArgs, ...args], {
    env: { ...home.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
  let exitCode: number | null | undefined;
  void exited.then((c) => (exitCode = c));
  const gw: RunningGateway = {
    port,
    url: `ws://127.0.0.1:${port}`,
    home,
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (exitCode === undefined && proc.exitCode === null) proc.kill(signal);
      const code = await exited;
      if (!opts.home) home.dispose();
      return code;
    },
  };
  const isReady = opts.isReady ?? (async (p: number) => (await fetch(`http://127.0.0.1:${p}/readyz`)).status === 200);
  if (opts.waitReady !== false) {
    try {
      await waitFor(
        `gateway on port ${port} to be ready`,
        async () => {
          if (exitCode !== undefined) throw new Error(`gateway exited with ${exitCode}: ${err.trim()}`);
          return await isReady(port);
        },
        // Ready in under a second when quiet; a 2-core CI box running other suites needs more.
        60_000,
      );
    } catch (e) {
      await gw.stop('SIGKILL');
      throw e;
    }
  }
  return gw;
}

/** Runs a farclaw CLI command to completion (under `spawnPrefix`, e.g. inside a namespace, when given). */
export async function runFarclaw(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 30_000,
  spawnPrefix: readonly string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...prefixArgs] = [...spawnPrefix, process.execPath];
  const proc = spawn(command ?? process.execPath, [...prefixArgs, FARCLAW_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(proc, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
