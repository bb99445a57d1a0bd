/**
 * `npm run bench`: starts our gateway and, when the peer cache holds it, the real OpenClaw
 * gateway; drives both with the same client (bench/lib/client.ts) and prints both figures,
 * their ratio and our targets, all measured in this run. `--json` prints the raw numbers.
 *
 * Flags: --json, --no-openclaw, --conns=N (idle connections, default 2000),
 * --pipeline=N (pipelined calls for farclaw, default 20000; OpenClaw gets N/10).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../test/helpers/free-port.js';
import { FARCLAW_BIN } from '../test/helpers/paths.js';
import { ensurePeer, peerCacheDir, PEER_NODE_VERSION, PEER_OPENCLAW_VERSION } from '../test/helpers/peer.js';
import { tmpHome, type TmpHome } from '../test/helpers/tmp-home.js';
import { closeSocket, dropAll, handshake, handshakeSeries, openIdle, Session } from './lib/client.js';
import { sampleRss, sleep, spawnGateway, stopGateway, waitReady, type Spawned } from './lib/procs.js';
import { METRICS, naFigures, percentile, renderTable, type Figures, type MetricKey } from './lib/report.js';

interface Plan {
  handshakes: number;
  healthCalls: number;
  pipeline: number;
  conns: number;
  readyTimeoutMs: number;
}

interface Target {
  name: string;
  plan: Plan;
  /** Spawns the gateway on `port`; the ready clock starts just before this call. */
  spawn(port: number, token: string, home: TmpHome): Spawned;
}

