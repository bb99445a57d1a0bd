import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isProcessAlive } from '../../infra/process-alive.js';
import { processGroupMembers, processStart, type ProcessStart } from '../../infra/proc-stat.js';
import { reapPidRecords, writePidRecord } from './process-records.js';

const dir = mkdtempSync(join(tmpdir(), 'process-records-'));
const started: number[] = [];
after(() => {
  for (const pid of started) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A `sleep` in its own process group, as the registry starts commands. */
function sleeper(seconds: string): number {
  const child = spawn('sleep', [seconds], { detached: true, stdio: 'ignore' });
  child.unref();
  started.push(child.pid as number);
  return child.pid as number;
}

/**
 * `sh -c '<sleep> & exit'` in its own group and session, as the registry starts commands, with
 * its start read at spawn; resolves once the shell has exited (and been reaped) and only the
 * backgrounded sleep is left in the group.
 */
async function leaderExitedLeavingSleep(seconds: string): Promise<{ pid: number; start: ProcessStart; survivor: number }> {
  const child: ChildProcess = spawn('sh', ['-c', `sleep ${seconds} & exit 0`], { detached: true, stdio: 'ignore' });
  const pid = child.pid as number;
  started.push(pid);
  const start = processStart(pid) as ProcessStart;
  await new Promise((r) => child.once('exit', r));
  await until(() => !isProcessAlive(pid) && processGroupMembers(pid).length === 1);
  return { pid, start, survivor: (processGroupMembers(pid)[0] as { pid: number }).pid };
}

/** Whether `pid` runs (a killed orphan stays a zombie until its new parent, often init, reaps it). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pid records of background commands', () => {
  it('reaping kills the group of a recorded command that still runs its command line, and drops the record', async () => {
    const pid = sleeper('31');
    const path = writePidRecord(join(dir, 'a'), pid, ['sleep', '31'], Date.now(), { audit: { command: 'sleep 31' }, note: { sessionKey: 'agent:main:a', id: 'calm-heron', key: 'k1' } }) as string;
    assert.ok(existsSync(path));
    assert.deepEqual(reapPidRecords(join(dir, 'a')), [{ pid, killed: true, audit: { command: 'sleep 31' }, note: { sessionKey: 'agent:main:a', id: 'calm-heron', key: 'k1' } }]);
    await until(() => !isProcessAlive(pid));
    assert.deepEqual(readdirSync(join(dir, 'a')), []);
  });

  it('never kills a pid that now runs something else (its record comes back unkilled), and drops torn records', () => {
    const pid = sleeper('32');
    writePidRecord(join(dir, 'b'), pid, ['some-other-program', '--flag'], Date.now());
    writeFileSync(join(dir, 'b', '999999.json'), '{"pid":');
    assert.deepEqual(reapPidRecords(join(dir, 'b')), [{ pid, killed: false }]);
    assert.ok(isProcessAlive(pid));
    assert.deepEqual(readdirSync(join(dir, 'b')), []);
  });

  it('leaves the records of a live owner alone', () => {
    const pid = sleeper('33');
    const owned = join(dir, 'c');
    writePidRecord(owned, pid, ['sleep', '33'], Date.now());
    // The owner is this test's parent (alive, not us): its commands are its own.
    const path = join(owned, `${pid}.json`);
    writeFileSync(path, JSON.stringify({ pid, ownerPid: process.ppid, marker: 'sleep 33', startedAt: Date.now() }));
    assert.deepEqual(reapPidRecords(owned), []);
    assert.ok(isProcessAlive(pid));
    assert.ok(existsSync(path));
  });

  it('kills what a recorded command started when its first process has exited, and drops the record', async () => {
    const { pid, start, survivor } = await leaderExitedLeavingSleep('34');
    writePidRecord(join(dir, 'd'), pid, ['sh', '-c', 'sleep 34 & exit 0'], Date.now(), { note: { sessionKey: 'agent:main:d', id: 'tidy-otter', key: 'k4' } }, start);
    assert.deepEqual(reapPidRecords(join(dir, 'd')), [{ pid, killed: true, note: { sessionKey: 'agent:main:d', id: 'tidy-otter', key: 'k4' } }]);
    await until(() => !isRunning(survivor));
    assert.deepEqual(readdirSync(join(dir, 'd')), []);
  });

  it('never kills a group whose first process is gone when a member started before the recorded command (a recycled group)', async () => {
    const { pid, start, survivor } = await leaderExitedLeavingSleep('35');
    writePidRecord(join(dir, 'e'), pid, ['sh', '-c', 'sleep 35 & exit 0'], Date.now(), {}, { ...start, startTicks: start.startTicks + 1_000_000 });
    assert.deepEqual(reapPidRecords(join(dir, 'e')), [{ pid, killed: false }]);
    assert.ok(isRunning(survivor));
    assert.deepEqual(readdirSync(join(dir, 'e')), []);
  });

  it('never kills by a record of another boot, nor a pid whose process started at another time (a reused pid)', () => {
    const pid = sleeper('36');
    const start = processStart(pid) as ProcessStart;
    writePidRecord(join(dir, 'f'), pid, ['sleep', '36'], Date.now(), {}, { ...start, bootId: 'another-boot' });
    assert.deepEqual(reapPidRecords(join(dir, 'f')), [{ pid, killed: false }]);
    writePidRecord(join(dir, 'f'), pid, ['sleep', '36'], Date.now(), {}, { ...start, startTicks: start.startTicks - 1 });
    assert.deepEqual(reapPidRecords(join(dir, 'f')), [{ pid, killed: false }]);
    assert.ok(isProcessAlive(pid));
  });

  it('kills the group of a recorded first process by its start even when it no longer runs the recorded command line', async () => {
    const pid = sleeper('37');
    writePidRecord(join(dir, 'g'), pid, ['sh', '-c', 'exec sleep 37'], Date.now(), {}, processStart(pid));
    assert.deepEqual(reapPidRecords(join(dir, 'g')), [{ pid, killed: true }]);
    await until(() => !isProcessAlive(pid));
  });

  it('a missing directory has nothing to reap', () => {
    assert.deepEqual(reapPidRecords(join(dir, 'none')), []);
  });
});
