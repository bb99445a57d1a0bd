import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import type { FarclawConfig } from '../../src/infra/config-schema.js';
import { silentLogger, type Logger } from '../../src/infra/logger.js';
import { resolvePaths } from '../../src/infra/paths.js';
import { HANDSHAKE_TIMEOUT_MS, HEALTH_REFRESH_INTERVAL_MS, TICK_INTERVAL_MS } from '../../src/protocol/version.js';
import { freePort } from './free-port.js';
import type { TmpHome } from './tmp-home.js';

/** Optional knobs of an in-process gateway; all default to a silent loopback token gateway. */
export interface InProcessOptions {
  token: string;
  port?: number;
  tickIntervalMs?: number;
  /** Listen addresses (default loopback only); the URL uses the first. */
  hosts?: string[];
  /** Config as if read from the file (e.g. `gateway.nodes.pairing`). */
  config?: FarclawConfig;
  logger?: Logger;
  /** Clock of pairing-request expiry. */
  now?: () => number;
  /** Send-buffer caps (per socket and total). */
  sendBufferLimits?: { perSocketBytes: number; totalBytes: number; pauseReadingBytes?: number };
}

/** Starts the real Gateway class in this process (no CLI), on loopback with a token. */
export async function startInProcessGateway(
  home: TmpHome,
  opts: InProcessOptions,
): Promise<{ gateway: Gateway; port: number; url: string }> {
  const port = opts.port ?? (await freePort());
  const paths = resolvePaths(home.env);
  const gateway = await Gateway.start({
    version: 'test',
    port,
    hosts: opts.hosts ?? ['127.0.0.1'],
    auth: { mode: 'token', token: opts.token },
    paths,
    config: { path: paths.configPath, exists: opts.config !== undefined, raw: null, config: opts.config ?? {} },
    logger: opts.logger ?? silentLogger(),
    logFile: join(paths.logDir, 'gateway.log'),
    tickIntervalMs: opts.tickIntervalMs ?? TICK_INTERVAL_MS,
    healthIntervalMs: HEALTH_REFRESH_INTERVAL_MS,
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sendBufferLimits ? { sendBufferLimits: opts.sendBufferLimits } : {}),
  });
  const host = opts.hosts?.[0] ?? '127.0.0.1';
  return { gateway, port, url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}` };
}
