/**
 * The handshake rows of `npm run bench` for farclaw and the floor. A single series of 200
 * handshakes per server, one server after the other, read anywhere from 1.2× to 2.2× the floor
 * on a busy 2-core machine: a burst of load from elsewhere hit one series and not the other.
 * Here both servers run at once and take turns, round by round (ABBA order, so neither always
 * goes first), and each server's figure is the median of its round medians. The ratio printed
 * beside it is the median of the per-round ratios (each from two rounds run back to back).
 * Rounds are short (50 handshakes, well under a second) so that the two rounds of a pair see
 * the same load; 20 of them time 1,000 handshakes per server.
 */
import { closeSocket, handshake, handshakeSeries, Session } from './client.js';
import { percentile } from './report.js';
import { farclawTarget, floorTarget, launch, type Launched, type Plan } from './targets.js';

/** Shape of the rounds: how many, how many timed handshakes in each, untimed warm-up per server. */
export interface RoundsPlan {
  rounds: number;
  perRound: number;
  warmup: number;
}

export const DEFAULT_ROUNDS: RoundsPlan = { rounds: 20, perRound: 50, warmup: 50 };

/** One server's figures from the rounds. */
export interface RoundsFigures {
  /** Median of the round medians (ms). */
  p50: number;
  /** p99 over every timed handshake (ms). */
  p99: number;
  roundMedians: number[];
}

export interface RoundsResult {
  farclaw: RoundsFigures;
  floor: RoundsFigures;
  /** farclaw ÷ floor per round, in round order. */
  ratios: number[];
  /** Median of `ratios`. */
  ratio: number;
  plan: RoundsPlan;
  /** The frame sizes the floor was padded to (learnt from farclaw in this run). */
  frameBytes: { helloOk: number; healthRes: number };
  problems: string[];
}

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

/**
 * Starts farclaw, then the floor padded to farclaw's frame sizes, runs the rounds and stops
 * both. Throws when a server cannot start or a handshake fails.
 */
export async function handshakeRounds(plan: Plan, rp: RoundsPlan, log: (msg: string) => void): Promise<RoundsResult> {
  const problems: string[] = [];
  const fc = await launch(farclawTarget(plan), log);
  let fl: Launched | undefined;
  try {
    const frameBytes = await frameSizes(fc);
    fl = await launch(floorTarget(plan, frameBytes), log);
    const servers = [fc, fl] as const;
    log(`handshake rounds: ${rp.rounds} × ${rp.perRound} per server, taking turns`);
    for (const s of servers) await handshakeSeries(s.url, s.token, 0, rp.warmup);
    const samples: [number[], number[]] = [[], []];
    const medians: [number[], number[]] = [[], []];
    for (let r = 0; r < rp.rounds; r++) {
      // ABBA: farclaw first in rounds 0, 3, 4, 7, 8…, the floor first in the others.
      const order = r % 4 === 0 || r % 4 === 3 ? [0, 1] : [1, 0];
      for (const i of order) {
        const s = servers[i] as Launched;
        const ms = await handshakeSeries(s.url, s.token, rp.perRound, 0);
        samples[i]?.push(...ms);
        medians[i]?.push(percentile(ms, 50));
      }
    }
    const figures = (i: 0 | 1): RoundsFigures => ({
      p50: percentile(medians[i], 50),
      p99: percentile(samples[i], 99),
      roundMedians: medians[i].map(round3),
    });
    const ratios = medians[0].map((m, r) => m / (medians[1][r] as number));
    return { farclaw: figures(0), floor: figures(1), ratios: ratios.map(round3), ratio: percentile(ratios, 50), plan: rp, frameBytes, problems };
  } finally {
    if (fl) problems.push(...(await fl.stop()));
    problems.push(...(await fc.stop()));
  }
}

/** The rounds as lines for the text report. */
export function renderRounds(r: RoundsResult): string {
  const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
  return [
    `handshake rounds (${r.plan.rounds} × ${r.plan.perRound} per server, taking turns; hello-ok ${r.frameBytes.helloOk} B on both):`,
    `  farclaw median ${r.farclaw.p50.toFixed(3)} ms (p99 ${r.farclaw.p99.toFixed(3)}), round medians ${fmt(r.farclaw.roundMedians)}`,
    `  floor   median ${r.floor.p50.toFixed(3)} ms (p99 ${r.floor.p99.toFixed(3)}), round medians ${fmt(r.floor.roundMedians)}`,
    `  farclaw ÷ floor per round ${fmt(r.ratios)}; median ${r.ratio.toFixed(2)}× (target ≤ 1.5×: ${r.ratio <= 1.5 ? 'met' : 'MISSED'})`,
  ].join('\n');
}
