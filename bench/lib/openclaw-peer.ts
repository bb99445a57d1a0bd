import { existsSync } from 'node:fs';
import { startOpenclawGateway, type OpenclawGateway, type OpenclawGatewayOptions } from '../../test/helpers/openclaw-gateway.js';
import { peerCacheDir } from '../../test/helpers/peer.js';

/**
 * Runs `use` against the real OpenClaw 2026.9.6 gateway, started with `token` from the peer cache, and
 * stops it afterwards, or returns why it cannot: the peer cache is not installed.
 */
export async function withOpenclawGateway<T>(
  token: string,
  use: (oc: OpenclawGateway) => Promise<T>,
  opts: OpenclawGatewayOptions = {},
): Promise<T | { na: string }> {
  if (!existsSync(`${peerCacheDir()}/install-complete.json`)) return { na: `peer cache ${peerCacheDir()} not installed` };
  const oc = await startOpenclawGateway(token, opts);
  try {
    return await use(oc);
  } finally {
    await oc.stop();
  }
}