/** Everything measured for one gateway, beyond the table's figures. */
interface Run {
  figures: Figures;
  details: Record<string, unknown>;
  problems: string[];
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

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

/** Retries the handshake until the gateway admits operators (it may still be starting sidecars). */
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

/**
 * In-flight cap of the windowed pipeline row. OpenClaw admits at most 256 queued operator
 * requests gateway-wide and answers the rest `UNAVAILABLE The server is busy`, so a deep
 * pipeline cannot be measured on it; 200 stays under that cap for both gateways.
 */
const WINDOW = 200;

/** Warm-up, then the median rate (calls/s) of 3 rounds of `n` pipelined health calls. */
async function pipeRate(session: Session, n: number, window: number): Promise<{ median: number; rates: number[] }> {
  await session.pipelined(Math.max(100, Math.round(n / 10)), window, 120_000);
  const rates: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await session.pipelined(n, window, 300_000);
    if (r.failed > 0) throw new Error(`${r.failed}/${n} calls answered ${r.firstError ?? '?'}`);
    rates.push(Math.round((n / r.ms) * 1000));
  }
  return { median: percentile(rates, 50), rates };
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

async function measure(t: Target): Promise<Run> {
  const run: Run = { figures: naFigures('not measured'), details: {}, problems: [] };
  const { plan } = t;
  const home = tmpHome(`farclaw-bench-${t.name}-`);
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  let gw: Spawned | undefined;
  try {
    log(`${t.name}: starting on port ${port}`);
    const t0 = performance.now();
    gw = t.spawn(port, token, home);
    run.figures.readyMs = await waitReady(gw, t0, plan.readyTimeoutMs);
    const pid = gw.pid;
    log(`${t.name}: ready in ${run.figures.readyMs.toFixed(0)} ms`);
    run.details.firstConnectAfterReadyMs = await firstConnect(url, token, 60_000);

    await phase(run, `${t.name}: idle RSS`, ['idleRssMb'], async () => {
      await sleep(3_000);
      const rss = await sampleRss(pid);
      run.figures.idleRssMb = rss.totalKb / 1024;
      run.details.idleProcesses = rss.procs;
    });

    await phase(run, `${t.name}: ${plan.handshakes} sequential handshakes`, ['handshakeP50Ms', 'handshakeP99Ms'], async () => {
      const ms = await handshakeSeries(url, token, plan.handshakes, 20);
      run.figures.handshakeP50Ms = percentile(ms, 50);
      run.figures.handshakeP99Ms = percentile(ms, 99);
    });

    const { ws } = await handshake(url, token);
    const session = new Session(ws);
    await phase(run, `${t.name}: ${plan.healthCalls} sequential health calls`, ['healthP50Us', 'healthP99Us'], async () => {
      const us = await session.healthLatencies(plan.healthCalls, 200);
      run.figures.healthP50Us = percentile(us, 50);
      run.figures.healthP99Us = percentile(us, 99);
    });

    await phase(run, `${t.name}: ${plan.conns} idle connections`, ['idleConnKb'], async () => {
      const before = await sampleRss(pid);
      const started = performance.now();
      const idle = await openIdle(url, token, plan.conns, 50);
      const openMs = performance.now() - started;
      await sleep(2_000);
      const after = await sampleRss(pid);
      run.details.idleConns = {
        requested: plan.conns,
        opened: idle.sockets.length,
        failed: idle.failed,
        firstError: idle.firstError,
        openMs: Math.round(openMs),
        rssBeforeKb: before.totalKb,
        rssAfterKb: after.totalKb,
      };
      await dropAll(idle.sockets);
      if (idle.sockets.length === 0) throw new Error(`no connection opened (${idle.firstError ?? 'unknown error'})`);
      if (idle.failed > 0) {
        run.problems.push(`${t.name}: ${idle.failed}/${plan.conns} idle connections failed (first: ${idle.firstError ?? '?'})`);
      }
      run.figures.idleConnKb = (after.totalKb - before.totalKb) / idle.sockets.length;
    });

    await phase(run, `${t.name}: pipelined health ×${plan.pipeline}, no waiting`, ['pipelinedPerSec'], async () => {
      const r = await pipeRate(session, plan.pipeline, Infinity);
      run.details.pipelinedRates = r.rates;
      run.figures.pipelinedPerSec = r.median;
    });
    await phase(run, `${t.name}: pipelined health ×${plan.pipeline}, ${WINDOW} in flight`, ['windowedPerSec'], async () => {
      const r = await pipeRate(session, plan.pipeline, WINDOW);
      run.details.windowedRates = r.rates;
      run.figures.windowedPerSec = r.median;
    });
    await closeSocket(ws);
  } catch (err) {
    const reason = errText(err);
    log(`${t.name}: ${reason}`);
    for (const m of METRICS) if (typeof run.figures[m.key] !== 'number') run.figures[m.key] = { na: reason };
  } finally {
    if (gw) {
      log(`${t.name}: stopping`);
      run.problems.push(...(await stopGateway(gw)));
    }
    home.dispose();
  }
  return run;
}

/** Locates the real OpenClaw in the peer cache without ever installing it. */
async function openclawTarget(plan: Plan): Promise<Target | string> {
  if (flag('no-openclaw')) return 'skipped by --no-openclaw';
  const dir = peerCacheDir();
  const marker = join(dir, 'install-complete.json');
  let ok = false;
  try {
    const m = JSON.parse(readFileSync(marker, 'utf8')) as { node?: string; openclaw?: string };
    ok = m.node === PEER_NODE_VERSION && m.openclaw === PEER_OPENCLAW_VERSION;
  } catch {
    // Missing or unreadable marker: not installed.
  }
  if (!ok || !existsSync(join(dir, 'node24')) || !existsSync(join(dir, 'openclaw'))) {
    return `no complete OpenClaw ${PEER_OPENCLAW_VERSION} install in ${dir} (the bench never installs it; run the peer tests first)`;
  }
  const peer = await ensurePeer(); // a valid marker makes this a lookup, not an install
  return {
    name: 'openclaw',
    plan,
    spawn: (port, token, home) =>
      spawnGateway(
        'openclaw',
        peer.nodeBin,
        [peer.openclawEntry, 'gateway', 'run', '--allow-unconfigured', '--port', String(port), '--token', token, '--bind', 'loopback'],
        // cwd = the temp home: the CLI reads a `.env` from its working directory.
        { env: peer.env({ HOME: home.home }), cwd: home.home, port },
      ),
  };
}

function machine(): Record<string, unknown> {
  const limits = readFileSync('/proc/self/limits', 'utf8');
  const nofile = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim(),
    memGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    clientNode: process.version,
    farclawNode: process.version,
    openclawNode: `v${PEER_NODE_VERSION}`,
    clientFdLimit: nofile ? `${nofile[1]}/${nofile[2]}` : 'unknown',
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

  const ours: Target = {
    name: 'farclaw',
    plan: { handshakes: 200, healthCalls: 2000, pipeline, conns, readyTimeoutMs: 15_000 },
    spawn: (port, token, home) =>
      spawnGateway('farclaw', process.execPath, [FARCLAW_BIN, 'gateway', 'run', '--port', String(port), '--token', token], {
        env: home.env,
        cwd: home.home,
        port,
      }),
  };
  const peerPlan: Plan = { handshakes: 200, healthCalls: 2000, pipeline: Math.max(100, Math.round(pipeline / 10)), conns, readyTimeoutMs: 120_000 };
  const peer = await openclawTarget(peerPlan);

  const fc = await measure(ours);
  const oc = typeof peer === 'string' ? undefined : await measure(peer);
  const ocFigures = oc?.figures ?? naFigures(typeof peer === 'string' ? peer : 'not run');
  const problems = [...fc.problems, ...(oc?.problems ?? [])];

  if (json) {
    const out = {
      machine: mach,
      farclaw: { figures: fc.figures, details: fc.details, plan: ours.plan },
      openclaw: typeof peer === 'string' ? { skipped: peer } : { figures: ocFigures, details: oc?.details, plan: peerPlan },
      problems,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const ocHeader = `openclaw ${PEER_OPENCLAW_VERSION}`;
    const lines = [
      '',
      `machine: ${String(mach.cpus)} × ${String(mach.cpuModel)}, ${String(mach.memGb)} GB, Linux ${String(mach.kernel)}; ` +
        `farclaw + client on node ${process.version}, openclaw on node v${PEER_NODE_VERSION}; client fd limit ${String(mach.clientFdLimit)}`,
      `plan: ${ours.plan.handshakes} handshakes, ${ours.plan.healthCalls} health calls, ${conns} idle conns; ` +
        `pipelined ×${ours.plan.pipeline} (farclaw) / ×${peerPlan.pipeline} (openclaw), median of 3`,
      '',
      renderTable(fc.figures, ocFigures, ocHeader),
      '',
      `details: farclaw ${JSON.stringify(fc.details)}`,
      ...(oc ? [`details: openclaw ${JSON.stringify(oc.details)}`] : []),
      ...problems.map((p) => `problem: ${p}`),
      '',
    ];
    process.stdout.write(lines.join('\n'));
  }
  if (problems.some((p) => p.includes('still'))) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
