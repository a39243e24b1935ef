// One shared timer for every connection's pings, pong deadlines and connect deadline: a coarse
// timing wheel of slots. 20,000 idle sockets cost one interval, not 20,000 timers.

export interface KeepaliveTarget {
  /** The slot this target is currently scheduled in; stale entries in other slots are skipped. */
  keepaliveSlot: number;
  /** Called when the scheduled time came; the target reschedules itself if needed. */
  onKeepaliveDue(now: number): void;
}

export class KeepaliveScheduler {
  private readonly slots = new Map<number, Set<KeepaliveTarget>>();
  private timer: NodeJS.Timeout | undefined;
  private lastSlot: number;

  constructor(private readonly tickMs: number, private readonly now: () => number = Date.now) {
    this.lastSlot = Math.floor(this.now() / tickMs);
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.lastSlot = Math.floor(this.now() / this.tickMs);
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.slots.clear();
  }

  /** Schedules the target at `at` (epoch ms), replacing its previous schedule. */
  schedule(target: KeepaliveTarget, at: number): void {
    const slot = Math.max(Math.ceil(at / this.tickMs), this.lastSlot + 1);
    if (target.keepaliveSlot === slot) return;
    this.cancel(target);
    target.keepaliveSlot = slot;
    let set = this.slots.get(slot);
    if (set === undefined) {
      set = new Set();
      this.slots.set(slot, set);
    }
    set.add(target);
  }

  cancel(target: KeepaliveTarget): void {
    const set = this.slots.get(target.keepaliveSlot);
    if (set !== undefined) {
      set.delete(target);
      if (set.size === 0) this.slots.delete(target.keepaliveSlot);
    }
    target.keepaliveSlot = -1;
  }

  /** Processes every slot up to now. Public so tests can drive time. */
  tick(): void {
    const now = this.now();
    const current = Math.floor(now / this.tickMs);
    for (let slot = this.lastSlot + 1; slot <= current; slot++) {
      const due = this.slots.get(slot);
      this.lastSlot = slot;
      if (due === undefined) continue;
      this.slots.delete(slot);
      for (const target of due) {
        if (target.keepaliveSlot !== slot) continue;
        target.keepaliveSlot = -1;
        target.onKeepaliveDue(now);
      }
    }
  }
}
