import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { runInProcessGroup, type GroupRunResult } from './process-group.js';
import { waitFor } from './wait-for.js';
import { isProcessAlive } from '../../src/infra/process-alive.js';

// Non-loopback tests run their two ends in a pair of network namespaces joined by a veth pair
// that exists only inside them: the root namespace has no route to either end, so no test
// traffic can reach (or come from) anything but the processes the test put there.

/** iproute2's `ip`, by absolute path: the child environments we pass may lack `/usr/sbin`. */
export const IP_BIN = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p)) ?? 'ip';

/** `fcgw-<creator pid>-<n>` / `fccl-<creator pid>-<n>`: the creator's pid tells a stale pair. */
const OUR_NAMESPACE = /^fc(?:gw|cl)-(\d+)-\d+$/;
const EXIT_WAIT_MS = 10_000;
const execFileAsync = promisify(execFile);

/** One end of a pair: a namespace holding `lo` and one veth end, both up. */
export interface Netns {
  /** e.g. `fcgw-4242-0` (also the argument of `ip netns exec`). */
  readonly name: string;
  /** This end's IPv4 address on the veth link, without the prefix length. */
  readonly address: string;
  /** `ip netns exec <name>`: a command line to prepend to run something inside. */
  readonly prefix: readonly string[];
  /** Spawns `command args` inside this namespace (`ip netns exec` execs it: same pid). */
  spawn(command: string, args: readonly string[], opts?: SpawnOptions): ChildProcess;
  /** Runs `command args` inside this namespace to completion, in its own process group. */
  run(command: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number }): Promise<GroupRunResult>;
}

/** Two namespaces joined by a veth pair: the gateway's end and the remote client's end. */
export interface NetnsPair {
  readonly gateway: Netns;
  readonly client: Netns;
  /** SIGKILLs every process still inside, then deletes both namespaces (and so the veth pair). Idempotent. */
  dispose(): Promise<void>;
}

/** Names of namespaces this process created and has not deleted yet (for the exit hook). */
const liveNames = new Set<string>();
let pairsCreated = 0;
let isSetUp = false;

async function ip(...args: string[]): Promise<string> {
  try {
    return (await execFileAsync(IP_BIN, args, { encoding: 'utf8' })).stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(`ip ${args.join(' ')} failed: ${stderr || (err as Error).message}`);
  }
}

const parsePids = (out: string): number[] => out.split('\n').filter((l) => /^\d+$/.test(l.trim())).map(Number);

/** Pids inside namespace `name` (empty once it is gone). */
async function pidsIn(name: string): Promise<number[]> {
  try {
    return parsePids(await ip('netns', 'pids', name));
  } catch {
    return [];
  }
}

function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The synchronous teardown of the exit hook: no event loop is left to wait on. */
function deleteNowSync(name: string): void {
  try {
    killAll(parsePids(execFileSync(IP_BIN, ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
    // Deleting the name unmounts it; the namespace (and its veth end) dies with its last process.
    execFileSync(IP_BIN, ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    // already deleted
  }
  liveNames.delete(name);
}

/** Kills what runs inside, waits until nothing does, then deletes the namespaces. */
async function deleteNamespaces(names: readonly string[]): Promise<void> {
  for (const name of names) killAll(await pidsIn(name));
  await waitFor(
    `every process in ${names.join(', ')} to exit`,
    async () => {
      const left = (await Promise.all(names.map(pidsIn))).flat();
      if (left.length === 0) return true;
      killAll(left);
      return false;
    },
    EXIT_WAIT_MS,
  );
  for (const name of names) {
    const listed = await ip('netns', 'list');
    if (listed.split('\n').some((line) => line.split(' ')[0] === name)) await ip('netns', 'del', name);
    liveNames.delete(name);
  }
}


/**
 * Deletes the pairs of test processes that died without cleaning up (SIGKILL, crash): every
 * `fcgw-*`/`fccl-*` namespace whose creator pid is no longer alive. `createNetnsPair` runs it once.
 */
export async function reapStaleNamespaces(): Promise<void> {
  const stale = (await ip('netns', 'list'))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => {
      const creator = OUR_NAMESPACE.exec(name)?.[1];
      return creator !== undefined && Number(creator) !== process.pid && !isProcessAlive(Number(creator));
    });
  if (stale.length > 0) await deleteNamespaces(stale);
}

function netnsHandle(name: string, address: string): Netns {
  const prefix = [IP_BIN, 'netns', 'exec', name] as const;
  return {
    name,
    address,
    prefix,
    spawn: (command, args, opts = {}) => spawn(IP_BIN, [...prefix.slice(1), command, ...args], opts),
    run: async (command, args, opts) => await runInProcessGroup(IP_BIN, [...prefix.slice(1), command, ...args], opts),
  };
}

/**
 * Creates `fcgw-<pid>-<n>` and `fccl-<pid>-<n>` joined by a veth pair (`veth0` in the gateway's,
 * `veth1` in the client's) with 10.231.<n>.1 and .2 on a /30, every link up.
 *
 * The veth ends are created directly inside the namespaces, so their names never exist in the
 * root namespace; the addresses exist only inside this pair, so pairs of concurrent test
 * processes cannot collide even when they pick the same numbers. The first call reaps stale
 * pairs; an exit hook deletes the pairs of this process if it ends without `dispose()`.
 * Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN). Rejects, leaving nothing behind, when a step fails.
 */
export async function createNetnsPair(): Promise<NetnsPair> {
  if (!isSetUp) {
    isSetUp = true;
    process.on('exit', () => {
      for (const name of [...liveNames]) deleteNowSync(name);
    });
    await reapStaleNamespaces();
  }
  const n = pairsCreated++;
  const subnet = `10.231.${n % 256}`;
  const gateway = netnsHandle(`fcgw-${process.pid}-${n}`, `${subnet}.1`);
  const client = netnsHandle(`fccl-${process.pid}-${n}`, `${subnet}.2`);
  let disposed: Promise<void> | undefined;
  const pair: NetnsPair = {
    gateway,
    client,
    dispose: () => (disposed ??= deleteNamespaces([gateway.name, client.name].filter((name) => liveNames.has(name)))),
  };
  try {
    for (const ns of [gateway, client]) {
      liveNames.add(ns.name);
      await ip('netns', 'add', ns.name);
    }
    await ip('link', 'add', 'veth0', 'netns', gateway.name, 'type', 'veth', 'peer', 'name', 'veth1', 'netns', client.name);
    for (const [ns, dev] of [[gateway, 'veth0'], [client, 'veth1']] as const) {
      await ip('-n', ns.name, 'addr', 'add', `${ns.address}/30`, 'dev', dev);
      await ip('-n', ns.name, 'link', 'set', 'lo', 'up');
      await ip('-n', ns.name, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    await pair.dispose();
    throw err;
  }
  return pair;
}

/** Names of the namespaces that currently exist (`ip netns list`), for leak checks. */
export async function listNamespaces(): Promise<string[]> {
  return (await ip('netns', 'list')).split('\n').map((line) => line.split(' ')[0] ?? '').filter((name) => name.length > 0);
}
