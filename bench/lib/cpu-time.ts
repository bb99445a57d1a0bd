import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time (ns) a process has used so far: the sum over its threads of /proc/<pid>/task/<tid>/
 * schedstat's first field (time on a CPU, in ns). Summed over threads because V8's GC and
 * libuv's pool work off the main thread; the process's own schedstat covers its main thread
 * only. A thread that ended meanwhile takes its time with it (Node's threads live as long as the
 * process). Unlike latency, CPU time barely moves with the machine's load, so it separates our
 * work from waiting on a shared box. Returns 0 when the process is gone.
 */
export function processCpuNs(pid: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let ns = 0;
  for (const tid of tasks) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return ns;
}
