import { networkInterfaces } from 'node:os';

/** Why the watch fired: the machine slept (wall clock jumped past the monotonic one) or moved networks. */
export type WakeReason = 'clock jump' | 'network change';

const TICK_MS = 1000;
/** Wall and monotonic clocks may drift this much per tick before we call it a jump. */
const JUMP_THRESHOLD_MS = 3000;

function networkFingerprint(): string {
  const parts: string[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal) parts.push(`${name}/${a.address}`);
  }
  return parts.sort().join(',');
}

/**
 * Calls `onWake` after the host wakes from sleep or its network changes, so a tunnel can re-dial
 * at once instead of waiting for keepalives to time out. Sleep shows as a wall-clock step that the
 * monotonic clock (stopped while suspended) did not take. Returns the stop function.
 */
export function watchForWake(onWake: (reason: WakeReason) => void): () => void {
  let lastWall = Date.now();
  let lastMono = performance.now();
  let lastNet = networkFingerprint();
  const timer = setInterval(() => {
    const wall = Date.now();
    const mono = performance.now();
    const drift = wall - lastWall - (mono - lastMono);
    lastWall = wall;
    lastMono = mono;
    const net = networkFingerprint();
    const netChanged = net !== lastNet;
    lastNet = net;
    if (Math.abs(drift) > JUMP_THRESHOLD_MS) onWake('clock jump');
    else if (netChanged) onWake('network change');
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
