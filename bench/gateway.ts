/**
 * `npm run bench`: starts our gateway, the real OpenClaw gateway when the peer cache holds it,
 * and a bare `ws` server (the floor: what Node + ws + this client cost on this machine); drives
 * all three with the same client (bench/lib/client.ts) in separate processes, one after the
 * other, and prints the figures, farclaw's ratio to OpenClaw and our targets. A fourth server,
 * the SQLite floor (the bare floor holding a better-sqlite3 database open, as the gateway must),
 * is started for its idle RSS only: farclaw's idle RSS over it is what our own code costs.
 *
 * Handshakes and sequential health calls of farclaw and the floor are timed in rounds that take
 * turns (floor-rounds.ts); OpenClaw's are one series each.
 *
 * Flags: --json (raw numbers), --no-openclaw, --no-floor (neither floor), --no-kernel (bus
 * fan-out and durable-log rows), --fanout-clients=N (default 1000), --conns=N (idle connections, default
 * 2000), --pipeline=N (pipelined calls, default 20000; OpenClaw gets N/10 since it is slower),
 * --handshake-only (only the farclaw/floor handshake rounds), --handshake-rounds=N (default 20),
 * --handshakes-per-round=N (default 50), --health-only (only the farclaw/floor health rounds;
 * with --handshake-only, both), --health-rounds=N (default 20), --health-calls-per-round=N
 * (default 100).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { PEER_NODE_VERSION, PEER_OPENCLAW_VERSION } from '../test/helpers/peer.js';
import { closeSocket, dropAll, handshake, handshakeSeries, openIdle, Session } from './lib/client.js';
import { DEFAULT_ROUNDS, floorRounds, renderRounds, type RoundsPlan, type RoundsRow, type RoundsResult } from './lib/floor-rounds.js';
import { sampleRss, sleep, treeCpuMs } from './lib/procs.js';
import { idleRss, METRICS, naFigures, percentile, renderIdleRss, renderTable, type Figures, type MetricKey } from './lib/report.js';
import { farclawTarget, floorTarget, launch, openclawTarget, type Launched, type Plan, type Target } from './lib/targets.js';
import { benchKernel, ratiosToFloor, renderKernel, renderRatios } from './lib/kernel-bench.js';

/** Everything measured for one server, beyond the table's figures. */
interface Run {
  figures: Figures;
  details: Record<string, unknown>;
  problems: string[];
}

/**
 * In-flight cap of the windowed pipeline row. OpenClaw admits at most 256 queued operator
 * requests gateway-wide and answers the rest `UNAVAILABLE The server is busy`, so a deep
 * pipeline cannot be measured on it; 200 stays under that cap for every server.
 */
const WINDOW = 200;
/**
 * Idle connections are opened this many at a time: OpenClaw refuses the upgrade (503 "Too many
 * unauthenticated sockets") beyond 32 handshakes in progress per client IP.
 */
const OPEN_CONCURRENCY = 16;

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;

function flag(name: string): string | boolean | undefined {
  for (const a of process.argv.slice(2)) {
    if (a === `--${name}`) return true;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return undefined;
}

function intFlag(name: string, fallback: number): number {
  const v = flag(name);
  const n = typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** Retries the handshake until the server admits operators (OpenClaw may still be starting sidecars). */
async function firstConnect(url: string, token: string, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    try {
      const { ws } = await handshake(url, token);
      await closeSocket(ws);
      return performance.now() - t0;
    } catch (err) {
      if (performance.now() - t0 > timeoutMs) throw err;
      await sleep(250);
    }
  }
}

/** Warm-up, then the median rate (calls/s) of 3 rounds, with the CPU both sides used. */
async function pipeRate(session: Session, pid: number, n: number, window: number): Promise<{ median: number; rates: number[]; serverCpu: number; clientCpu: number }> {
  await session.pipelined(Math.max(100, Math.round(n / 10)), window, 120_000);
  const rates: number[] = [];
  const c0 = process.cpuUsage();
  const s0 = treeCpuMs(pid);
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) {
    const r = await session.pipelined(n, window, 300_000);
    if (r.failed > 0) throw new Error(`${r.failed}/${n} calls answered ${r.firstError ?? '?'}`);
    rates.push(Math.round((n / r.ms) * 1000));
  }
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return {
    median: percentile(rates, 50),
    rates,
    serverCpu: round((treeCpuMs(pid) - s0) / wall, 2),
    clientCpu: round((c.user + c.system) / 1000 / wall, 2),
  };
}

/** Runs `fn`, turning a failure into n/a figures for `keys` with the reason. */
async function phase(run: Run, what: string, keys: MetricKey[], fn: () => Promise<void>): Promise<void> {
  log(what);
  try {
    await fn();
  } catch (err) {
    const reason = `${what} failed: ${errText(err)}`;
    log(reason);
    for (const k of keys) run.figures[k] = { na: reason };
  }
}

