import { spawn } from 'node:child_process';
import { controlUiSettingsOf, dashboardUrlOf } from '../../infra/control-ui-settings.js';
import { CliError, formatFailure } from '../cli-error.js';
import { loadCliConfig, openTarget, parseTimeout, targetFor } from '../rpc.js';
import { servedTailnetUrl } from './status.js';

/** `dashboard` flags as commander hands them over. */
export interface DashboardFlags {
  open?: boolean;
  json?: boolean;
  timeout?: string;
}

/**
 * Opens a URL with the desktop's browser: `$BROWSER` when set (the common convention), else
 * `open` on macOS, `xdg-open` elsewhere. Detached, so the browser outlives this command.
 */
function openBrowser(url: string, env: NodeJS.ProcessEnv): Promise<void> {
  const command = env.BROWSER?.trim() || (process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open');
  return new Promise((resolve, reject) => {
    const child = spawn(command, [url], { env, detached: true, stdio: 'ignore' });
    child.once('error', (err) => {
      const message = `could not start a browser (${command}): ${err.message}`;
      reject(new CliError(formatFailure({
        failed: `Dashboard --open failed: ${message}`,
        fix: 'open the Control UI URL printed above in your browser yourself, or name your browser\'s command in BROWSER (e.g. BROWSER=firefox farclaw dashboard --open)',
      }), 1, { type: 'cli_error', message }));
    });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Resolves on SIGINT/SIGTERM. */
const untilInterrupted = (): Promise<void> => new Promise((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

/**
 * `farclaw dashboard`: prints the Control UI URL of the configured gateway with the token in
 * the fragment (`#token=`, which browsers never send to a server), like Jupyter prints its
 * URL. For a gateway behind SSH it first opens the tunnel (or uses the managed one) and prints
 * the local end; an on-demand tunnel stays open until Ctrl+C.
 */
export async function runDashboard(flags: DashboardFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const { loaded, stateDir } = loadCliConfig(env);
  const { target } = targetFor({}, env);
  let basePath = '';
  if (target.mode === 'local' && !target.ssh) {
    let settings;
    try {
      settings = controlUiSettingsOf(loaded.config.gateway);
    } catch (err) {
      const message = (err as Error).message;
      throw new CliError(formatFailure({ failed: `Dashboard failed: ${message}`, fix: `edit gateway.controlUi in ${loaded.path}` }), 1, { type: 'cli_error', message });
    }
    if (!settings.enabled) {
      const message = 'the Control UI is disabled (gateway.controlUi.enabled is false)';
      throw new CliError(formatFailure({
        failed: `Dashboard failed: ${message}`,
        fix: `set gateway.controlUi.enabled to true in ${loaded.path}, then restart the gateway`,
      }), 1, { type: 'cli_error', message });
    }
    basePath = settings.basePath;
  }
  const opened = await openTarget(target, env, parseTimeout(flags.timeout, 15_000));
  try {
    const page = dashboardUrlOf(opened.target.url, basePath);
    const url = opened.target.token ? `${page}#token=${encodeURIComponent(opened.target.token)}` : page;
    const onDemand = opened.tunnel === 'on-demand';
    // Served over Tailscale by this machine's gateway: tailnet browsers sign in by identity, no token in the link.
    const tailnet = target.mode === 'local' && !target.ssh ? servedTailnetUrl(stateDir) : undefined;
    const tailnetUrl = tailnet !== undefined ? new URL(`${basePath}/`, tailnet).toString() : null;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ url, page, tunnel: opened.tunnel ?? null, tailnetUrl })}\n`);
    } else {
      process.stdout.write(`Control UI: ${url}\n`);
      if (tailnetUrl) process.stdout.write(`On your tailnet: ${tailnetUrl}\n`);
      if (!opened.target.token) process.stdout.write('The gateway uses no shared token here; the page will ask for approval or a password if it needs one.\n');
    }
    if (flags.open) await openBrowser(url, env);
    if (onDemand) {
      process.stderr.write(`SSH tunnel to ${target.ssh?.target.text ?? 'the gateway'} is open; press Ctrl+C to close it.\n`);
      await untilInterrupted();
    }
    return 0;
  } finally {
    await opened.close();
  }
}
