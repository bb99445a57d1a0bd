/** A measured figure, or the reason it could not be measured (never a made-up number). */
export type Value = number | { na: string };

export type Figures = Record<MetricKey, Value>;

export type MetricKey =
  | 'readyMs'
  | 'idleRssMb'
  | 'handshakeP50Ms'
  | 'handshakeP99Ms'
  | 'healthP50Us'
  | 'healthP99Us'
  | 'pipelinedPerSec'
  | 'windowedPerSec'
  | 'idleConnKb';

interface Metric {
  key: MetricKey;
  label: string;
  unit: string;
  better: 'lower' | 'higher';
  digits: number;
  target?: number;
}

export const METRICS: readonly Metric[] = [
  { key: 'readyMs', label: 'start → /readyz 200', unit: 'ms', better: 'lower', digits: 0, target: 300 },
  { key: 'idleRssMb', label: 'idle RSS (process tree)', unit: 'MB', better: 'lower', digits: 1, target: 60 },
  { key: 'handshakeP50Ms', label: 'handshake median', unit: 'ms', better: 'lower', digits: 3, target: 1 },
  { key: 'handshakeP99Ms', label: 'handshake p99', unit: 'ms', better: 'lower', digits: 3 },
  { key: 'healthP50Us', label: 'health p50 (sequential)', unit: 'µs', better: 'lower', digits: 0, target: 100 },
  { key: 'healthP99Us', label: 'health p99 (sequential)', unit: 'µs', better: 'lower', digits: 0, target: 1000 },
  { key: 'pipelinedPerSec', label: 'pipelined health (no wait)', unit: 'calls/s', better: 'higher', digits: 0, target: 30_000 },
  { key: 'windowedPerSec', label: 'pipelined health (≤200 in flight)', unit: 'calls/s', better: 'higher', digits: 0 },
  { key: 'idleConnKb', label: 'memory per idle connection', unit: 'KB', better: 'lower', digits: 1, target: 16 },
];

/** Nearest-rank percentile (p in 0..100) of an unsorted sample. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) throw new Error('percentile of an empty sample');
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function naFigures(reason: string): Figures {
  const out = {} as Figures;
  for (const m of METRICS) out[m.key] = { na: reason };
  return out;
}

function fmt(v: Value, m: Metric): string {
  if (typeof v !== 'number') return 'n/a';
  return `${v.toLocaleString('en-US', { minimumFractionDigits: m.digits, maximumFractionDigits: m.digits })} ${m.unit}`;
}

/** How many times better farclaw is (> 1: farclaw wins), whatever the metric's direction. */
function ratio(fc: Value, oc: Value, m: Metric): string {
  if (typeof fc !== 'number' || typeof oc !== 'number' || fc <= 0 || oc <= 0) return '—';
  const r = m.better === 'lower' ? oc / fc : fc / oc;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function targetCell(fc: Value, m: Metric): string {
  if (m.target === undefined) return '—';
  const sign = m.better === 'lower' ? '≤' : '≥';
  const goal = `${sign} ${m.target.toLocaleString('en-US')} ${m.unit}`;
  if (typeof fc !== 'number') return `${goal} ?`;
  const met = m.better === 'lower' ? fc <= m.target : fc >= m.target;
  return `${goal} ${met ? 'ok' : 'MISSED'}`;
}

/** The comparison table (floor = bare `ws` server); n/a reasons are listed under it. */
export function renderTable(figs: { farclaw: Figures; openclaw: Figures; floor: Figures }, ocHeader: string): string {
  const { farclaw: fc, openclaw: oc, floor } = figs;
  const rows: string[][] = [['metric', 'farclaw', ocHeader, 'ratio (× better)', 'target (farclaw)', 'floor (bare ws)']];
  for (const m of METRICS) {
    rows.push([
      m.label,
      fmt(fc[m.key], m),
      fmt(oc[m.key], m),
      ratio(fc[m.key], oc[m.key], m),
      targetCell(fc[m.key], m),
      fmt(floor[m.key], m),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const out = [line(rows[0]!), sep, ...rows.slice(1).map(line)];
  const reasons = new Map<string, string[]>();
  for (const [who, f] of [['farclaw', fc], [ocHeader, oc], ['floor', floor]] as const) {
    for (const m of METRICS) {
      const v = f[m.key];
      if (typeof v === 'number') continue;
      const key = `${who}: ${v.na}`;
      reasons.set(key, [...(reasons.get(key) ?? []), m.label]);
    }
  }
  for (const [reason, labels] of reasons) {
    out.push(`n/a: ${labels.length === METRICS.length ? 'all figures' : labels.join(', ')} — ${reason}`);
  }
  return out.join('\n');
}

/** Idle RSS (MB) of every server of a run, and farclaw's excess over the SQLite floor. */
export interface IdleRss {
  farclaw: Value;
  floor: Value;
  sqliteFloor: Value;
  openclaw: Value;
  /** farclaw − SQLite floor: what farclaw's own code holds at idle. */
  farclawOverSqliteFloor: Value;
}

export function idleRss(figs: { farclaw: Figures; floor: Figures; sqliteFloor: Figures; openclaw: Figures }): IdleRss {
  const fc = figs.farclaw.idleRssMb;
  const sq = figs.sqliteFloor.idleRssMb;
  const over: Value = typeof fc === 'number' && typeof sq === 'number'
    ? fc - sq
    : { na: typeof fc === 'number' ? `SQLite floor: ${(sq as { na: string }).na}` : `farclaw: ${(fc as { na: string }).na}` };
  return { farclaw: fc, floor: figs.floor.idleRssMb, sqliteFloor: sq, openclaw: figs.openclaw.idleRssMb, farclawOverSqliteFloor: over };
}

/** One line: each server's idle RSS and farclaw over the SQLite floor (signed). */
export function renderIdleRss(r: IdleRss): string {
  const mb = (v: Value, sign = false): string =>
    typeof v === 'number' ? `${sign && v >= 0 ? '+' : ''}${v.toFixed(1)} MB` : 'n/a';
  return `idle RSS (process tree): farclaw ${mb(r.farclaw)}, bare floor ${mb(r.floor)}, SQLite floor ${mb(r.sqliteFloor)}, ` +
    `openclaw ${mb(r.openclaw)}; farclaw over the SQLite floor ${mb(r.farclawOverSqliteFloor, true)}`;
}
