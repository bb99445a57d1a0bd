import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { EventLoopStats } from '../../protocol/schema/snapshot.js';

const DEGRADED_P99_MS = 200;
/**
 * The histogram's timer period. A stall at least this long always delays a tick, so with half the
 * degraded threshold every stall that matters is seen; a finer period only adds wake-ups of an idle
 * gateway (20 ms woke it 50 times a second, about 0.5% of a core doing nothing).
 */
const RESOLUTION_MS = 100;

/** Samples event-loop delay and utilisation of this process for health/status. */
export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;
  private lastElu: EventLoopUtilization;
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private degradedSinceMs: number | null = null;

  constructor() {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.lastElu = performance.eventLoopUtilization();
  }

  /** Figures since the previous call (or since start). */
  sample(): EventLoopStats {
    const now = performance.now();
    const elu = performance.eventLoopUtilization(this.lastElu);
    const cpu = process.cpuUsage(this.lastCpu);
    const intervalMs = Math.max(now - this.lastAt, 1);
    const p99 = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    const max = this.histogram.count > 0 ? this.histogram.max / 1e6 : 0;
    this.histogram.reset();
    this.lastElu = performance.eventLoopUtilization();
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const degraded = p99 > DEGRADED_P99_MS;
    if (degraded && this.degradedSinceMs === null) this.degradedSinceMs = Date.now();
    if (!degraded) this.degradedSinceMs = null;
    const round = (n: number, d = 1000): number => Math.round(n * d) / d;
    return {
      degraded,
      degradedSinceMs: this.degradedSinceMs,
      reasons: degraded ? ['event-loop-delay'] : [],
      intervalMs: round(intervalMs),
      delayP99Ms: round(p99, 10),
      delayMaxMs: round(max, 10),
      utilization: round(elu.utilization),
      cpuCoreRatio: round((cpu.user + cpu.system) / 1000 / intervalMs),
    };
  }

  close(): void {
    this.histogram.disable();
  }
}
