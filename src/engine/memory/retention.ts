// What bounds everything the memory engine stores — history entries, history stream meta, key/values
// (broadcast last messages) and managed-stream frames — in time AND in bytes, with one structure and
// one timer for all of them (docs/architecture.md, "Memory engine retention").
//
// Time: items live in expiry queues, one per distinct TTL. Within a queue the deadline is the time of
// the last hold/touch plus that TTL, so appending at the tail keeps each queue ordered by deadline and
// a sweep pops expired heads only: O(expired + number of distinct TTLs) per tick, never a scan of
// every channel. The TTLs in use are few (history_ttl, the meta TTL, the frame idle TTL, the
// broadcast's 300 s), so the number of queues stays small.
//
// Bytes: every item carries an estimate of what it holds; above the budget the oldest item (the
// smallest `age`, a counter bumped on every hold/touch, so "oldest" means least recently written) is
// evicted. The oldest item is the head of one of the queues, so an eviction is O(number of queues).

export const RETAINED_KINDS = ['history', 'history_meta', 'value', 'frame'] as const;
export type RetainedKind = (typeof RETAINED_KINDS)[number];
export type DropReason = 'expired' | 'evicted';

export function monotonicNow(): number {
  return performance.now();
}

/** Bytes charged per item on top of its text: the object, its links and its map entry. */
export const ITEM_OVERHEAD_BYTES = 128;

/**
 * What V8 holds for a string: one byte per character when it is Latin-1, two otherwise. An ASCII
 * test (UTF-8 length = length) is one fast native pass; non-ASCII Latin-1 is counted at two bytes,
 * which only over-estimates.
 */
export function textBytes(text: string): number {
  return Buffer.byteLength(text, 'utf8') === text.length ? text.length : 2 * text.length;
}

/** Something the retention holds; owners subclass it and forget the item in `dropped`. */
export abstract class Retained {
  abstract readonly kind: RetainedKind;
  /** Estimated bytes held (charged to the budget). */
  bytes = 0;
  /** Write order across all items: smaller is older. */
  age = 0;
  deadline = 0;
  prev: Retained | undefined = undefined;
  next: Retained | undefined = undefined;
  queue: ExpiryQueue | undefined = undefined;

  /** True while the retention holds the item. */
  get held(): boolean {
    return this.queue !== undefined;
  }

  /**
   * The retention removed the item (TTL passed or the budget needed room); the owner must forget it.
   * Not called for items the owner releases itself.
   */
  abstract dropped(reason: DropReason): void;
}

class ExpiryQueue {
  head: Retained | undefined = undefined;
  tail: Retained | undefined = undefined;

  constructor(readonly ttlMs: number) {}

  append(item: Retained): void {
    item.queue = this;
    item.prev = this.tail;
    item.next = undefined;
    if (this.tail === undefined) this.head = item;
    else this.tail.next = item;
    this.tail = item;
  }

  unlink(item: Retained): void {
    if (item.prev === undefined) this.head = item.next;
    else item.prev.next = item.next;
    if (item.next === undefined) this.tail = item.prev;
    else item.next.prev = item.prev;
    item.prev = undefined;
    item.next = undefined;
    item.queue = undefined;
  }
}

export interface RetentionStats {
  readonly budgetBytes: number;
  readonly bytes: number;
  readonly items: number;
  readonly bytesByKind: Readonly<Record<RetainedKind, number>>;
  readonly itemsByKind: Readonly<Record<RetainedKind, number>>;
  /** Items removed because the budget was reached (oldest first). */
  readonly evictions: Readonly<Record<RetainedKind, number>>;
  /** Items removed because their TTL passed. */
  readonly expirations: Readonly<Record<RetainedKind, number>>;
}

function perKind(): Record<RetainedKind, number> {
  return { history: 0, history_meta: 0, value: 0, frame: 0 };
}

export class Retention {
  private readonly queues = new Map<number, ExpiryQueue>();
  private ageCounter = 0;
  private heldBytes = 0;
  private heldItems = 0;
  private readonly bytesByKind = perKind();
  private readonly itemsByKind = perKind();
  private readonly evictions = perKind();
  private readonly expirations = perKind();

  constructor(
    readonly budgetBytes: number,
    /** A monotonic clock in ms (deadlines only ever compare with it): wall-clock jumps reorder nothing. */
    readonly now: () => number = monotonicNow,
  ) {}

  get bytes(): number {
    return this.heldBytes;
  }

  /**
   * Starts holding an item for `ttlMs` (ms, ≥ 1). May evict older items — or this one, when it alone
   * exceeds the budget — before it returns; owners must cope with `dropped` being called meanwhile.
   */
  hold(item: Retained, ttlMs: number, bytes: number): void {
    if (item.held) throw new Error('item is already held');
    this.place(item, ttlMs);
    item.bytes = bytes;
    this.heldBytes += bytes;
    this.heldItems++;
    this.bytesByKind[item.kind] += bytes;
    this.itemsByKind[item.kind]++;
    this.enforceBudget();
  }

  /** Written again: a new deadline (same or new TTL), youngest for eviction, optionally new bytes. */
  touch(item: Retained, ttlMs: number, bytes: number = item.bytes): void {
    const queue = item.queue;
    if (queue === undefined) return;
    queue.unlink(item);
    if (queue.head === undefined) this.queues.delete(queue.ttlMs);
    this.place(item, ttlMs);
    const delta = bytes - item.bytes;
    item.bytes = bytes;
    this.heldBytes += delta;
    this.bytesByKind[item.kind] += delta;
    if (delta > 0) this.enforceBudget();
  }

  /** The owner removes an item (replaced, trimmed, deleted); `dropped` is not called. */
  release(item: Retained): void {
    const queue = item.queue;
    if (queue === undefined) return;
    queue.unlink(item);
    if (queue.head === undefined) this.queues.delete(queue.ttlMs);
    this.heldBytes -= item.bytes;
    this.heldItems--;
    this.bytesByKind[item.kind] -= item.bytes;
    this.itemsByKind[item.kind]--;
  }

  /** Drops every item whose deadline passed (the engine's one timer calls this). Returns how many. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const queue of this.queues.values()) {
      let head = queue.head;
      while (head !== undefined && head.deadline <= now) {
        this.expirations[head.kind]++;
        this.release(head);
        head.dropped('expired');
        dropped++;
        head = queue.head;
      }
    }
    return dropped;
  }

  stats(): RetentionStats {
    return {
      budgetBytes: this.budgetBytes,
      bytes: this.heldBytes,
      items: this.heldItems,
      bytesByKind: { ...this.bytesByKind },
      itemsByKind: { ...this.itemsByKind },
      evictions: { ...this.evictions },
      expirations: { ...this.expirations },
    };
  }

  private place(item: Retained, ttlMs: number): void {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    let queue = this.queues.get(ttl);
    if (queue === undefined) {
      queue = new ExpiryQueue(ttl);
      this.queues.set(ttl, queue);
    }
    item.age = ++this.ageCounter;
    item.deadline = this.now() + ttl;
    queue.append(item);
  }

  private enforceBudget(): void {
    while (this.heldBytes > this.budgetBytes) {
      let oldest: Retained | undefined;
      for (const queue of this.queues.values()) {
        const head = queue.head;
        if (head !== undefined && (oldest === undefined || head.age < oldest.age)) oldest = head;
      }
      if (oldest === undefined) return;
      this.evictions[oldest.kind]++;
      this.release(oldest);
      oldest.dropped('evicted');
    }
  }
}
