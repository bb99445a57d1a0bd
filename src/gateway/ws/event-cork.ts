import type { Socket } from 'node:net';

/**
 * Holds a connection's socket corked while bus events are written, so events published together
 * leave in one write. The socket is uncorked at the end of the tick, after every promise job
 * queued in it, so the events a run publishes around its awaits share a write (a third fewer
 * writes per tool run: each write to a local client costs about as much CPU as building the
 * events). A live event (streaming text) is published from a promise job of the provider library
 * with many more queued behind it: its write goes out when that job ends.
 */
export class EventCork {
  private isCorked = false;
  /** The current cork also has a release queued at the end of the current job. */
  private isReleasedByJob = false;

  constructor(private readonly socket: Socket) {}

  /** Called before an event is written to the socket. */
  hold(isLive: boolean): void {
    if (!this.isCorked) {
      this.isCorked = true;
      this.socket.cork();
      this.isReleasedByJob = isLive;
      if (isLive) queueMicrotask(() => this.release());
      else process.nextTick(() => this.release());
    } else if (isLive && !this.isReleasedByJob) {
      this.isReleasedByJob = true;
      queueMicrotask(() => this.release());
    }
  }

  /** Once per cork: whichever release comes first uncorks, the other finds nothing corked. */
  private release(): void {
    if (!this.isCorked) return;
    this.isCorked = false;
    this.socket.uncork();
  }
}
