import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';

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
 * workers it re-spawns. Every group still alive is SIGKILLed on exit, SIGINT and SIGTERM.
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
  if (proc.pid === undefined) throw new Error(`${name}: spawn ${command} failed`);
  const s: Spawned = { name, proc, pid: proc.pid, port: opts.port, output: () => tail.trim() };
  live.add(s);
  return s;
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const killAll = (): void => {
    for (const s of live) killGroup(s.pid, 'SIGKILL');
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping the gateways\n`);
      killAll();
      process.exit(130);
    });
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is gone.
  }
}

/**
 * SIGTERM to the whole group, SIGKILL after `graceMs`, then checks that no process of the
 * group is left and that nothing listens on the port. Returns problems found (empty = clean).
 */
export async function stopGateway(s: Spawned, graceMs = 5_000): Promise<string[]> {
  killGroup(s.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupMembers(s.pid).length > 0 && Date.now() < deadline) await sleep(50);
  if (groupMembers(s.pid).length > 0) {
    killGroup(s.pid, 'SIGKILL');
    await sleep(200);
  }
  live.delete(s);
  const problems: string[] = [];
  const left = groupMembers(s.pid);
  if (left.length > 0) problems.push(`${s.name}: processes still alive in group ${s.pid}: ${left.join(', ')}`);
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

function readStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', pgrp: Number(fields[2]) };
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

/** RSS of `root`, its descendants and any other member of its process group (KB, per pid). */
export function treeRss(root: number): { totalKb: number; perPid: Map<number, number> } {
  const pids = new Set<number>();
  const stack = [root, ...groupMembers(root)];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (pids.has(pid)) continue;
    pids.add(pid);
    stack.push(...childrenOf(pid));
  }
  const perPid = new Map<number, number>();
  let totalKb = 0;
  for (const pid of pids) {
    const kb = vmRssKb(pid);
    if (kb > 0) perPid.set(pid, kb);
    totalKb += kb;
  }
  return { totalKb, perPid };
}

/** Median of `n` tree-RSS samples taken `gapMs` apart (smooths GC noise). */
export async function sampleRss(root: number, n = 5, gapMs = 200): Promise<{ totalKb: number; procs: number }> {
  const totals: number[] = [];
  let procs = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(gapMs);
    const r = treeRss(root);
    totals.push(r.totalKb);
    procs = Math.max(procs, r.perPid.size);
  }
  totals.sort((a, b) => a - b);
  return { totalKb: totals[Math.floor(n / 2)] ?? 0, procs };
}
