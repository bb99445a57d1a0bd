import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../infra/atomic-write.js';
import { isProcessAlive } from '../infra/process-alive.js';

/**
 * Every ssh we start is registered twice: in memory, so this process kills it on exit and on
 * SIGINT/SIGTERM/SIGHUP, and as a PID record in `<stateDir>/tunnel/children/`, so that after a
 * crash (SIGKILL, power loss) the next start reaps what the dead owner left behind. Children run
 * in their own process group and are killed as a group.
 */
interface PidRecord {
  pid: number;
  ownerPid: number;
  /** A piece of the command line that identifies our ssh (the -L spec), checked before killing. */
  marker: string;
  startedAt: number;
}

const live = new Map<number, ChildProcess>();
let areHooksInstalled = false;

export const childrenDir = (stateDir: string): string => join(stateDir, 'tunnel', 'children');

function killGroup(pid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: already gone.
  }
}

function killAllLive(): void {
  for (const pid of live.keys()) killGroup(pid);
}

function installHooks(): void {
  if (areHooksInstalled) return;
  areHooksInstalled = true;
  process.on('exit', killAllLive);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A command with its own handler (tunnel up) stops gracefully; otherwise die like the
      // default action would, minus the orphans.
      if (process.listenerCount(signal) > 1) return;
      killAllLive();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** The command line of a live process, or null (Linux /proc, else `ps`). */
function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  }
}

/**
 * Kills ssh processes recorded by owners that no longer run, and drops their records. A record
 * whose pid now belongs to something else (the marker is not in its command line) is only
 * dropped. Returns the pids it killed.
 */
export function reapOrphans(stateDir: string): number[] {
  const dir = childrenDir(stateDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const path = join(dir, name);
    let rec: PidRecord;
    try {
      rec = JSON.parse(readFileSync(path, 'utf8')) as PidRecord;
    } catch {
      rmSync(path, { force: true });
      continue;
    }
    if (rec.ownerPid !== process.pid && isProcessAlive(rec.ownerPid)) continue;
    if (isProcessAlive(rec.pid) && commandLine(rec.pid)?.includes(rec.marker)) {
      killGroup(rec.pid);
      killed.push(rec.pid);
    }
    rmSync(path, { force: true });
  }
  return killed;
}

/**
 * Spawns `command` in its own process group, registered for cleanup as described above. The
 * record is removed once the child exits.
 */
export function spawnRegistered(command: string, args: string[], opts: { stateDir: string; marker: string; env: NodeJS.ProcessEnv }): ChildProcess {
  installHooks();
  const child = spawn(command, args, { env: opts.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid === undefined) return child;
  live.set(pid, child);
  const dir = childrenDir(opts.stateDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const record: PidRecord = { pid, ownerPid: process.pid, marker: opts.marker, startedAt: Date.now() };
  writeFileAtomic(join(dir, `${pid}.json`), JSON.stringify(record));
  child.once('exit', () => {
    live.delete(pid);
    // The group may hold more than ssh (a ProxyCommand); nothing of it should outlive ssh.
    killGroup(pid);
    rmSync(join(dir, `${pid}.json`), { force: true });
  });
  return child;
}

/** Kills a registered child's process group (SIGKILL also ends a SIGSTOPped ssh). */
export function killRegistered(child: ChildProcess): void {
  if (child.pid !== undefined) killGroup(child.pid);
}
