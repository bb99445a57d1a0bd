import { MAX_BUFFERED_BYTES, MAX_TOTAL_BUFFERED_BYTES } from '../../protocol/version.js';

/** What the budget needs from a socket. */
export interface BufferedSocket {
  /** Bytes written but not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Closes the socket as a slow consumer (1008 with the reason). */
  dropSlowConsumer(reason: string): void;
}

export interface SendBudgetLimits {
  perSocketBytes: number;
  totalBytes: number;
  /** Unsent bytes past which a socket's input is no longer read until it drains (backpressure). */
  pauseReadingBytes?: number;
}

/** Default backpressure threshold: a socket 1 MiB behind stops being read. */
export const PAUSE_READING_BUFFERED_BYTES = 1024 * 1024;

/**
 * Send-buffer caps (issue 12 item 6), one per socket and one over all of them. Slow-consumer
 * policy: a socket over its own cap is closed before anything more is queued for it; when the
 * total goes over its cap, the sockets holding the most are closed until it fits again, so a
 * few stalled readers cannot make the gateway hold gigabytes, and a socket that reads keeps
 * its connection. Accounting is incremental (each socket's last known figure), re-measured
 * only when the total looks over the cap, so a send costs O(1).
 */
export class SendBudget {
  private readonly accounted = new Map<BufferedSocket, number>();
  private total = 0;

  constructor(private readonly limits: SendBudgetLimits = { perSocketBytes: MAX_BUFFERED_BYTES, totalBytes: MAX_TOTAL_BUFFERED_BYTES }) {}

  /** Whether a socket holding this many unsent bytes should stop being read until it drains. */
  shouldPauseReading(bufferedBytes: number): boolean {
    return bufferedBytes > (this.limits.pauseReadingBytes ?? PAUSE_READING_BUFFERED_BYTES);
  }

  /** Whether `socket` may queue more; closes it (and answers false) when over its own cap. */
  admit(socket: BufferedSocket): boolean {
    if (socket.bufferedAmount <= this.limits.perSocketBytes) return true;
    this.release(socket);
    socket.dropSlowConsumer('slow consumer: send buffer full');
    return false;
  }

  /** Records what `socket` holds after a write; enforces the total cap. */
  charge(socket: BufferedSocket): void {
    const now = socket.bufferedAmount;
    this.total += now - (this.accounted.get(socket) ?? 0);
    if (now === 0) this.accounted.delete(socket);
    else this.accounted.set(socket, now);
    if (this.total > this.limits.totalBytes) this.enforceTotal();
  }

  /** Forgets a closed socket. */
  release(socket: BufferedSocket): void {
    this.total -= this.accounted.get(socket) ?? 0;
    this.accounted.delete(socket);
  }

  /** Bytes waiting in all tracked send buffers, as last measured. */
  get totalBytes(): number {
    return this.total;
  }

  private enforceTotal(): void {
    // Buffers drain without telling us: measure again before closing anyone.
    this.total = 0;
    for (const [s] of this.accounted) {
      const now = s.bufferedAmount;
      if (now === 0) this.accounted.delete(s);
      else this.accounted.set(s, now);
      this.total += now;
    }
    while (this.total > this.limits.totalBytes) {
      let largest: BufferedSocket | undefined;
      for (const [s, n] of this.accounted) if (!largest || n > (this.accounted.get(largest) ?? 0)) largest = s;
      if (!largest) return;
      this.release(largest);
      largest.dropSlowConsumer('slow consumer: gateway send buffers full');
    }
  }
}
