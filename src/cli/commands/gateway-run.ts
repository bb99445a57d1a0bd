import { ConfigError, loadConfig } from '../../infra/config.js';
import { describeUnknownKey, unknownConfigKeys } from '../../infra/config-keys.js';
import { ConfigSchema } from '../../infra/config-schema.js';
import { readEnv } from '../../infra/env.js';
import { createGatewayLogger } from '../../infra/logger.js';
import { displayPath, resolvePaths } from '../../infra/paths.js';
import { generateRuntimeToken, removeRuntimeToken, writeRuntimeToken } from '../../infra/runtime-token.js';
import { ensureWritableDirs, StateDirUnwritableError } from '../../infra/state-dir.js';
import { readRuntimeEndpoint, removeRuntimeEndpoint, writeRuntimeEndpoint } from '../../infra/runtime-endpoint.js';
import { farclawVersion } from '../../infra/version.js';
import { Gateway } from '../../gateway/gateway.js';
import { mdnsModeOf } from '../../gateway/discovery/mdns-advertiser.js';
import { PortInUseError } from '../../gateway/server/listeners.js';
import { planGatewayRun, type RunFlags } from '../../gateway/startup/plan.js';
import { EXIT_CONFIG, StartupError } from '../../gateway/startup/startup-error.js';
import { HANDSHAKE_TIMEOUT_MS, HEALTH_REFRESH_INTERVAL_MS, TICK_INTERVAL_MS } from '../../protocol/version.js';
import { StateDirLockedError } from '../../store/db.js';
import { loadOrCreateTls } from '../../gateway/tls/tls-files.js';
import { tlsSettingsOf } from '../../infra/tls-settings.js';

function positiveIntEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = readEnv(name, env);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new StartupError(`Invalid FARCLAW_${name}: "${raw}" is not a positive integer.`, 1);
  return n;
}

/** The refusal when another gateway holds this state dir, naming its port and pid when published. */
function alreadyRunning(stateDir: string, env: NodeJS.ProcessEnv, lockMessage: string): string {
  const running = readRuntimeEndpoint(stateDir);
  const what = running
    ? `a farclaw gateway is already running on port ${running.port} (pid ${running.pid})`
    : lockMessage;
  return [
    `Gateway failed to start: ${what}.`,
    `Why: one gateway owns a state dir (${displayPath(stateDir, env)}) at a time.`,
    `Fix: use it as it is (farclaw health), stop it first (kill ${running ? running.pid : '<pid>'}), or start another one with --profile <name>.`,
  ].join('\n');
}

/**
 * `farclaw gateway run`: resolves the plan, starts the gateway, and stops it gracefully on
 * SIGTERM/SIGINT. Resolves with the process exit code.
 */
