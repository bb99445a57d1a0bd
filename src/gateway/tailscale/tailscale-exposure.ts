import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../infra/logger.js';
import { StartupError } from '../startup/startup-error.js';
import { ForegroundServe, ServeClaimError } from './foreground-serve.js';
import { findTailscaleBinary, TailscaleCli, TailscaleCliError } from './tailscale-cli.js';

export type TailscaleMode = 'serve' | 'funnel';

/** How long a starting tailscaled may take (assistant.md 12.2: 90 s while NoState/Starting). */
export const BACKEND_WAIT_MS = 90_000;
const BACKEND_POLL_MS = 500;
const STARTING_STATES = new Set(['NoState', 'Starting', '']);

/** What the exposure looks like once up: the name the tailnet reaches it under. */
export interface ExposureInfo {
  mode: TailscaleMode;
  /** `Self.DNSName` without the trailing dot, e.g. `lab-host.tail1234.ts.net`. */
  dnsName: string;
  /** `https://<dnsName>/`. */
  url: string;
  /** The dedicated loopback listener tailscale proxies to. */
  managedPort: number;
  /** pid of the foreground claim. */
  pid: number | undefined;
}

/** Everything the start sequence needs. */
export interface ExposureOptions {
  mode: TailscaleMode;
  /** The ordinary gateway port: a legacy background route to it is removed (12.2 step 3). */
  gatewayPort: number;
  /** The dedicated listener's port (the target of the claim). */
  managedPort: number;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  backendWaitMs?: number;
}

const fail = (lines: string[]): StartupError => new StartupError(['Gateway failed to start: ' + lines[0], ...lines.slice(1)].join('\n'), 1);

function cliFailure(err: unknown, mode: TailscaleMode): StartupError {
  if (!(err instanceof TailscaleCliError)) throw err;
  if (err.kind === 'missing') return missingBinary(mode);
  const daemonDown = /tailscaled|doesn't appear to be running/i.test(err.message);
  return fail([
    err.message,
    daemonDown ? 'Fix: start tailscaled (e.g. `sudo systemctl start tailscaled`) and log in with `tailscale up`.' : 'Fix: check `tailscale status` on this machine, or set gateway.tailscale.mode to "off".',
  ]);
}