/** Idle RSS of the process tree 3 s after the first handshake, then its CPU over 2 s. */
async function idlePhase(run: Run, name: string, pid: number): Promise<void> {
  await phase(run, `${name}: idle RSS`, ['idleRssMb'], async () => {
    await sleep(3_000);
    const rss = await sampleRss(pid);
    run.figures.idleRssMb = rss.totalKb / 1024;
    run.details.idleProcesses = rss.procs;
    const cpu0 = treeCpuMs(pid);
    await sleep(2_000);
    run.details.idleCpuPercent = round((treeCpuMs(pid) - cpu0) / 20, 1);
  });
}

/** Start-up and idle RSS only, measured as in `measure` (for the SQLite floor). */
async function measureIdle(t: Target): Promise<Run> {
  const run: Run = { figures: naFigures('only start-up and idle RSS are measured on the SQLite floor'), details: {}, problems: [] };
  let server: Launched | undefined;
  try {
    server = await launch(t, log);
    run.figures.readyMs = server.readyMs;
    run.details.firstConnectAfterReadyMs = round(await firstConnect(server.url, server.token, 60_000));
    await idlePhase(run, t.name, server.gw.pid);
  } catch (err) {
    const reason = `${t.name}: ${errText(err)}`;
    log(reason);
    for (const k of ['readyMs', 'idleRssMb'] as const) if (typeof run.figures[k] !== 'number') run.figures[k] = { na: reason };
  } finally {
    if (server) run.problems.push(...(await server.stop()));
  }
  return run;
}

async function measure(t: Target): Promise<Run> {
  const run: Run = { figures: naFigures('not measured'), details: {}, problems: [] };
  const { plan } = t;
  let server: Launched | undefined;
  try {
    server = await launch(t, log);
    const { url, token } = server;
    run.figures.readyMs = server.readyMs;
    const pid = server.gw.pid;
    run.details.firstConnectAfterReadyMs = round(await firstConnect(url, token, 60_000));

    await idlePhase(run, t.name, pid);

    // farclaw and the floor (when both run) are timed in alternating rounds instead (main).
    if (plan.handshakes > 0) await phase(run, `${t.name}: ${plan.handshakes} sequential handshakes`, ['handshakeP50Ms', 'handshakeP99Ms'], async () => {
      const ms = await handshakeSeries(url, token, plan.handshakes, 20);
      run.figures.handshakeP50Ms = percentile(ms, 50);
      run.figures.handshakeP99Ms = percentile(ms, 99);
    });

    const { ws, helloBytes } = await handshake(url, token);
    run.details.helloOkBytes = helloBytes;
    const session = new Session(ws);
    await session.health();
    run.details.healthResBytes = session.lastBytes;
    // farclaw and the floor (when both run) are timed in alternating rounds instead (main).
    if (plan.healthCalls > 0) await phase(run, `${t.name}: ${plan.healthCalls} sequential health calls`, ['healthP50Us', 'healthP99Us'], async () => {
      const us = await session.healthLatencies(plan.healthCalls, 200);
      run.figures.healthP50Us = percentile(us, 50);
      run.figures.healthP99Us = percentile(us, 99);
    });

    await phase(run, `${t.name}: ${plan.conns} idle connections`, ['idleConnKb'], async () => {
      const before = await sampleRss(pid);
      const started = performance.now();
      const idle = await openIdle(url, token, plan.conns, OPEN_CONCURRENCY);
      const openMs = performance.now() - started;
      await sleep(2_000);
      const after = await sampleRss(pid);
      run.details.idleConns = {
        opened: idle.sockets.length,
        failed: idle.failed,
        firstError: idle.firstError,
        openMs: Math.round(openMs),
        rssBeforeMb: round(before.totalKb / 1024, 1),
        rssAfterMb: round(after.totalKb / 1024, 1),
      };
      await dropAll(idle.sockets);
      if (idle.sockets.length === 0) throw new Error(`no connection opened (${idle.firstError ?? 'unknown error'})`);
      if (idle.failed > 0) {
        run.problems.push(`${t.name}: ${idle.failed}/${plan.conns} idle connections failed (first: ${idle.firstError ?? '?'}); per-connection figure uses the ${idle.sockets.length} opened`);
      }
      run.figures.idleConnKb = (after.totalKb - before.totalKb) / idle.sockets.length;
    });

    for (const [key, window, label] of [['pipelinedPerSec', Infinity, 'no waiting'], ['windowedPerSec', WINDOW, `${WINDOW} in flight`]] as const) {
      await phase(run, `${t.name}: pipelined health ×${plan.pipeline}, ${label}`, [key], async () => {
        const r = await pipeRate(session, pid, plan.pipeline, window);
        run.details[key] = { rates: r.rates, serverCpu: r.serverCpu, clientCpu: r.clientCpu };
        run.figures[key] = r.median;
      });
    }
    await closeSocket(ws);
  } catch (err) {
    const reason = `${t.name}: ${errText(err)}`;
    log(reason);
    for (const m of METRICS) if (typeof run.figures[m.key] !== 'number') run.figures[m.key] = { na: reason };
  } finally {
    if (server) run.problems.push(...(await server.stop()));
  }
  return run;
}

