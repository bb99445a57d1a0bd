/**
 * The kernel rows of `npm run bench` (issue 13): the ratios of farclaw to the same-size floor
 * with their targets, bus fan-out (events/s to N connected clients) and durable-log appends/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { openStateDb } from '../../src/store/db.js';
import { EventLog } from '../../src/store/event-log.js';
import { startInProcessGateway } from '../../test/helpers/in-process-gateway.js';
import { tmpHome } from '../../test/helpers/tmp-home.js';
import { dropAll, openIdle } from './client.js';
import type { Figures, Value } from './report.js';

const num = (v: Value | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

/** One ratio or figure against its issue-13 target. */
export interface TargetRow {
  label: string;
  value: number | undefined;
  target: string;
  isMet: boolean | undefined;
}

/**
 * farclaw ÷ floor from the same run, and the absolute targets. `roundRatios`, when given, are the
 * medians of per-round ratios of the alternating handshake and health rounds (floor-rounds.ts).
 * With the SQLite floor's figures, farclaw's idle RSS over it follows the idle RSS target (no
 * target of its own: it shows what of the idle RSS is ours and what the mandated library's).
 */
export function ratiosToFloor(
  fc: Figures,
  fl: Figures,
  roundRatios: { handshake?: number | undefined; health?: number | undefined } = {},
  sqliteFloor?: Figures,
): TargetRow[] {
  const ratio = (a: Value | undefined, b: Value | undefined) => {
    const x = num(a);
    const y = num(b);
    return x !== undefined && y !== undefined && y > 0 ? x / y : undefined;
  };
  const row = (label: string, value: number | undefined, target: string, ok: (v: number) => boolean): TargetRow =>
    ({ label, value, target, isMet: value === undefined ? undefined : ok(value) });
  return [
    row('handshake p50 ÷ floor', roundRatios.handshake ?? ratio(fc.handshakeP50Ms, fl.handshakeP50Ms), '≤ 1.5×', (v) => v <= 1.5),
    row('health p50 ÷ floor', roundRatios.health ?? ratio(fc.healthP50Us, fl.healthP50Us), '≤ 1.5×', (v) => v <= 1.5),
    row('pipelined ÷ floor', ratio(fc.pipelinedPerSec, fl.pipelinedPerSec), '≥ 0.8×', (v) => v >= 0.8),
    row('memory per idle connection (KB)', num(fc.idleConnKb), '≤ 10 KB', (v) => v <= 10),
    row('idle RSS (MB)', num(fc.idleRssMb), '≤ 60 MB', (v) => v <= 60),
    ...(sqliteFloor ? [overSqliteFloor(fc, sqliteFloor)] : []),
  ];
}

function overSqliteFloor(fc: Figures, sq: Figures): TargetRow {
  const a = num(fc.idleRssMb);
  const b = num(sq.idleRssMb);
  return { label: 'idle RSS over the SQLite floor (MB)', value: a !== undefined && b !== undefined ? a - b : undefined, target: '—', isMet: undefined };
}

export function renderRatios(rows: TargetRow[]): string {
  const lines = ['targets (issue 13; floor answers with frames of farclaw\'s sizes):'];
  for (const r of rows) {
    const v = r.value === undefined ? 'n/a' : r.value.toFixed(2);
    lines.push(`  ${r.label.padEnd(34)} ${v.padStart(8)}  target ${r.target.padEnd(7)} ${r.isMet === undefined ? '' : r.isMet ? 'met' : 'MISSED'}`);
  }
  return lines.join('\n');
}

export interface KernelFigures {
  fanout: { clients: number; events: number; eventsPerSec: number; deliveriesPerSec: number; note: string };
  eventLog: { appends: number; appendsPerSec: number; fsyncPolicy: string };
}

/** Publishes `events` ticks on a live gateway's bus and waits until all `clients` got them. */
async function benchFanout(clients: number, events: number): Promise<KernelFigures['fanout']> {
  const home = tmpHome('farclaw-bench-fanout-');
  const token = 'bench-fanout-token-0123456789abcdef';
  const { gateway, url } = await startInProcessGateway(home, { token });
  let sockets: WebSocket[] = [];
  try {
    const idle = await openIdle(url, token, clients, 16);
    sockets = idle.sockets;
    let received = 0;
    const expected = sockets.length * events;
    let done: () => void = () => undefined;
    const all = new Promise<void>((resolve) => (done = resolve));
    for (const ws of sockets) {
      ws.on('message', (data: Buffer) => {
        if (data.includes('"event":"tick"') && ++received === expected) done();
      });
    }
    const t0 = performance.now();
    for (let i = 0; i < events; i++) {
      gateway.bus.publish('tick', { ts: Date.now() }, { isSupersedable: false });
      // Let sockets drain between batches, as a real publisher would not publish in one tick.
      if (i % 50 === 49) await new Promise((r) => setImmediate(r));
    }
    await all;
    const s = (performance.now() - t0) / 1000;
    return {
      clients: sockets.length, events, eventsPerSec: Math.round(events / s), deliveriesPerSec: Math.round(expected / s),
      note: 'gateway and clients in one process (the bus has no outside trigger)',
    };
  } finally {
    await dropAll(sockets);
    await gateway.stop();
    home.dispose();
  }
}

function benchEventLog(appends: number): KernelFigures['eventLog'] {
  const dir = mkdtempSync(join(tmpdir(), 'farclaw-bench-log-'));
  const db = openStateDb(join(dir, 'state.sqlite'));
  try {
    const log = new EventLog(db);
    const payload = { runId: 'r', stream: 'assistant', data: { text: 'x'.repeat(200) } };
    const t0 = performance.now();
    for (let i = 0; i < appends; i++) log.append(`session:${i % 8}`, 'agent', payload);
    return {
      appends, appendsPerSec: Math.round(appends / ((performance.now() - t0) / 1000)),
      fsyncPolicy: 'one transaction per append, WAL, synchronous=NORMAL (survives SIGKILL; power loss may drop the last appends, never tears one)',
    };
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchKernel(clients: number): Promise<KernelFigures> {
  return { fanout: await benchFanout(clients, 200), eventLog: benchEventLog(20_000) };
}

export function renderKernel(k: KernelFigures): string {
  return [
    `bus fan-out: ${k.fanout.events} events to ${k.fanout.clients} clients: ${k.fanout.eventsPerSec} events/s (${k.fanout.deliveriesPerSec} deliveries/s; ${k.fanout.note})`,
    `durable log: ${k.eventLog.appends} appends: ${k.eventLog.appendsPerSec} appends/s (${k.eventLog.fsyncPolicy})`,
  ].join('\n');
}
