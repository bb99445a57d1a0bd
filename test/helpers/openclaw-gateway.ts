import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { pidsListeningOn } from './listening-pids.js';
import { ensurePeer } from './peer.js';
import { tmpHome, type TmpHome } from './tmp-home.js';
import { waitFor } from './wait-for.js';

export interface OpenclawGateway {
  port: number;
  url: string;
  token: string;
  home: TmpHome;
  output(): string;
  /** Kills its process group and whatever still holds the port; waits until the port is free. */
  stop(): Promise<void>;
}

/** Start-up takes 15–25 s on 2 cores: wait generously for /readyz. */
const READY_TIMEOUT_MS = 120_000;

/** Where and how the real gateway listens; defaults: loopback, this process's namespace. */
export interface OpenclawGatewayOptions {
  /** `gateway run --bind` (`lan` listens on 0.0.0.0). */
  bind?: 'loopback' | 'lan';
  /**
   * A command line to run it under, e.g. a namespace's `ip netns exec <name>` (netns.ts), which
   * execs its command, so the pid and process group stay ours.
   */
  spawnPrefix?: readonly string[];
  /** Says whether /readyz answers 200 (e.g. `NetnsRelay.httpStatus` for a gateway in a namespace). */
  isReady?: (port: number) => Promise<boolean>;
  /** Written as its `~/.openclaw/openclaw.json` before start (e.g. `{gateway: {tls: {enabled: true}}}`). */
  config?: unknown;
}

/**
 * Starts the real OpenClaw 2026.9.6 gateway from the peer cache (Node 24) with a token, in its
 * own temp home and process group. Start it once per test file: it is slow.
 */
export async function startOpenclawGateway(token: string, opts: OpenclawGatewayOptions = {}): Promise<OpenclawGateway> {
  const peer = await ensurePeer();
  const home = tmpHome('openclaw-gw-');
  if (opts.config !== undefined) {
    mkdirSync(join(home.home, '.openclaw'), { recursive: true, mode: 0o700 });
    writeFileSync(join(home.home, '.openclaw', 'openclaw.json'), JSON.stringify(opts.config), { mode: 0o600 });
  }
  const port = await freePort();
  const [command, ...prefixArgs] = [...(opts.spawnPrefix ?? []), peer.nodeBin];
  const child: ChildProcess = spawn(
    command ?? peer.nodeBin,
    [...prefixArgs, peer.openclawEntry, 'gateway', 'run', '--allow-unconfigured', '--bind', opts.bind ?? 'loopback', '--port', String(port), '--token', token],
    { env: peer.env({ HOME: home.home }), cwd: home.home, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  // /proc/net/tcp shows this namespace's sockets only: for a gateway in another namespace a
  // listener on `port` here would be someone else's. Deleting that namespace kills its rest.
  const holdersOfPort = (): number[] => (opts.spawnPrefix ? [] : pidsListeningOn(port));
  const killEverything = (): void => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // group already gone
      }
    }
    for (const pid of holdersOfPort()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killEverything);
  const gw: OpenclawGateway = {
    port,
    url: `ws://127.0.0.1:${port}`,
    token,
    home,
    output: () => out,
    async stop() {
      killEverything();
      await waitFor(`port ${port} to be released by OpenClaw`, () => holdersOfPort().length === 0 || (killEverything(), false), 15_000, 100);
      process.off('exit', killEverything);
      home.dispose();
    },
  };
  try {
    await waitFor(
      'the OpenClaw gateway to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`the OpenClaw gateway exited with ${child.exitCode}`);
        if (opts.isReady) return await opts.isReady(port);
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.status === 200;
      },
      READY_TIMEOUT_MS,
      250,
    );
  } catch (err) {
    await gw.stop();
    throw new Error(`${(err as Error).message}\n--- OpenClaw output ---\n${out.slice(-4000)}`);
  }
  return gw;
}
