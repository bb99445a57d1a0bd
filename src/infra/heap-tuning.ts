import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its initial size for the life of this process (issue 13: memory
 * per idle connection, idle RSS).
 *
 * V8 doubles the young generation (up to 2 × 16 MiB on 64-bit) whenever many young objects
 * survive a scavenge, and never gives that memory back to a process that then sits idle. A burst
 * of connections or a busy start is enough: opening 2,000 idle sockets grew it from 16 to 32 MiB,
 * 8 KiB of resident memory per connection that no connection uses. A gateway is a long-lived
 * process whose state is old objects; a small young generation costs it a few more (cheap)
 * scavenges under load, which `npm run bench` measures (pipelined and health rows).
 *
 * Only `gateway run` calls this: one-shot CLI commands keep V8's defaults. The flag is read at
 * every growth decision, so setting it at run time takes effect from here on.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
