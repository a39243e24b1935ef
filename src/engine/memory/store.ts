// In-memory key/value store with per-key expiry (broadcast last messages). Values are held by the
// engine's Retention: they expire on the shared timer without being read, and count against the
// memory budget (the oldest go first when it is full).

import type { KeyValueStore } from '../engine.js';
import { ITEM_OVERHEAD_BYTES, Retained, textBytes, type RetainedKind, type Retention } from './retention.js';

class StoredValue extends Retained {
  constructor(
    private readonly owner: MemoryStore,
    readonly key: string,
    readonly value: string,
  ) {
    super();
  }

  get kind(): RetainedKind {
    return 'value';
  }

  dropped(): void {
    this.owner.forget(this);
  }
}

export class MemoryStore implements KeyValueStore {
  private readonly values = new Map<string, StoredValue>();

  constructor(private readonly retention: Retention) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.values.get(key);
    // The sweep may lag by one tick: an expired value is never returned.
    if (entry === undefined || entry.deadline <= this.retention.now()) return undefined;
    return entry.value;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    const previous = this.values.get(key);
    if (previous !== undefined) this.retention.release(previous);
    const entry = new StoredValue(this, key, value);
    this.values.set(key, entry);
    this.retention.hold(entry, ttlSeconds * 1000, ITEM_OVERHEAD_BYTES + textBytes(key) + textBytes(value));
  }

  forget(entry: StoredValue): void {
    if (this.values.get(entry.key) === entry) this.values.delete(entry.key);
  }

  get size(): number {
    return this.values.size;
  }
}
