import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FARCLAW_BIN } from '../../test/helpers/paths.js';
import { ensurePeer, peerCacheDir, PEER_NODE_VERSION, PEER_OPENCLAW_VERSION } from '../../test/helpers/peer.js';
import { freePort } from '../../test/helpers/free-port.js';
import { tmpHome, type TmpHome } from '../../test/helpers/tmp-home.js';
import { spawnGateway, stopGateway, waitReady, type Spawned } from './procs.js';

/** How much work each phase does against one gateway. */
export interface Plan {
  handshakes: number;
  healthCalls: number;
  pipeline: number;
  conns: number;
  readyTimeoutMs: number;
}

/** A server the bench can start and drive with the shared client. */
export interface Target {
  name: string;
  plan: Plan;
  /** Spawns the server on `port`; the ready clock starts just before this call. */
  spawn(port: number, token: string, home: TmpHome): Spawned;
}

/** Our gateway, on the Node running the bench. */
export function farclawTarget(plan: Plan): Target {
  return {
    name: 'farclaw',
    plan,
    spawn: (port, token, home) =>
      spawnGateway('farclaw', process.execPath, [FARCLAW_BIN, 'gateway', 'run', '--port', String(port), '--token', token], {
        env: home.env,
        cwd: home.home,
        port,
      }),
  };
}

/**
 * The bare `ws` server of floor-server.ts (compiled next to this file). With `isSqlite`, the
 * SQLite floor: the same server holding a better-sqlite3 database open in its temp home.
 */
export function floorTarget(plan: Plan, frameBytes: { helloOk?: number; healthRes?: number } = {}, isSqlite = false): Target {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'floor-server.js');
  const name = isSqlite ? 'sqlite-floor' : 'floor';
  return {
    name,
    plan,
    spawn: (port, _token, home) => {
      const args = [script, String(port), String(frameBytes.helloOk ?? 0), String(frameBytes.healthRes ?? 0)];
      if (isSqlite) args.push(join(home.stateDir, 'floor.sqlite'));
      return spawnGateway(name, process.execPath, args, { env: home.env, cwd: home.home, port });
    },
  };
}

/**
 * The real OpenClaw from the peer cache, or the reason it is skipped. Never installs: only a
 * cache whose marker names the pinned versions is used (ensurePeer() then only looks it up).
 */
export async function openclawTarget(plan: Plan): Promise<Target | string> {
  const dir = peerCacheDir();
  let ok = false;
  try {
    const m = JSON.parse(readFileSync(join(dir, 'install-complete.json'), 'utf8')) as { node?: string; openclaw?: string };
    ok = m.node === PEER_NODE_VERSION && m.openclaw === PEER_OPENCLAW_VERSION;
  } catch {
    // Missing or unreadable marker: not installed.
  }
  if (!ok || !existsSync(join(dir, 'node24')) || !existsSync(join(dir, 'openclaw'))) {
    return `no complete OpenClaw ${PEER_OPENCLAW_VERSION} install in ${dir} (the bench never installs it; the peer tests do)`;
  }
  const peer = await ensurePeer();
  return {
    name: 'openclaw',
    plan,
    spawn: (port, token, home) =>
      spawnGateway(
        'openclaw',
        peer.nodeBin,
        [peer.openclawEntry, 'gateway', 'run', '--allow-unconfigured', '--port', String(port), '--token', token, '--bind', 'loopback'],
        // cwd = the temp home: the CLI reads a `.env` from its working directory.
        { env: peer.env({ HOME: home.home }), cwd: home.home, port },
      ),
  };
}

/** A target started in a fresh temp home, ready to be driven. */
export interface Launched {
  name: string;
  gw: Spawned;
  url: string;
  token: string;
  port: number;
  readyMs: number;
  /** Stops the server, removes its home and returns the problems stopGateway found. */
  stop(): Promise<string[]>;
}

/** Starts `t` on a free loopback port with a random token and waits for /readyz. */
export async function launch(t: Target, log: (msg: string) => void = () => undefined): Promise<Launched> {
  const home = tmpHome(`farclaw-bench-${t.name}-`);
  const disposeHome = (): void => home.dispose(); // also when SIGINT ends the bench mid-run
  process.once('exit', disposeHome);
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  log(`${t.name}: starting on port ${port}`);
  const t0 = performance.now();
  const gw = t.spawn(port, token, home);
  const stop = async (): Promise<string[]> => {
    log(`${t.name}: stopping`);
    const problems = await stopGateway(gw);
    process.off('exit', disposeHome);
    home.dispose();
    return problems;
  };
  try {
    const readyMs = await waitReady(gw, t0, t.plan.readyTimeoutMs);
    log(`${t.name}: ready in ${readyMs.toFixed(0)} ms`);
    return { name: t.name, gw, url: `ws://127.0.0.1:${port}`, token, port, readyMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