/**
 * The farclaw and floor handshake and health figures, from rounds that take turns (fresh servers
 * of both); a failure leaves them n/a with the reason.
 */
async function roundsInto(fc: Run, fl: Run, plan: Plan, rows: Record<RoundsRow, RoundsPlan>): Promise<RoundsResult | undefined> {
  log('farclaw and floor: handshake and health rounds');
  try {
    const r = await floorRounds(plan, rows, log);
    for (const [run, side] of [[fc, 'farclaw'], [fl, 'floor']] as const) {
      if (r.handshake) [run.figures.handshakeP50Ms, run.figures.handshakeP99Ms] = [r.handshake[side].p50, r.handshake[side].p99];
      if (r.health) [run.figures.healthP50Us, run.figures.healthP99Us] = [r.health[side].p50, r.health[side].p99];
    }
    return r;
  } catch (err) {
    const reason = `handshake and health rounds failed: ${errText(err)}`;
    log(reason);
    for (const run of [fc, fl]) for (const k of ['handshakeP50Ms', 'handshakeP99Ms', 'healthP50Us', 'healthP99Us'] as const) run.figures[k] = { na: reason };
    return undefined;
  }
}

function machine(): Record<string, unknown> {
  const nofile = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim(),
    memGb: round(totalmem() / 2 ** 30, 1),
    kernel: release(),
    node: process.version,
    openclawNode: `v${PEER_NODE_VERSION}`,
    clientFdLimit: nofile ? `${nofile[1]}/${nofile[2]}` : 'unknown',
    loadAvgAtStart: loadavg().map((l) => round(l, 2)),
  };
}

