/**
 * The handshake and health-latency rows of `npm run bench` for farclaw and the floor. A single
 * series per server, one server after the other, read anywhere from 1.2× to 2.2× the floor for
 * handshakes (0.94× to 1.94× for health p50, same build) on a busy 2-core machine: a burst of
 * load from elsewhere hit one series and not the other. Here both servers run at once and take
 * turns, round by round (ABBA order, so neither always goes first), and each server's figure is
 * the median of its round medians; its p99 is taken over every timed call. The ratio printed
 * beside it is the median of the per-round ratios (each from two rounds run back to back).
 * Rounds are short (well under a second) so that the two rounds of a pair see the same load.
 */
import { closeSocket, handshake, handshakeSeries, Session } from './client.js';
import { percentile } from './report.js';
import { farclawTarget, floorTarget, launch, type Launched, type Plan } from './targets.js';

/** The rows timed in rounds. */
export type RoundsRow = 'handshake' | 'health';

/** Shape of one row's rounds: how many, timed calls in each, untimed warm-up per server. */
export interface RoundsPlan {
  rounds: number;
  perRound: number;
  warmup: number;
}

/** 1,000 handshakes and 2,000 health calls per server. */
export const DEFAULT_ROUNDS: Record<RoundsRow, RoundsPlan> = {
  handshake: { rounds: 20, perRound: 50, warmup: 50 },
  health: { rounds: 20, perRound: 100, warmup: 200 },
};

/** One server's figures from one row's rounds (the row's unit: ms for handshakes, µs for health). */
export interface RoundsFigures {
  /** Median of the round medians. */
  p50: number;
  /** p99 over every timed call. */
  p99: number;
  roundMedians: number[];
}

/** One row's rounds, both servers. */
export interface RowResult {
  unit: 'ms' | 'µs';
  farclaw: RoundsFigures;
  floor: RoundsFigures;
  /** farclaw ÷ floor per round, in round order. */
  ratios: number[];
  /** Median of `ratios`. */
  ratio: number;
  plan: RoundsPlan;
}

export interface RoundsResult {
  handshake?: RowResult;
  health?: RowResult;
  /** The frame sizes the floor was padded to (learnt from farclaw in this run). */
  frameBytes: { helloOk: number; healthRes: number };
  problems: string[];
}

/** Times `n` calls of one row on one server after `warmup` untimed ones. */
type Sampler = (n: number, warmup: number) => Promise<number[]>;

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

/** hello-ok and health response sizes of a running farclaw, for the floor's padding. */
async function frameSizes(fc: Launched): Promise<{ helloOk: number; healthRes: number }> {
  const { ws, helloBytes } = await handshake(fc.url, fc.token);
  const session = new Session(ws);
  await session.health();
  const healthRes = session.lastBytes;
  await closeSocket(ws);
  return { helloOk: helloBytes, healthRes };
}

/** Warm-up on both, then `rp.rounds` rounds that take turns (ABBA); index 0 is farclaw. */
async function takeTurns(samplers: readonly [Sampler, Sampler], rp: RoundsPlan, unit: RowResult['unit']): Promise<RowResult> {
  for (const sample of samplers) await sample(0, rp.warmup);
  const samples: [number[], number[]] = [[], []];
  const medians: [number[], number[]] = [[], []];
  for (let r = 0; r < rp.rounds; r++) {
    // ABBA: farclaw first in rounds 0, 3, 4, 7, 8…, the floor first in the others.
    const order = r % 4 === 0 || r % 4 === 3 ? [0, 1] as const : [1, 0] as const;
    for (const i of order) {
      const xs = await samplers[i](rp.perRound, 0);
      samples[i].push(...xs);
      medians[i].push(percentile(xs, 50));
    }
  }
  const figures = (i: 0 | 1): RoundsFigures => ({
    p50: percentile(medians[i], 50),
    p99: percentile(samples[i], 99),
    roundMedians: medians[i].map(round3),
  });
  const ratios = medians[0].map((m, r) => m / (medians[1][r] as number));
  return { unit, farclaw: figures(0), floor: figures(1), ratios: ratios.map(round3), ratio: percentile(ratios, 50), plan: rp };
}

/**
 * Starts farclaw, then the floor padded to farclaw's frame sizes, runs the rounds of each row
 * in `rows` (handshakes first) and stops both. Throws when a server cannot start or a call fails.
 */
export async function floorRounds(plan: Plan, rows: Partial<Record<RoundsRow, RoundsPlan>>, log: (msg: string) => void): Promise<RoundsResult> {
  const problems: string[] = [];
  const fc = await launch(farclawTarget(plan), log);
  let fl: Launched | undefined;
  const sockets: Session[] = [];
  try {
    const frameBytes = await frameSizes(fc);
    fl = await launch(floorTarget(plan, frameBytes), log);
    const servers = [fc, fl] as const;
    const result: RoundsResult = { frameBytes, problems };
    if (rows.handshake) {
      log(`handshake rounds: ${rows.handshake.rounds} × ${rows.handshake.perRound} per server, taking turns`);
      const sampler = (s: Launched): Sampler => (n, warmup) => handshakeSeries(s.url, s.token, n, warmup);
      result.handshake = await takeTurns([sampler(fc), sampler(fl)], rows.handshake, 'ms');
    }
    if (rows.health) {
      log(`health rounds: ${rows.health.rounds} × ${rows.health.perRound} sequential calls per server, taking turns`);
      for (const s of servers) sockets.push(new Session((await handshake(s.url, s.token)).ws));
      const sampler = (session: Session): Sampler => (n, warmup) => session.healthLatencies(n, warmup);
      result.health = await takeTurns([sampler(sockets[0] as Session), sampler(sockets[1] as Session)], rows.health, 'µs');
    }
    return result;
  } finally {
    for (const s of sockets) await closeSocket(s.ws);
    if (fl) problems.push(...(await fl.stop()));
    problems.push(...(await fc.stop()));
  }
}

/** The rounds as lines for the text report. */
export function renderRounds(r: RoundsResult): string {
  const lines: string[] = [];
  const row = (title: string, x: RowResult, digits: number): void => {
    const fmt = (xs: number[]): string => xs.map((v) => v.toFixed(digits)).join(' ');
    const fig = (f: RoundsFigures): string => `median ${f.p50.toFixed(digits + 1)} ${x.unit} (p99 ${f.p99.toFixed(digits + 1)}), round medians ${fmt(f.roundMedians)}`;
    lines.push(
      `${title} (${x.plan.rounds} × ${x.plan.perRound} per server, taking turns):`,
      `  farclaw ${fig(x.farclaw)}`,
      `  floor   ${fig(x.floor)}`,
      `  farclaw ÷ floor per round ${x.ratios.map((v) => v.toFixed(2)).join(' ')}; median ${x.ratio.toFixed(2)}× (target ≤ 1.5×: ${x.ratio <= 1.5 ? 'met' : 'MISSED'})`,
    );
  };
  if (r.handshake) row(`handshake rounds, hello-ok ${r.frameBytes.helloOk} B on both`, r.handshake, 2);
  if (r.health) row(`health rounds, response ${r.frameBytes.healthRes} B on both`, r.health, 0);
  return lines.join('\n');
}
