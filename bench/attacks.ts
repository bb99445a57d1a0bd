/**
 * `npm run bench:attacks` (issue 12): a well-behaved operator's `health` latency while each
 * attack of items 3–7 runs against the gateway, beside the quiet baseline, and the gateway's
 * RSS (largest of samples taken during the attack). The same attacker processes
 * (bench/lib/attacker.ts) and the same client hit farclaw and the real OpenClaw gateway in one
 * run; the bare `ws` floor gives the quiet baseline of Node + ws + this client (it has no
 * auth, so attacks on it would measure nothing).
 *
 * Flags: --no-openclaw, --calls=N (timed health calls per phase, default 1000), --ramp-ms=N
 * (attack running before the timing starts, default 3000).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/free-port.js';
import { tmpHome } from '../test/helpers/tmp-home.js';
import { handshake, Session } from './lib/client.js';
import { sleep, stopGateway, treeRss, waitReady } from './lib/procs.js';
import { percentile } from './lib/report.js';
import { farclawTarget, floorTarget, openclawTarget, type Plan, type Target } from './lib/targets.js';

const ATTACKS = [
  ['origin-rotation', '3: wrong tokens, a new Origin each try'],
  ['big-connect', '4: 60 KB invalid connects'],
  ['slowloris', '5: 200 sockets, 1 byte/s'],
  ['slow-consumers', '6: 30 clients that never read'],
  ['memory-pinning', '7: 300 wrong-token sockets × 15 × 60 KB'],
] as const;

/** The ceiling the README states for a gateway under attack (send buffers are capped at 128 MiB in total). */
const RSS_CEILING_MB = 400;

const log = (msg: string): void => void process.stderr.write(`[bench:attacks] ${msg}\n`);
const hasFlag = (name: string): boolean => process.argv.includes(`--${name}`);
const intFlag = (name: string, fallback: number): number => {
  const n = Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3));
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

interface Row { phase: string; p50Us: number | string; p99Us: number | string; rssMb: number | string }

/** Health latencies of a fresh well-behaved client, as p50/p99 µs, or why they could not be taken. */
async function measure(port: number, token: string, calls: number): Promise<{ p50: number; p99: number } | string> {
  try {
    const { ws } = await handshake(`ws://127.0.0.1:${port}`, token, 30_000);
    try {
      const lat = await new Session(ws).healthLatencies(calls, 50);
      return { p50: percentile(lat, 50), p99: percentile(lat, 99) };
    } finally {
      ws.terminate();
    }
  } catch (err) {
    return `failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
  }
}

function startAttacker(attack: string, port: number, token: string): ChildProcess {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'lib', 'attacker.js');
  return spawn(process.execPath, [script, attack, String(port), token], { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function runTarget(t: Target, calls: number, rampMs: number, withAttacks: boolean): Promise<Row[]> {
  const home = tmpHome(`farclaw-bench-attacks-${t.name}-`);
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const rows: Row[] = [];
  const gw = t.spawn(port, token, home);
  try {
    await waitReady(gw, performance.now(), t.plan.readyTimeoutMs);
    const rssMb = (): number => Math.round(treeRss(gw.pid).totalKb / 1024);
    const quiet = await measure(port, token, calls);
    rows.push(typeof quiet === 'string' ? { phase: 'quiet', p50Us: quiet, p99Us: '', rssMb: rssMb() } : { phase: 'quiet', p50Us: quiet.p50, p99Us: quiet.p99, rssMb: rssMb() });
    if (!withAttacks) return rows;
    for (const [attack, label] of ATTACKS) {
      log(`${t.name}: ${label}`);
      const attacker = startAttacker(attack, port, token);
      let peak = rssMb();
      const sampler = setInterval(() => (peak = Math.max(peak, rssMb())), 250);
      try {
        await sleep(rampMs);
        const m = await measure(port, token, calls);
        peak = Math.max(peak, rssMb());
        rows.push(typeof m === 'string' ? { phase: label, p50Us: m, p99Us: '', rssMb: peak } : { phase: label, p50Us: m.p50, p99Us: m.p99, rssMb: peak });
      } finally {
        clearInterval(sampler);
        attacker.kill('SIGKILL');
      }
      await sleep(2_000); // let closes, delays and lockouts drain before the next attack
    }
    return rows;
  } finally {
    await stopGateway(gw);
    home.dispose();
  }
}

const fmt = (v: number | string): string => (typeof v === 'number' ? (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${Math.round(v)} µs`) : v);

async function main(): Promise<void> {
  const calls = intFlag('calls', 1000);
  const rampMs = intFlag('ramp-ms', 3000);
  const plan: Plan = { handshakes: 0, healthCalls: calls, pipeline: 0, conns: 0, readyTimeoutMs: 30_000 };
  const results: Record<string, Row[]> = {};
  results.floor = await runTarget(floorTarget(plan), calls, rampMs, false);
  results.farclaw = await runTarget(farclawTarget(plan), calls, rampMs, true);
  const peer = hasFlag('no-openclaw') ? 'skipped by --no-openclaw' : await openclawTarget({ ...plan, readyTimeoutMs: 180_000 });
  if (typeof peer === 'string') log(`OpenClaw: ${peer}`);
  else results.openclaw = await runTarget(peer, calls, rampMs, true).catch((err: Error) => [{ phase: 'quiet', p50Us: `failed: ${err.message.split('\n')[0]}`, p99Us: '', rssMb: '' }]);

  const phases = ['quiet', ...ATTACKS.map(([, label]) => label)];
  const cell = (target: string, phase: string, key: 'p99Us' | 'rssMb'): string => {
    const r = results[target]?.find((x) => x.phase === phase);
    if (!r) return '—';
    if (typeof r.p50Us === 'string') return r.p50Us;
    return key === 'rssMb' ? `${r.rssMb} MB` : fmt(r[key]);
  };
  const lines = [
    `health p99 of a well-behaved operator (${calls} calls after a ${rampMs} ms ramp) and gateway RSS; goal: p99 < 10 ms and RSS < ${RSS_CEILING_MB} MB under every attack`,
    ['phase', 'farclaw p99', 'farclaw RSS', 'OpenClaw p99', 'OpenClaw RSS', 'floor p99'].join(' | '),
    ...phases.map((p) => [p, cell('farclaw', p, 'p99Us'), cell('farclaw', p, 'rssMb'), cell('openclaw', p, 'p99Us'), cell('openclaw', p, 'rssMb'), p === 'quiet' ? cell('floor', p, 'p99Us') : '—'].join(' | ')),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (hasFlag('json')) process.stdout.write(JSON.stringify(results) + '\n');
}

await main();
