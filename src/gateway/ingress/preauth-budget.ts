/** One unauthenticated socket's hold on the budget. */
export interface PreauthSlot {
  /** Gives the slot back; idempotent. */
  release(): void;
  /**
   * Marks the socket as presenting its credentials (its `connect` is being decided): a busy slot
   * is never evicted. Back to false when the answer is a refusal held back by the limiter.
   */
  setBusy(busy: boolean): void;
}

/** Whoever holds a slot: told when its socket is evicted to admit a newer one. */
export interface SlotHolder {
  /** Closes the evicted socket (its slot is already free). */
  onEvicted(): void;
}

/** A slot is its own handle: no closures per socket (issue 13: handshake margin). */
class Slot implements PreauthSlot {
  busy = false;
  released = false;

  constructor(
    private readonly budget: PreauthBudget,
    readonly address: string,
    readonly holder: SlotHolder,
  ) {}

  release(): void {
    this.budget.free(this);
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
  }
}

/**
 * Caps unauthenticated connections per address and in total, so a flood of idle or
 * slow-handshaking sockets cannot use up what other clients need. A slot is taken when a socket
 * arrives and given back when it authenticates or closes. When an address (or the whole
 * gateway) is at its cap, the newcomer is admitted by evicting that address's (or the
 * gateway's) oldest socket that is not presenting credentials right now: an idle or slowloris
 * socket can hold a slot only until newer ones arrive, so a flood from 127.0.0.1 cannot lock
 * out the local CLI or SSH-tunnelled users, who arrive from the same address and send their
 * `connect` within milliseconds of the upgrade. Only when every slot is busy is the newcomer
 * refused.
 */
export class PreauthBudget {
  /** Insertion order is age: the first evictable entry is the oldest. */
  private readonly byAddress = new Map<string, Set<Slot>>();
  private readonly all = new Set<Slot>();
  private evicted = 0;

  constructor(readonly maxPerAddress: number, readonly maxTotal: number) {}

  /**
   * Takes a slot for `address`, evicting an older idle one when at a cap (its holder closes that
   * socket); undefined when every slot in the way is busy.
   */
  acquire(address: string, holder: SlotHolder): PreauthSlot | undefined {
    const mine = this.byAddress.get(address);
    if (mine && mine.size >= this.maxPerAddress && !this.evictOldest(mine)) return undefined;
    if (this.all.size >= this.maxTotal && !this.evictOldest(this.all)) return undefined;
    const slot = new Slot(this, address, holder);
    let set = this.byAddress.get(address);
    if (!set) this.byAddress.set(address, (set = new Set()));
    set.add(slot);
    this.all.add(slot);
    return slot;
  }

  /** Unauthenticated connections held now (for `address`, or in total). */
  inUse(address?: string): number {
    return address === undefined ? this.all.size : (this.byAddress.get(address)?.size ?? 0);
  }

  /** Sockets evicted so far to admit newer ones. */
  get evictions(): number {
    return this.evicted;
  }

  private evictOldest(slots: Set<Slot>): boolean {
    for (const s of slots) {
      if (s.busy) continue;
      this.free(s);
      this.evicted++;
      s.holder.onEvicted();
      return true;
    }
    return false;
  }

  /** Gives `slot` back (Slot.release); idempotent. */
  free(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.all.delete(slot);
    const set = this.byAddress.get(slot.address);
    set?.delete(slot);
    if (set?.size === 0) this.byAddress.delete(slot.address);
  }
}

/** Unauthenticated sockets one address may hold at once (TCP accept to hello-ok). */
export const PREAUTH_MAX_PER_ADDRESS = 64;
/** Unauthenticated sockets the gateway holds at once, from all addresses together. */
export const PREAUTH_MAX_TOTAL = 2048;
