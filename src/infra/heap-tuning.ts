import { setFlagsFromString } from 'node:v8';

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
 * before, the idle gateway holds 0.9 MB less.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
