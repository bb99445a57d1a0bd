/**
 * `npm run bench:cli`: one whole CLI process against one running farclaw gateway, for our CLI and
 * (when the peer cache holds it) the real OpenClaw CLI, in the same run, beside a floor (a bare
 * `node -e 0`: what any Node CLI pays before its first line). Prints median/p90 wall time, peak
 * RSS (via /usr/bin/time) and the ratio.
 *
 * Flags: --runs=N (default 15), --json, --command=call|probe (default call:
 * `gateway call health --url … --token …`; probe: `gateway probe --url … --token … --json`,
 * which also probes the local loopback port, closed here, as both CLIs do; exit 0 expected).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startGateway, TEST_TOKEN } from '../test/helpers/gateway-process.js';
import { FARCLAW_BIN } from '../test/helpers/paths.js';
import { ensurePeer, peerCacheDir } from '../test/helpers/peer.js';
import { tmpHome } from '../test/helpers/tmp-home.js';

const TIME_BIN = '/usr/bin/time';
const runsFlag = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsFlag ? Math.max(1, Number(runsFlag.slice(7)) || 15) : 15;
const COMMAND = process.argv.find((a) => a.startsWith('--command='))?.slice(10) === 'probe' ? 'probe' : 'call';

interface Sample {
  wallMs: number;
  peakRssKb: number | undefined;
}

/** Runs one command to completion; wall time from spawn to exit, peak RSS from GNU time. */
async function runOnce(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  const useTime = existsSync(TIME_BIN);
  const [bin, argv] = useTime ? [TIME_BIN, ['-f', '__PEAK_RSS_KB=%M', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const child = spawn(bin, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-500)}`);
  const m = /__PEAK_RSS_KB=(\d+)/.exec(stderr);
  return { wallMs, peakRssKb: m?.[1] ? Number(m[1]) : undefined };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p90 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] ?? NaN;

async function series(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  await runOnce(cmd, args, env); // warm the page cache
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(await runOnce(cmd, args, env));
  const walls = samples.map((s) => s.wallMs);
  const rss = samples.flatMap((s) => (s.peakRssKb === undefined ? [] : [s.peakRssKb]));
  return { label, medianMs: median(walls), p90Ms: p90(walls), peakRssMb: rss.length ? Math.max(...rss) / 1024 : undefined };
}

async function main(): Promise<void> {
  const gw = await startGateway({ args: ['--token', TEST_TOKEN] });
  const home = tmpHome('farclaw-bench-cli-');
  try {
    const call = COMMAND === 'probe'
      ? ['gateway', 'probe', '--url', gw.url, '--token', TEST_TOKEN, '--json']
      : ['gateway', 'call', 'health', '--url', gw.url, '--token', TEST_TOKEN];
    const floor = await series('node -e 0', process.execPath, ['-e', '0'], home.env);
    const ours = await series('farclaw', process.execPath, [FARCLAW_BIN, ...call], home.env);
    let theirs: Awaited<ReturnType<typeof series>> | string;
    if (existsSync(`${peerCacheDir()}/install-complete.json`)) {
      const peer = await ensurePeer();
      theirs = await series('openclaw 2026.9.6', peer.nodeBin, [peer.openclawEntry, ...call], peer.env({ HOME: home.home }));
    } else {
      theirs = `peer cache ${peerCacheDir()} not installed (run the interop tests once)`;
    }
    if (process.argv.includes('--json')) {
      process.stdout.write(JSON.stringify({ runs: RUNS, command: call.slice(0, 2).join(' '), floor, farclaw: ours, openclaw: theirs }, null, 2) + '\n');
      return;
    }
    const fmt = (n: number | undefined, unit: string, d = 0) => (n === undefined ? 'n/a' : `${n.toFixed(d)} ${unit}`);
    const lines = [
      `${call.slice(0, 2).join(' ')}${COMMAND === 'probe' ? '' : ' health'} --url … --token …, whole process, ${RUNS} runs each (node ${process.version}, ${gw.url})`,
      '',
      '| metric        | floor (node -e 0) | farclaw | openclaw 2026.9.6 | ratio (× better) | target (farclaw) |',
      '|---------------|-------------------|---------|-------------------|------------------|------------------|',
    ];
    const row = (name: string, f: number | undefined, a: number | undefined, b: number | undefined, unit: string, target: string, d = 0) => {
      const ratio = a !== undefined && b !== undefined ? `${(b / a).toFixed(1)}×` : '—';
      lines.push(`| ${name} | ${fmt(f, unit, d)} | ${fmt(a, unit, d)} | ${typeof theirs === 'string' ? 'n/a' : fmt(b, unit, d)} | ${ratio} | ${target} |`);
    };
    const other = typeof theirs === 'string' ? undefined : theirs;
    row('wall median ', floor.medianMs, ours.medianMs, other?.medianMs, 'ms', COMMAND === 'probe' ? '—' : '≤ 300 ms');
    row('wall p90    ', floor.p90Ms, ours.p90Ms, other?.p90Ms, 'ms', '—');
    row('peak RSS    ', floor.peakRssMb, ours.peakRssMb, other?.peakRssMb, 'MB', '≤ 80 MB', 1);
    if (typeof theirs === 'string') lines.push('', `openclaw: ${theirs}`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    home.dispose();
    await gw.stop();
  }
}

await main();
