import { statfsSync } from 'node:fs';
import { cpus, freemem, homedir, loadavg, totalmem } from 'node:os';

/** The `node.host.stats` payload (protocol.md 9.3); disk figures are omitted when unreadable. */
export function hostStats(): Record<string, unknown> {
  const stats: Record<string, unknown> = {
    cpuCount: cpus().length,
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
    memoryTotalBytes: totalmem(),
    memoryFreeBytes: freemem(),
  };
  try {
    const fs = statfsSync(homedir());
    stats.diskTotalBytes = fs.blocks * fs.bsize;
    stats.diskAvailableBytes = fs.bavail * fs.bsize;
  } catch {
    // no disk figures on this system
  }
  return stats;
}
