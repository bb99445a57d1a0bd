import { readdirSync, readFileSync } from 'node:fs';

/** What Linux's /proc/<pid>/stat says about a process's group, session and start. */
export interface ProcStat {
  pid: number;
  pgid: number;
  sid: number;
  /** When it started, in clock ticks since boot: with the boot id, it names one process. */
  startTicks: number;
}

/** `/proc/<pid>/stat` parsed, or undefined (gone, or not Linux). */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const pgid = Number(rest[2]);
  const sid = Number(rest[3]);
  const startTicks = Number(rest[19]);
  if (!Number.isSafeInteger(pgid) || !Number.isSafeInteger(sid) || !Number.isSafeInteger(startTicks)) return undefined;
  return { pid, pgid, sid, startTicks };
}

/** Every process in group `pgid` (Linux /proc; empty elsewhere). */
export function processGroupMembers(pgid: number): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const members: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st?.pgid === pgid) members.push(st);
  }
  return members;
}

let bootIdCache: string | undefined;

/** This boot's id (Linux), which start ticks are relative to; undefined elsewhere. */
export function bootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      return undefined;
    }
  }
  return bootIdCache;
}

/** What names one process for good on this machine: its boot and its start within it. */
export interface ProcessStart {
  bootId: string;
  startTicks: number;
}

/** The boot and start of a running (or not yet reaped) process, or undefined (gone, or not Linux). */
export function processStart(pid: number): ProcessStart | undefined {
  const id = bootId();
  const st = id === undefined ? undefined : procStat(pid);
  return id !== undefined && st ? { bootId: id, startTicks: st.startTicks } : undefined;
}
