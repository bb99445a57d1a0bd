/**
 * Caps unauthenticated connections per address and in total, so a flood of idle or
 * slow-handshaking sockets from one address cannot use up what other clients need.
 * A slot is taken when a socket arrives and given back when it authenticates or closes.
 */
export class PreauthBudget {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(readonly maxPerAddress: number, readonly maxTotal: number) {}

  /** Takes a slot for `address`; returns its release function (idempotent), or undefined when over budget. */
  acquire(address: string): (() => void) | undefined {
    const n = this.perAddress.get(address) ?? 0;
    if (n >= this.maxPerAddress || this.total >= this.maxTotal) return undefined;
    this.perAddress.set(address, n + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    };
  }

  /** Unauthenticated connections held now (for `address`, or in total). */
  inUse(address?: string): number {
    return address === undefined ? this.total : (this.perAddress.get(address) ?? 0);
  }
}

/** Unauthenticated sockets one address may hold at once (TCP accept to hello-ok). */
export const PREAUTH_MAX_PER_ADDRESS = 64;
/** Unauthenticated sockets the gateway holds at once, from all addresses together. */
export const PREAUTH_MAX_TOTAL = 2048;