const missingBinary = (mode: TailscaleMode): StartupError => fail([
  `gateway.tailscale.mode is "${mode}" but the tailscale CLI is not on PATH.`,
  'Fix: install Tailscale and log in (`tailscale up`), or set gateway.tailscale.mode to "off".',
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Polls `status --json` while the backend starts; refuses a logged-out or stopped one. */
async function waitForBackend(cli: TailscaleCli, mode: TailscaleMode, waitMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = await cli.json(['status', '--json']).catch((err: unknown) => {
      throw cliFailure(err, mode);
    });
    const state = str(status.BackendState) ?? '';
    if (state === 'Running') return status;
    if (!STARTING_STATES.has(state)) {
      const why = state === 'NeedsLogin' ? 'Tailscale is logged out on this machine' : `Tailscale is not running (BackendState ${state})`;
      throw fail([
        `${why}; gateway.tailscale.mode "${mode}" needs a logged-in node.`,
        'Fix: run `tailscale up` (or `sudo tailscale up`) and start the gateway again, or set gateway.tailscale.mode to "off".',
      ]);
    }
    if (Date.now() >= deadline) {
      throw fail([
        `tailscaled did not finish starting within ${Math.round(waitMs / 1000)} s (BackendState ${state || 'empty'}).`,
        'Fix: check `tailscale status`; start the gateway once it shows Running.',
      ]);
    }
    await sleep(BACKEND_POLL_MS);
  }
}

/** What already serves https://<dns>/: `none`, `legacy` (a background route to our own port) or the other target. */
function rootRoute(serveStatus: Record<string, unknown>, gatewayPort: number): 'none' | 'legacy' | string {
  for (const [hostPort, web] of Object.entries(obj(serveStatus.Web))) {
    if (!hostPort.endsWith(':443')) continue;
    const proxy = str(obj(obj(obj(web).Handlers)['/']).Proxy);
    if (proxy === undefined) continue;
    const legacy = [`http://127.0.0.1:${gatewayPort}`, `http://localhost:${gatewayPort}`, `127.0.0.1:${gatewayPort}`, String(gatewayPort)];
    return legacy.includes(proxy.replace(/\/$/, '')) ? 'legacy' : proxy;
  }
  return 'none';
}

/**
 * The managed Tailscale exposure of assistant.md 12.2: `version`, `status --json` (waiting while
 * the backend starts), `serve status --json` (a legacy root route to the gateway port is
 * removed), a foreground `serve|funnel --yes --bg=false <managedPort>` ready on its
 * "Press Ctrl+C to exit." line, then `status --json` for the tailnet name. Every failure is a
 * StartupError (exit 1) with the fix; nothing waits without a deadline.
 */
export class TailscaleExposure {
  private claim: ForegroundServe | undefined;

  private constructor(readonly info: ExposureInfo, claim: ForegroundServe, readonly cli: TailscaleCli) {
    this.claim = claim;
  }

  get isRunning(): boolean {
    return this.claim?.isRunning ?? false;
  }

  /** @throws StartupError */
  static async start(opts: ExposureOptions): Promise<TailscaleExposure> {
    const { mode } = opts;
    const binary = findTailscaleBinary(opts.env);
    if (binary === undefined) throw missingBinary(mode);
    const cli = new TailscaleCli(binary, opts.env);
    await cli.run(['version']).catch((err: unknown) => {
      throw cliFailure(err, mode);
    });
    await waitForBackend(cli, mode, opts.backendWaitMs ?? BACKEND_WAIT_MS);
    const serveStatus = await cli.json(['serve', 'status', '--json']).catch((err: unknown) => {
      throw cliFailure(err, mode);
    });
    const existing = rootRoute(serveStatus, opts.gatewayPort);
    if (existing === 'legacy') {
      opts.logger.info(`tailscale: removing the legacy serve route to port ${opts.gatewayPort}`);
      await cli.run(['serve', '--yes', '--https=443', '--set-path=/', 'off']).catch((err: unknown) => {
        throw cliFailure(err, mode);
      });
    } else if (existing !== 'none') {
      throw fail([
        `https port 443 of this node is already served by ${existing} (see \`tailscale serve status\`), so tailscale ${mode} cannot claim it for the gateway.`,
        'Fix: release it with `tailscale serve --https=443 off` (or `tailscale serve reset`), or set gateway.tailscale.mode to "off".',
      ]);
    }
    let claim: ForegroundServe;
    try {
      claim = await ForegroundServe.start(binary, mode, opts.managedPort, opts.env);
    } catch (err) {
      if (!(err instanceof ServeClaimError)) throw err;
      throw fail([
        err.message,
        err.isPermission
          ? 'Fix: let this user manage Tailscale once with `sudo tailscale set --operator=$USER` (sudo -n was tried and needs a password), or set gateway.tailscale.mode to "off".'
          : `Fix: check that ${mode === 'funnel' ? 'Funnel and ' : ''}HTTPS are enabled for this tailnet, or set gateway.tailscale.mode to "off".`,
      ]);
    }
    try {
      const status = await cli.json(['status', '--json']);
      const dnsName = (str(obj(status.Self).DNSName) ?? '').replace(/\.$/, '');
      if (dnsName === '') throw new TailscaleCliError('failed', ['tailscale', 'status', '--json'], 'tailscale status --json names no Self.DNSName (is MagicDNS on?)');
      const exposure = new TailscaleExposure({ mode, dnsName, url: `https://${dnsName}/`, managedPort: opts.managedPort, pid: claim.pid }, claim, cli);
      claim.onUnexpectedExit = (code, signal) => {
        opts.logger.error(`tailscale ${mode} (pid ${claim.pid}) ended (${signal ?? `exit ${code}`}): ${exposure.info.url} is no longer served`);
      };
      opts.logger.info(`${mode} enabled: https://${dnsName}/ (WS via wss://${dnsName})`);
      return exposure;
    } catch (err) {
      await claim.stop();
      throw cliFailure(err, mode);
    }
  }

  /** Releases the claim: SIGTERM to the foreground process, no `serve reset` (12.2). Idempotent. */
  async stop(): Promise<void> {
    const claim = this.claim;
    this.claim = undefined;
    await claim?.stop();
  }
}
