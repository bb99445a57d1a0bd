import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from '../../infra/process-alive.js';

/** What a background command's pid record holds (one file per pid in `recordsDir`). */
interface PidRecord {
  pid: number;
  ownerPid: number;
  /** The start of its command line, checked before a kill so a reused pid is never hit. */
  marker: string;
  startedAt: number;
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
export function writePidRecord(dir: string, pid: number, argv: readonly string[], startedAt: number, context: OrphanContext = {}): string | undefined {
  const rec: PidRecord = { pid, ownerPid: process.pid, marker: argv.join(' ').slice(0, MARKER_CHARS), startedAt, ...context };
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
 * Kills the process group of each recorded command whose owner is gone and whose pid still runs
 * the recorded command line (a reused pid is never hit), and drops every record no live owner
 * holds. Returns the readable records it dropped, killed or not (one that ended meanwhile).
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
    if (rec && isProcessAlive(rec.pid) && commandLine(rec.pid)?.startsWith(rec.marker)) {
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