export async function runGateway(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const paths = resolvePaths(env);
  let loaded;
  try {
    loaded = loadConfig(paths.configPath);
  } catch (err) {
    if (err instanceof ConfigError) throw new StartupError(err.message, EXIT_CONFIG);
    throw err;
  }
  // Accepted, but said out loud: a typo'd key otherwise silently does nothing.
  for (const k of unknownConfigKeys(loaded.config, ConfigSchema)) process.stderr.write(`warning: ${describeUnknownKey(k)} in ${displayPath(loaded.path, env)}\n`);
  let plan;
  try {
    plan = planGatewayRun(flags, loaded, env);
  } catch (err) {
    if (err instanceof ConfigError) throw new StartupError(err.message, EXIT_CONFIG);
    throw err;
  }
  for (const w of plan.warnings) process.stderr.write(w + '\n');
  const tickIntervalMs = positiveIntEnv('TICK_INTERVAL_MS', TICK_INTERVAL_MS, env);
  const handshakeTimeoutMs = positiveIntEnv('HANDSHAKE_TIMEOUT_MS', HANDSHAKE_TIMEOUT_MS, env);
  const healthIntervalMs = positiveIntEnv('HEALTH_REFRESH_INTERVAL_MS', HEALTH_REFRESH_INTERVAL_MS, env);
  const logLevel = readEnv('LOG_LEVEL', env);
  if (logLevel !== undefined && !['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(logLevel)) {
    throw new StartupError(`Invalid FARCLAW_LOG_LEVEL: "${logLevel}" (use error, warn, info or debug).`, 1);
  }
  try {
    ensureWritableDirs([paths.stateDir, paths.logDir]);
  } catch (err) {
    if (!(err instanceof StateDirUnwritableError)) throw err;
    throw new StartupError(
      [
        `Gateway failed to start: its state dir cannot be written.`,
        `Why: ${err.message}.`,
        `Fix: point FARCLAW_STATE_DIR at a directory you can write (e.g. FARCLAW_STATE_DIR=~/.farclaw farclaw gateway run), or make ${displayPath(err.dir, env)} writable.`,
      ].join('\n'),
      EXIT_CONFIG,
    );
  }
  const { logger, file: logFile, close: closeLog } = createGatewayLogger(paths.logDir, logLevel ? { level: logLevel as 'info' } : {});

  const mdnsMode = mdnsModeOf(loaded.config, env);
  let runtimeToken: string | undefined;
  let gateway: Gateway;
  try {
    if (plan.needsRuntimeToken) plan.auth.token = generateRuntimeToken();
    const tlsSettings = tlsSettingsOf(loaded.config, paths.stateDir);
    const tls = tlsSettings ? { settings: tlsSettings, material: await loadOrCreateTls(tlsSettings, logger, env) } : undefined;
    gateway = await Gateway.start({
      version: farclawVersion(),
      port: plan.port,
      hosts: plan.bind.hosts,
      optionalHosts: plan.bind.optionalHosts,
      bind: { mode: plan.bind.mode, resolvedHost: plan.bind.resolvedHost },
      auth: plan.auth,
      paths,
      config: loaded,
      logger,
      logFile,
      tickIntervalMs,
      healthIntervalMs,
      handshakeTimeoutMs,
      ...(tls ? { tls } : {}),
      ...(plan.tailscale ? { tailscale: { ...plan.tailscale, env } } : {}),
      ...(mdnsMode !== 'off' ? { mdns: { mode: mdnsMode, env } } : {}),
    });
    // Published while we hold the state-dir lock: local CLI commands find this port by it.
    writeRuntimeEndpoint(paths.stateDir, { pid: process.pid, port: plan.port, scheme: gateway.scheme });
    if (plan.needsRuntimeToken && plan.auth.token) {
      // Written only now that we hold the state-dir lock, so a refused second gateway can
      // never overwrite the running one's token.
      const written = writeRuntimeToken(paths.stateDir, plan.auth.token);
      runtimeToken = written.token;
      logger.info(`no gateway token configured: generated a runtime token for this run (local farclaw commands read it from ${displayPath(written.path, env)})`);
    }
  } catch (err) {
    closeLog();
    if (err instanceof StateDirLockedError) throw new StartupError(alreadyRunning(paths.stateDir, env, err.message), EXIT_CONFIG);
    if (err instanceof PortInUseError) {
      throw new StartupError(
        `Gateway failed to start: another gateway instance is already listening on ws://127.0.0.1:${plan.port} | ${err.message}\nPort ${plan.port} is already in use.`,
        1,
      );
    }
    throw err;
  }
  const urls = gateway.addresses().map((a) => `${gateway.scheme}://${a}`).join(', ');
  logger.info(`farclaw gateway ${farclawVersion()} listening on ${urls} (auth: ${plan.auth.mode}, bind: ${plan.bind.mode})`);
  if (plan.bind.resolvedHost !== '127.0.0.1') {
    logger.warn('Gateway is binding to a non-loopback address. Ensure authentication is configured before exposing to public networks.');
  }

  return await new Promise<number>((resolve) => {
    let stopping = false;
    // Stays installed until the process exits: under `npm start` a Ctrl-C reaches us twice (the
    // terminal's and npm's forwarded copy), and the second must not kill a clean stop (exit 0).
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info(`received ${signal}: stopping`);
      void gateway.stop('gateway stopping').then(() => {
        if (runtimeToken) removeRuntimeToken(paths.stateDir, runtimeToken);
        removeRuntimeEndpoint(paths.stateDir, process.pid);
        logger.info('gateway stopped');
        closeLog();
        resolve(0);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
