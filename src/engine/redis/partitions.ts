// Redis Cluster placement (centrifuge-protocol.md §12.2, §12.8): a channel belongs to one of N
// partitions (jump hash over FNV-1a 64, as application shards), and every key and the sharded
// PUB/SUB channel of that channel carry the partition's hash tag `{t}`. So a channel's history
// stream, meta, presence, frame cache and last message share one slot (its Lua scripts are atomic),
// and the channels of a partition share one slot, so one SSUBSCRIBE carries up to 512 of them.
// The tags are chosen so that partition i's slot lies in the i-th N-th of the slot space: a bare
// `{0}…{N-1}` clusters in a few slot ranges and leaves masters idle (centrifugal/centrifuge#554).

import calculateSlot from 'cluster-key-slot';
import { fnv1a64, jumpHash } from './sharding.js';

export const CLUSTER_SLOTS = 16_384;
export const DEFAULT_PARTITIONS = 128;

/** Bound of the channel → partition cache (a miss costs one FNV-1a + jump hash). */
const MAX_CACHED = 10_000;

export { calculateSlot as slotOf };

export class PartitionTable {
  /** Tag text (inside the braces) per partition. */
  private readonly tags: string[];
  private readonly slots: number[];
  /** Channel → partition: every key name of a publish needs it (cleared when full). */
  private readonly cache = new Map<string, number>();

  constructor(readonly count: number = DEFAULT_PARTITIONS) {
    if (!Number.isInteger(count) || count < 1 || count > CLUSTER_SLOTS) throw new RangeError(`partitions must be 1–${CLUSTER_SLOTS}, got ${count}`);
    this.tags = new Array<string>(count);
    this.slots = new Array<number>(count);
    // One pass over 0, 1, 2, …: each number takes the first free partition whose slot range it
    // falls in. Deterministic, so every node computes the same table (coupon collector: ~N ln N tries).
    let missing = count;
    for (let n = 0; missing > 0; n++) {
      const tag = n.toString(36);
      const slot = calculateSlot(`{${tag}}`);
      const partition = Math.floor((slot * count) / CLUSTER_SLOTS);
      if (this.tags[partition] !== undefined) continue;
      this.tags[partition] = tag;
      this.slots[partition] = slot;
      missing--;
    }
  }

  partitionOf(channel: string): number {
    if (this.count === 1) return 0;
    let partition = this.cache.get(channel);
    if (partition === undefined) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      partition = jumpHash(fnv1a64(channel), this.count);
      this.cache.set(channel, partition);
    }
    return partition;
  }

  /** `{t}` of a partition. */
  tag(partition: number): string {
    return `{${this.tags[partition]!}}`;
  }

  slot(partition: number): number {
    return this.slots[partition]!;
  }

  /** The partition whose tag hashes to `slot` (each partition has a slot of its own). */
  partitionOfSlot(slot: number): number | undefined {
    const partition = Math.floor((slot * this.count) / CLUSTER_SLOTS);
    return this.slots[partition] === slot ? partition : undefined;
  }

  /** `{t}` of a channel's partition. */
  tagOf(channel: string): string {
    return this.tag(this.partitionOf(channel));
  }
}
