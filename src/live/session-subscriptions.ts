// One session's subscriptions by channel, with the part of the Map API the session code uses.
//
// Why not a Map: an idle connection usually holds one to a few subscriptions, and a Map costs ~185
// bytes for that (the object plus a hash table sized for 4 entries), a noticeable share of the
// per-connection memory the benchmarks measure (docs/performance.md, "memory"). Up to SMALL entries
// live in an exact-size array scanned linearly (the key is the subscription's own `channel`, so
// nothing else is stored); beyond that a real Map keeps lookups O(1) for pages with many panels.

import type { Subscription } from './channel-subscription.js';

/** Linear scans over this many entries are cheaper than hashing, and the array is tiny. */
const SMALL = 8;

export class SessionSubscriptions {
  /** undefined: empty; an array: ≤ SMALL entries in insertion order; a Map beyond that. */
  private entries: Subscription[] | Map<string, Subscription> | undefined;

  get size(): number {
    const e = this.entries;
    return e === undefined ? 0 : Array.isArray(e) ? e.length : e.size;
  }

  get(channel: string): Subscription | undefined {
    const e = this.entries;
    if (e === undefined) return undefined;
    if (!Array.isArray(e)) return e.get(channel);
    for (let i = 0; i < e.length; i++) if (e[i]!.channel === channel) return e[i];
    return undefined;
  }

  has(channel: string): boolean {
    return this.get(channel) !== undefined;
  }

  /** Adds or replaces; `channel` must be the subscription's own channel (the key is not stored). */
  set(channel: string, subscription: Subscription): this {
    if (subscription.channel !== channel) throw new Error(`subscription for ${subscription.channel} stored under ${channel}`);
    const e = this.entries;
    if (e === undefined) {
      this.entries = [subscription];
    } else if (!Array.isArray(e)) {
      e.set(channel, subscription);
    } else {
      const at = e.findIndex((s) => s.channel === channel);
      if (at >= 0) e[at] = subscription;
      else if (e.length < SMALL) this.entries = e.concat(subscription); // concat allocates exactly n + 1 slots; push would reserve 17+
      else this.entries = new Map(e.map((s) => [s.channel, s] as const)).set(channel, subscription);
    }
    return this;
  }

  delete(channel: string): boolean {
    const e = this.entries;
    if (e === undefined) return false;
    if (!Array.isArray(e)) {
      if (!e.delete(channel)) return false;
      if (e.size === 0) this.entries = undefined;
      return true;
    }
    const at = e.findIndex((s) => s.channel === channel);
    if (at < 0) return false;
    this.entries = e.length === 1 ? undefined : e.filter((_, i) => i !== at);
    return true;
  }

  clear(): void {
    this.entries = undefined;
  }

  /** A snapshot in insertion order (callers may remove while iterating). */
  values(): IterableIterator<Subscription> {
    const e = this.entries;
    if (e === undefined) return [][Symbol.iterator]();
    return Array.isArray(e) ? e.slice()[Symbol.iterator]() : [...e.values()][Symbol.iterator]();
  }

  keys(): IterableIterator<string> {
    return Array.from(this.values(), (s) => s.channel)[Symbol.iterator]();
  }

  [Symbol.iterator](): IterableIterator<[string, Subscription]> {
    return Array.from(this.values(), (s): [string, Subscription] => [s.channel, s])[Symbol.iterator]();
  }
}