async function main(): Promise<void> {
  const json = flag('json') === true;
  const conns = intFlag('conns', 2000);
  const pipeline = intFlag('pipeline', 20_000);
  const mach = machine();
  const softFd = Number(String(mach.clientFdLimit).split('/')[0]);
  if (Number.isFinite(softFd) && softFd < conns + 100) {
    log(`warning: client fd limit ${String(mach.clientFdLimit)} is below ${conns} connections; expect EMFILE (raise it with ulimit -n)`);
  }

  const plan: Plan = { handshakes: 200, healthCalls: 2000, pipeline, conns, readyTimeoutMs: 15_000 };
  const peerPlan: Plan = { ...plan, pipeline: Math.max(100, Math.round(pipeline / 10)), readyTimeoutMs: 120_000 };
  const roundsPlan: Record<RoundsRow, RoundsPlan> = {
    handshake: {
      ...DEFAULT_ROUNDS.handshake,
      rounds: intFlag('handshake-rounds', DEFAULT_ROUNDS.handshake.rounds),
      perRound: intFlag('handshakes-per-round', DEFAULT_ROUNDS.handshake.perRound),
    },
    health: {
      ...DEFAULT_ROUNDS.health,
      rounds: intFlag('health-rounds', DEFAULT_ROUNDS.health.rounds),
      perRound: intFlag('health-calls-per-round', DEFAULT_ROUNDS.health.perRound),
    },
  };
  const handshakeOnly = flag('handshake-only') === true;
  const healthOnly = flag('health-only') === true;
  if (handshakeOnly || healthOnly) {
    const rows: Partial<Record<RoundsRow, RoundsPlan>> = {};
    if (handshakeOnly) rows.handshake = roundsPlan.handshake;
    if (healthOnly) rows.health = roundsPlan.health;
    const r = await floorRounds(plan, rows, log);
    process.stdout.write(json ? `${JSON.stringify({ machine: { ...mach, loadAvgAtEnd: loadavg().map((l) => round(l, 2)) }, rounds: r }, null, 2)}\n` : `${renderRounds(r)}\n`);
    if (r.problems.length > 0) process.exitCode = 1;
    return;
  }
  const noFloor = flag('no-floor') === true;
  const peer = flag('no-openclaw') ? 'skipped by --no-openclaw' : await openclawTarget(peerPlan);

  // With a floor, farclaw's handshakes and health calls are timed in the rounds below, taking turns with it.
  const fc = await measure(farclawTarget(noFloor ? plan : { ...plan, handshakes: 0, healthCalls: 0 }));
  const oc = typeof peer === 'string' ? undefined : await measure(peer);
  // The floor answers with frames as large as ours (same run), so ratios measure overhead.
  const frameBytes = { helloOk: Number(fc.details.helloOkBytes ?? 0), healthRes: Number(fc.details.healthResBytes ?? 0) };
  const fl = noFloor ? undefined : await measure(floorTarget({ ...plan, handshakes: 0, healthCalls: 0 }, frameBytes));
  const sq = noFloor ? undefined : await measureIdle(floorTarget(plan, frameBytes, true));
  const rounds = fl ? await roundsInto(fc, fl, plan, roundsPlan) : undefined;
  const kernel = flag('no-kernel') ? undefined : await benchKernel(intFlag('fanout-clients', 1000));
  const ocFigures = oc?.figures ?? naFigures(typeof peer === 'string' ? peer : 'not run');
  const flFigures = fl?.figures ?? naFigures('skipped by --no-floor');
  const idle = idleRss({ farclaw: fc.figures, floor: flFigures, sqliteFloor: sq?.figures ?? naFigures('skipped by --no-floor'), openclaw: ocFigures });
  const roundRatios = { handshake: rounds?.handshake?.ratio, health: rounds?.health?.ratio };
  const problems = [...fc.problems, ...(oc?.problems ?? []), ...(fl?.problems ?? []), ...(sq?.problems ?? []), ...(rounds?.problems ?? [])];
  mach.loadAvgAtEnd = loadavg().map((l) => round(l, 2));
  const peak = Math.max(...(mach.loadAvgAtStart as number[]), ...(mach.loadAvgAtEnd as number[]));
  if (peak > cpus().length / 2) {
    problems.push(`the machine was busy (load average ${JSON.stringify(mach.loadAvgAtStart)} → ${JSON.stringify(mach.loadAvgAtEnd)} on ${cpus().length} CPUs): latencies are inflated; compare with the floor column`);
  }

  if (json) {
    const entry = (r: Run | undefined, p: Plan, skipped?: string) =>
      skipped !== undefined ? { skipped } : { figures: r?.figures, details: r?.details, plan: p };
    const out = {
      machine: mach,
      farclaw: entry(fc, plan),
      openclaw: entry(oc, peerPlan, typeof peer === 'string' ? peer : undefined),
      floor: entry(fl, plan, fl ? undefined : 'skipped by --no-floor'),
      sqliteFloor: entry(sq, plan, sq ? undefined : 'skipped by --no-floor'),
      idleRss: idle,
      ratios: fl ? ratiosToFloor(fc.figures, fl.figures, roundRatios, sq?.figures) : undefined,
      rounds,
      kernel,
      problems,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const lines = [
      '',
      `machine: ${String(mach.cpus)} × ${String(mach.cpuModel)}, ${String(mach.memGb)} GB, Linux ${String(mach.kernel)}; ` +
        `farclaw, floor and client on node ${process.version}, openclaw on node v${PEER_NODE_VERSION}; ` +
        `client fd limit ${String(mach.clientFdLimit)}; load ${JSON.stringify(mach.loadAvgAtStart)} → ${JSON.stringify(mach.loadAvgAtEnd)}`,
      `plan: ${fl
        ? `${roundsPlan.handshake.rounds} × ${roundsPlan.handshake.perRound} handshakes and ${roundsPlan.health.rounds} × ${roundsPlan.health.perRound} health calls taking turns with the floor ` +
          `(openclaw ${plan.handshakes} and ${plan.healthCalls} in a row)`
        : `${plan.handshakes} handshakes, ${plan.healthCalls} health calls`}, ${conns} idle conns; ` +
        `pipelined ×${plan.pipeline} (openclaw ×${peerPlan.pipeline}), median of 3 rounds`,
      '',
      renderTable({ farclaw: fc.figures, openclaw: ocFigures, floor: flFigures }, `openclaw ${PEER_OPENCLAW_VERSION}`),
      '',
      `details: farclaw ${JSON.stringify(fc.details)}`,
      ...(oc ? [`details: openclaw ${JSON.stringify(oc.details)}`] : []),
      ...(fl ? [`details: floor ${JSON.stringify(fl.details)}`] : []),
      ...(sq ? [`details: SQLite floor ${JSON.stringify(sq.details)}`] : []),
      '',
      renderIdleRss(idle),
      ...(rounds ? ['', renderRounds(rounds)] : []),
      ...(fl ? ['', renderRatios(ratiosToFloor(fc.figures, fl.figures, roundRatios, sq?.figures))] : []),
      ...(kernel ? ['', renderKernel(kernel)] : []),
      ...problems.map((p) => `problem: ${p}`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  }
  if (problems.some((p) => p.includes('after stop'))) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
