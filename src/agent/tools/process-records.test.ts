import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isProcessAlive } from '../../infra/process-alive.js';
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

  it('a missing directory has nothing to reap', () => {
    assert.deepEqual(reapPidRecords(join(dir, 'none')), []);
  });
});
