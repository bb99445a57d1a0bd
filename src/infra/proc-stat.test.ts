import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bootId, procStat, processGroupMembers, processStart } from './proc-stat.js';

const dir = mkdtempSync(join(tmpdir(), 'proc-stat-'));
const groups: number[] = [];
after(() => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('/proc/<pid>/stat', () => {
  it('reads group, session and start of a process whose name holds spaces and parentheses', () => {
    // The kernel's name of a process is its file's name: ") 1 2 (x" would shift naive field splitting.
    const odd = join(dir, ') 1 2 (x');
    symlinkSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid as number;
    groups.push(pid);
    const st = procStat(pid);
    assert.deepEqual([st?.pid, st?.pgid, st?.sid], [pid, pid, pid]);
    assert.ok(Number.isSafeInteger(st?.startTicks) && (st?.startTicks ?? 0) >= (procStat(process.pid)?.startTicks ?? Infinity));
    assert.deepEqual(processStart(pid), { bootId: bootId(), startTicks: st?.startTicks });
    assert.deepEqual(processGroupMembers(pid).map((m) => m.pid), [pid]);
  });

  it('knows nothing of a pid that does not run', () => {
    assert.equal(procStat(2 ** 22 + 1), undefined);
    assert.equal(processStart(2 ** 22 + 1), undefined);
    assert.deepEqual(processGroupMembers(2 ** 22 + 1), []);
  });
});
