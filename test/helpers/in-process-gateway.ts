import { join } from 'node:path';
import { Gateway } from '../../src/gateway/gateway.js';
import { silentLogger } from '../../src/infra/logger.js';
import { resolvePaths } from '../../src/infra/paths.js';
import { HANDSHAKE_TIMEOUT_MS, HEALTH_REFRESH_INTERVAL_MS, TICK_INTERVAL_MS } from '../../src/protocol/version.js';
import { freePort } from './free-port.js';
import type { TmpHome } from './tmp-home.js';

/** Starts the real Gateway class in this process (no CLI), on loopback with a token. */
export async function startInProcessGateway(
  home: TmpHome,
  opts: { token: string; port?: number; tickIntervalMs?: number },
): Promise<{ gateway: Gateway; port: number; url: string }> {
  const port = opts.port ?? (await freePort());
  const paths = resolvePaths(home.env);
  const gateway = await Gateway.start({
    version: 'test',
    port,
    hosts: ['127.0.0.1'],
    auth: { mode: 'token', token: opts.token },
    paths,
    config: { path: paths.configPath, exists: false, raw: null, config: {} },
    logger: silentLogger(),
    logFile: join(paths.logDir, 'gateway.log'),
    tickIntervalMs: opts.tickIntervalMs ?? TICK_INTERVAL_MS,
    healthIntervalMs: HEALTH_REFRESH_INTERVAL_MS,
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
  });
  return { gateway, port, url: `ws://127.0.0.1:${port}` };
}
