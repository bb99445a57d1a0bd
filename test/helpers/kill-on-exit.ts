import type { ChildProcess } from 'node:child_process';

/** Children still running; SIGKILLed if the test process exits first, so none is orphaned. */
const live = new Set<ChildProcess>();
let isExitHookInstalled = false;

/** Kills `proc` when the test process exits while it still runs. */
export function killOnExit(proc: ChildProcess): void {
  if (!isExitHookInstalled) {
    isExitHookInstalled = true;
    process.on('exit', () => {
      for (const p of live) p.kill('SIGKILL');
    });
  }
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
}
