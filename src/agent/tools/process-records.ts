import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../infra/process-alive.js';
import { bootId, procStat, processGroupMembers, type ProcessStart } from '../../infra/proc-stat.js';

/** What a background command's pid record holds (one file per pid in `recordsDir`). */
interface PidRecord {
  pid: number;
  ownerPid: number;
  /** The start of its command line, checked before a kill so a reused pid is never hit. */
  marker: string;
  startedAt: number;
  /** The boot it ran in (Linux; absent in records of older versions and elsewhere). */
  bootId?: string;
  /** Its start in clock ticks since that boot: with `bootId`, names the group's first process for good. */
  startTicks?: number;
  /** The audit line its end would have written, for the start that finds it orphaned. */
  audit?: Record<string, unknown>;
  /** Where its completion note would have gone. */
  note?: OrphanNote;
}

/** The chat session a background command's end is told to, its public id, and its note's key. */
export interface OrphanNote {
  sessionKey: string;
  id: string;
  key: string;
}

/** What a record keeps beside the pid for the start that finds it orphaned. */
export interface OrphanContext {
  audit?: Record<string, unknown>;
  note?: OrphanNote;
}

/** A record of a dead gateway's command, as `reapPidRecords` found it. */
export interface ReapedRecord {
  pid: number;
  /** Whether its process group was still running (and is now killed). */
  killed: boolean;
  audit?: Record<string, unknown>;
  note?: OrphanNote;
}

const MARKER_CHARS = 200;

/** The command line of a live process (Linux /proc), or undefined. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/**
 * Leaves a pid record for a background command (`<dir>/<pid>.json`) and returns its path, or
 * undefined when it cannot be written (the command is still killed at stop and at this process's
 * exit). No fsync: the record only matters when this process dies and the machine does not, and
 * then the page cache keeps it.
 */
export function writePidRecord(dir: string, pid: number, argv: readonly string[], startedAt: number, context: OrphanContext = {}, start?: ProcessStart): string | undefined {
  const rec: PidRecord = { pid, ownerPid: process.pid, marker: argv.join(' ').slice(0, MARKER_CHARS), startedAt, ...(start ?? {}), ...context };
  const path = join(dir, `${pid}.json`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, JSON.stringify(rec), { mode: 0o600 });
    return path;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process group of a recorded command still holds something that command started.
 * Linux never hands a pid out again while a process or a group still goes by it, so: a live pid
 * with the recorded start is the command's first process; a live pid with another start is a new
 * process, which says the command's group had emptied; with the first process gone, the group's
 * members are the command's survivors when they are in the session its spawn opened (same id)
 * and none started before it. What this cannot tell apart: the whole group ended, the pid came
 * round again to a process that opened its own session and exited leaving children, all before
 * this start; that takes a full turn of the pid space while no gateway ran.
 */
function isGroupRunning(rec: PidRecord): boolean {
  if (typeof rec.startTicks !== 'number' || typeof rec.bootId !== 'string') {
    // A record of an older version (or not Linux): only a first process still running the command line.
    return isProcessAlive(rec.pid) && commandLine(rec.pid)?.startsWith(rec.marker) === true;
  }
  // After a reboot nothing of the command runs; the pid and start ticks mean something else.
  if (rec.bootId !== bootId()) return false;
  const first = procStat(rec.pid);
  if (first) return first.startTicks === rec.startTicks;
  const members = processGroupMembers(rec.pid);
  const startTicks = rec.startTicks;
  return members.length > 0 && members.every((m) => m.sid === rec.pid && m.startTicks >= startTicks);
}

/**
 * Kills the process group of each recorded command whose owner is gone and whose group still
 * provably runs something of that command (see `isGroupRunning`: a reused pid is never hit), even
 * when the group's first process has exited and only what it started lives on, and drops every
 * record no live owner holds. Returns the readable records it dropped, killed or not (one that
 * ended meanwhile).
 */
export function reapPidRecords(dir: string): ReapedRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const reaped: ReapedRecord[] = [];
  for (const name of names) {
    const path = join(dir, name);
    let rec: PidRecord | undefined;
    try {
      rec = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
    } catch {
      // A torn record names nothing we could check: drop it.
    }
    if (rec && rec.ownerPid !== process.pid && isProcessAlive(rec.ownerPid)) continue;
    let killed = false;
    // Never a pid of 0 or 1: a signal to group 0 would hit the gateway's own group.
    if (rec && Number.isSafeInteger(rec.pid) && rec.pid > 1 && isGroupRunning(rec)) {
      try {
        process.kill(-rec.pid, 'SIGKILL');
        killed = true;
      } catch {
        // gone meanwhile
      }
    }
    rmSync(path, { force: true });
    if (rec && typeof rec.pid === 'number') {
      const audit = typeof rec.audit === 'object' && rec.audit !== null && !Array.isArray(rec.audit) ? rec.audit : undefined;
      const n = rec.note;
      const note = typeof n?.sessionKey === 'string' && typeof n.id === 'string' && typeof n.key === 'string' ? { sessionKey: n.sessionKey, id: n.id, key: n.key } : undefined;
      reaped.push({ pid: rec.pid, killed, ...(audit ? { audit } : {}), ...(note ? { note } : {}) });
    }
  }
  return reaped;
}
