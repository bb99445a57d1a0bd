import { checkUrl, resolveTarget, TargetError, tlsPinFor, type Target } from '../target.js';
import { resolveSecret } from '../../infra/config.js';
import { readEnv } from '../../infra/env.js';
import { farclawVersion } from '../../infra/version.js';
import { NodeHost } from '../../node/node-host.js';
import { NodeConfigError, nodeHostPolicyOf } from '../../node/node-config.js';
import { CliError } from '../cli-error.js';
import { loadCliConfig } from '../rpc.js';

export interface NodeRunFlags {
  host?: string;
  port?: string;
  url?: string;
  token?: string;
  password?: string;
  tls?: boolean;
  tlsFingerprint?: string;
  displayName?: string;
}

const fail = (message: string): CliError => new CliError(`node run failed: ${message}`, 1, { type: 'cli_error', message });

/**
 * Where the node connects and with which shared secret. `--host`/`--url` name the gateway
 * directly; their credentials come from the flags, then FARCLAW_GATEWAY_TOKEN/PASSWORD, then
 * this machine's `gateway.auth` (a paired node needs none: it presents its device token).
 * Without them the CLI's usual target applies (local gateway or `gateway.remote`).
 */
function nodeTarget(flags: NodeRunFlags, env: NodeJS.ProcessEnv): { target: Pick<Target, 'url' | 'token' | 'password' | 'tlsPin'>; configPath: string; stateDir: string } {
  const { loaded, stateDir } = loadCliConfig(env);
  if (flags.url !== undefined && (flags.host !== undefined || flags.port !== undefined)) throw fail('use either --url or --host/--port, not both.');
  try {
    if (flags.url === undefined && flags.host === undefined) {
      const { port, token, password, tlsFingerprint } = flags;
      const target = resolveTarget({
        ...(port !== undefined ? { port } : {}), ...(token !== undefined ? { token } : {}), ...(password !== undefined ? { password } : {}),
        ...(tlsFingerprint !== undefined ? { tlsFingerprint } : {}),
      }, loaded, env, stateDir);
      if (flags.tls === true && !target.url.startsWith('wss://')) throw fail(`--tls needs a wss:// gateway; the configured one is ${target.url}.`);
      return { target, configPath: loaded.path, stateDir };
    }
    let url = flags.url ?? '';
    if (flags.host !== undefined) {
      const port = flags.port ?? '18789';
      if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) throw fail(`invalid --port "${port}": expected 1-65535.`);
      const host = flags.host.includes(':') && !flags.host.startsWith('[') ? `[${flags.host}]` : flags.host;
      url = `${flags.tls === true ? 'wss' : 'ws'}://${host}:${port}`;
    }
    if (flags.tls === true && !url.startsWith('wss://')) throw fail('--tls needs a wss:// URL (or use --host/--port).');
    checkUrl(url, 'cli --url', loaded.path, env);
    const tlsPin = tlsPinFor(url, 'cli --url', loaded, stateDir, flags.tlsFingerprint);
    const auth = loaded.config.gateway?.auth;
    const token = flags.token ?? readEnv('GATEWAY_TOKEN', env) ?? (flags.password === undefined ? resolveSecret(auth?.token, 'gateway.auth.token', env) : undefined);
    const password = flags.password ?? readEnv('GATEWAY_PASSWORD', env) ?? (token === undefined ? resolveSecret(auth?.password, 'gateway.auth.password', env) : undefined);
    return {
      target: { url, ...(token !== undefined ? { token } : {}), ...(password !== undefined ? { password } : {}), ...(tlsPin ? { tlsPin } : {}) },
      configPath: loaded.path,
      stateDir,
    };
  } catch (err) {
    if (err instanceof TargetError) throw fail(err.message);
    throw err;
  }
}

/**
 * `farclaw node run`: a headless node host in the foreground until SIGINT/SIGTERM (exit 0), or
 * until the gateway refuses it for good (exit 1, with the reason).
 */
export async function runNodeHost(flags: NodeRunFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { target, configPath, stateDir } = nodeTarget(flags, env);
  let policy;
  try {
    policy = nodeHostPolicyOf(loadCliConfig(env).loaded);
  } catch (err) {
    if (err instanceof NodeConfigError) throw fail(err.message);
    throw err;
  }
  const log = (line: string): void => void process.stderr.write(`[node] ${line}\n`);
  return await new Promise<number>((resolve) => {
    let host: NodeHost;
    const finish = (code: number): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void host.stop().then(() => resolve(code));
    };
    const onSignal = (): void => finish(0);
    host = new NodeHost({
      url: target.url, token: target.token, password: target.password, tlsPin: target.tlsPin, stateDir, configPath, displayName: flags.displayName,
      version: farclawVersion(), policy, log,
      onFatal: (message) => {
        log(`node run stopped: ${message}`);
        finish(1);
      },
    });
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    log(`node ${host.deviceId.slice(0, 12)} connecting to ${target.url}; system.run allows: ${policy.runAllow.length > 0 ? policy.runAllow.join(', ') : '(nothing)'}`);
    host.start();
  });
}
