
/** Where a `gateway probe` target came from (13.6). */
export type ProbeTargetKind = 'explicit' | 'sshTunnel' | 'configRemote' | 'localLoopback';

/** The tunnel a `sshTunnel` target goes through (acceptance H6). */
export interface ProbeTunnelInfo {
  kind: 'ssh';
  target: string;
  localPort: number;
  remotePort: number;
  pid: number | null;
}

/** One URL `gateway probe` connects to. */
export interface ProbeTarget {
  id: ProbeTargetKind;
  kind: ProbeTargetKind;
  url: string;
  /** The target ordinary commands would use right now. */
  active: boolean;
  /** Set for the `sshTunnel` target only. */
  tunnel: ProbeTunnelInfo | null;
}

/**
 * The probe targets in listing order, deduplicated by URL: `--url` (active), the configured
 * `gateway.remote.url` (active iff remote mode), then the local loopback (active iff not remote
 * mode or `--port` was given); with `--url` only that one is active. `--port` without `--url` probes only the local loopback.
 */
export function resolveProbeTargets(opts: {
  explicitUrl?: string | undefined;
  remoteUrl?: string | undefined;
  remoteMode: boolean;
  localUrl: string;
  portFlag: boolean;
}): ProbeTarget[] {
  const targets: ProbeTarget[] = [];
  const add = (kind: Exclude<ProbeTargetKind, 'sshTunnel'>, url: string | undefined, active: boolean): void => {
    const trimmed = url?.trim();
    if (!trimmed || targets.some((t) => t.url === trimmed)) return;
    targets.push({ id: kind, kind, url: trimmed, active, tunnel: null });
  };
  add('explicit', opts.explicitUrl, true);
  const onlyLocal = opts.portFlag && opts.explicitUrl === undefined;
  if (!onlyLocal && opts.remoteUrl !== undefined && /^wss?:\/\//.test(opts.remoteUrl.trim())) {
    add('configRemote', opts.remoteUrl, opts.remoteMode && opts.explicitUrl === undefined);
  }
  // With --url, that URL is what the user asked about: the others are listed, not judged by.
  add('localLoopback', opts.localUrl, (!opts.remoteMode || opts.portFlag) && opts.explicitUrl === undefined);
  return targets;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * A target's share of the overall `--timeout`: active targets get all of it, the inactive local
 * loopback at most 800 ms, inactive non-loopback targets at most 1500 ms.
 */
export function probeBudgetMs(overallMs: number, target: Pick<ProbeTarget, 'kind' | 'active' | 'url'>): number {
  if (target.active) return overallMs;
  if (target.kind === 'localLoopback') return Math.min(800, overallMs);
  if (!isLoopbackUrl(target.url)) return Math.min(1500, overallMs);
  return overallMs;
}

