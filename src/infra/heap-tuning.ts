import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

/**
 * The Node built-ins the idle gateway's code imports (the footprint test keeps this list whole).
 * keepYoungGenerationSmall() loads them before it changes V8's flags: node compiles a built-in
 * from its embedded code cache, which V8 rejects once any flag differs from the defaults it was
 * made with. Each built-in loaded after the change was compiled from source instead, and node
 * kept a fresh cache of it in the malloc heap (22 built-ins, 0.3 MB); loaded first, the idle
 * gateway's RSS is 0.3 MB lower (issue 13).
 */
export const GATEWAY_BUILTINS: readonly string[] = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram',
  'diagnostics_channel', 'dns', 'events', 'fs', 'http', 'https', 'module', 'net', 'os', 'path',
  'perf_hooks', 'process', 'querystring', 'stream', 'stream/promises', 'string_decoder',
  'timers/promises', 'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/**
 * Exports of GATEWAY_BUILTINS that load a built-in module of their own when first read. Importing
 * a built-in as an ES module reads every export once (to fill the namespace), so the gateway's
 * imports of `node:crypto` and `node:net` would load these after the flag change; reading them
 * first keeps them on node's code cache too.
 */
const LAZY_EXPORTS: ReadonlyArray<readonly [builtin: string, name: string]> = [
  ['crypto', 'webcrypto'], ['net', 'BlockList'], ['net', 'SocketAddress'],
];

/**
 * Stops V8 from growing the young generation past the size it has when this is called, for the
 * life of this process (issue 13: memory per idle connection, idle RSS).
 *
 * V8 doubles the young generation (up to 2 × 16 MiB on 64-bit) whenever many young objects
 * survive a scavenge, and never gives that memory back to a process that then sits idle. A burst
 * of connections or a busy start is enough: opening 2,000 idle sockets grew it from 16 to 32 MiB,
 * 8 KiB of resident memory per connection that no connection uses. A gateway is a long-lived
 * process whose state is old objects; a small young generation costs it a few more (cheap)
 * scavenges under load, which `npm run bench` measures (pipelined and health rows).
 *
 * Only `gateway run` calls this (cli/gateway-run-command.ts), before the gateway's code loads:
 * one-shot CLI commands keep V8's defaults. The flag is read at every growth decision, so
 * setting it at run time takes effect from here on; on the command line it would do nothing
 * (V8 raises a factor below 2 to 2 when it sets up the heap). Called after the gateway's code
 * had loaded, it kept the young generation at the 2 × 2 MiB that compiling it grew to; called
 * before, the idle gateway holds 0.9 MB less. The built-ins the gateway uses are loaded just
 * before the flag changes (GATEWAY_BUILTINS), so they still come from node's code cache.
 */
export function keepYoungGenerationSmall(): void {
  const require = createRequire(import.meta.url);
  for (const name of GATEWAY_BUILTINS) require(`node:${name}`);
  for (const [builtin, name] of LAZY_EXPORTS) void (require(`node:${builtin}`) as Record<string, unknown>)[name];
  setFlagsFromString('--semi-space-growth-factor=1');
}
