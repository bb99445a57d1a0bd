import type { Server } from 'node:http';
import { listenAll, type ListenerHandlers } from './listeners.js';

/**
 * The dedicated loopback listener Tailscale Serve proxies to (assistant.md 12.2). Built before
 * the components, so the `tailscale` component reads its port from here when it starts; the
 * gateway opens it after its own listeners and before the components start.
 */
export class ManagedListener {
  private opened: Server[] = [];

  /** Its port once open; 0 before. */
  port(): number {
    const address = this.opened[0]?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  /** Binds 127.0.0.1 on a port the system picks. */
  async open(handlers: ListenerHandlers): Promise<void> {
    this.opened = await listenAll(['127.0.0.1'], 0, handlers, new Set());
  }

  /** The open servers (none before `open`), for the gateway to close with its own. */
  get servers(): readonly Server[] {
    return this.opened;
  }
}
