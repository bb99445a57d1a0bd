import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { freePort } from '../../test/helpers/free-port.js';
import { pidsListeningOn } from '../../test/helpers/listening-pids.js';
import { tmpHome } from '../../test/helpers/tmp-home.js';

/** A gateway process started by the bench, in its own process group. */
export interface Spawned {
  name: string;
  proc: ChildProcess;
  pid: number;
  port: number;
  /** Last lines of stdout+stderr, for error messages. */
  output(): string;
}

const live = new Set<Spawned>();
let hooksInstalled = false;

/**
 * Spawns a gateway `detached` (its own process group) so that stopping it also reaches the
 * workers it re-spawns. Gateways not yet stopped are SIGKILLed on exit, SIGINT and SIGTERM
 * (nothing can be done if the bench itself is SIGKILLed).
 */
export function spawnGateway(
  name: string,
  command: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; port: number },
): Spawned {
  installHooks();
  const proc = spawn(command, args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let tail = '';
  const keep = (d: Buffer): void => {
    tail = (tail + d.toString()).slice(-4000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  proc.once('error', (err) => (tail += `\nspawn error: ${err.message}`));
  if (proc.pid === undefined) throw new Error(`${name}: spawn ${command} failed`);
  const s: Spawned = { name, proc, pid: proc.pid, port: opts.port, output: () => tail.trim() };
  live.add(s);
  return s;
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = (): void => {
    for (const s of live) signalAll(everyPid(s), 'SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping the gateways\n`);
      killAll();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Every process belonging to a gateway: its process group, the descendants of the root (OpenClaw
 * puts a worker in a session of its own) and whatever listens on its port.
 */
function everyPid(s: Spawned): number[] {
  return [...new Set([...treePids(s.pid), ...pidsListeningOn(s.port)])];
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: already gone.
    }
  }
}

function alive(pids: readonly number[]): number[] {
  return pids.filter((pid) => {
    const st = readStat(pid);
    return st !== undefined && st.state !== 'Z';
  });
}

/**
 * SIGTERM to every process of the gateway, SIGKILL to those left after `graceMs`, then checks
 * that none is alive and that nothing listens on the port. Returns problems found (empty = clean).
 */
export async function stopGateway(s: Spawned, graceMs = 5_000): Promise<string[]> {
  const pids = everyPid(s);
  signalAll(pids, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pids).length > 0 && Date.now() < deadline) await sleep(50);
  signalAll([...alive(pids), ...everyPid(s)], 'SIGKILL');
  for (let i = 0; i < 20 && alive(pids).length > 0; i++) await sleep(50);
  live.delete(s);
  const problems: string[] = [];
  const left = alive([...pids, ...everyPid(s)]);
  if (left.length > 0) problems.push(`${s.name}: processes still alive after stop: ${left.join(', ')}`);
  if (await portAnswers(s.port)) problems.push(`${s.name}: port ${s.port} still accepts connections after stop`);
  return problems;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** GET /readyz once; resolves with the status code, or 0 when the connection fails. */
export function readyzStatus(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', agent: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

/** Polls /readyz every `intervalMs` until 200; returns ms since `t0` (a performance.now()). */
export async function waitReady(s: Spawned, t0: number, timeoutMs: number, intervalMs = 5): Promise<number> {
  let exited: string | undefined;
  s.proc.once('exit', (code, sig) => (exited = `exited with ${String(code ?? sig)}`));
  for (;;) {
    if ((await readyzStatus(s.port)) === 200) return performance.now() - t0;
    if (exited) throw new Error(`${s.name} ${exited} before ready:\n${s.output()}`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`${s.name} not ready after ${timeoutMs} ms:\n${s.output()}`);
    await sleep(intervalMs);
  }
}

/** Pids of every live process whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') out.push(Number(name));
  }
  return out;
}

function readStat(pid: number): { state: string; pgrp: number; cpuTicks: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // After the name: state(3) ppid(4) pgrp(5) … utime(14) stime(15), so index = field - 3.
    return { state: fields[0] ?? '', pgrp: Number(fields[2]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) {
        if (c) out.push(Number(c));
      }
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

function vmRssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** `root`, its descendants and every other member of its process group. */
function treePids(root: number): number[] {
  const pids = new Set<number>();
  const stack = [root, ...groupMembers(root)];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (pids.has(pid)) continue;
    pids.add(pid);
    stack.push(...childrenOf(pid));
  }
  return [...pids];
}

/** Summed RSS (KB) of the process tree of `root` and how many processes hold it. */
export function treeRss(root: number): { totalKb: number; procs: number } {
  let totalKb = 0;
  let procs = 0;
  for (const pid of treePids(root)) {
    const kb = vmRssKb(pid);
    if (kb > 0) procs++;
    totalKb += kb;
  }
  return { totalKb, procs };
}

/** CPU time (user + system, ms) used so far by the live processes of the tree of `root`. */
export function treeCpuMs(root: number): number {
  let ticks = 0;
  for (const pid of treePids(root)) ticks += readStat(pid)?.cpuTicks ?? 0;
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Median of `n` tree-RSS samples taken `gapMs` apart (smooths GC noise). */
export async function sampleRss(root: number, n = 5, gapMs = 200): Promise<{ totalKb: number; procs: number }> {
  const totals: number[] = [];
  let procs = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(gapMs);
    const r = treeRss(root);
    totals.push(r.totalKb);
    procs = Math.max(procs, r.procs);
  }
  totals.sort((a, b) => a - b);
  return { totalKb: totals[Math.floor(n / 2)] ?? 0, procs };
}

/**
 * Starts a bare bench process (a floor: `node <script> <port> ...args`) on a free port in a
 * home of its own, like a gateway, and waits for its /readyz; `stop` ends it and removes the
 * home (also when it never became ready); `pid` is the script's process.
 */
export async function startBenchScript(
  name: string,
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ port: number; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const home = tmpHome(`farclaw-${name.replace(/\W+/g, '-')}-`);
  const proc = spawnGateway(name, process.execPath, [script, String(port), ...args], { env: { ...home.env, ...env }, cwd: home.home, port });
  const stop = async (): Promise<void> => {
    await stopGateway(proc);
    home.dispose();
  };
  try {
    await waitReady(proc, performance.now(), 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: proc.pid, stop };
}
