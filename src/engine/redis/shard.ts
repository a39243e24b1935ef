// One Redis shard as the engine sees it: its address, the command and subscriber connections, and
// the PUB/SUB bookkeeping; and the set of shards as a Router (routing.ts): channel → shard by jump
// hash (sharding.ts), one lane per shard.

import type { ShardAddress } from './address.js';
import type { Connection } from './connections.js';
import type { ShardSubscriber } from './pubsub.js';
import type { ChannelSubscriber, Lane, Router } from './routing.js';
import { shardOf } from './sharding.js';

export interface Shard {
  readonly index: number;
  readonly address: ShardAddress;
  readonly cmd: Connection;
  readonly sub: Connection;
  readonly subscriber: ShardSubscriber;
}

class ShardLane implements Lane {
  readonly publishCommand = 'publish' as const;

  constructor(private readonly shard: Shard) {}

  get client(): Shard['cmd']['client'] {
    return this.shard.cmd.client;
  }

  get group(): number {
    return this.shard.index;
  }

  get ready(): boolean {
    return this.shard.cmd.ready;
  }

  describe(): string {
    return `redis shard ${this.shard.index} (${this.shard.address.label}) is ${this.shard.cmd.describe()}`;
  }
}

export class ShardSet implements Router {
  private readonly lanes: ShardLane[];

  constructor(readonly all: readonly Shard[]) {
    if (all.length === 0) throw new Error('at least one Redis shard is needed');
    this.lanes = all.map((s) => new ShardLane(s));
  }

  get laneCount(): number {
    return this.all.length;
  }

  /** The shard of a channel (or store key). */
  of(name: string): Shard {
    return this.all[shardOf(name, this.all.length)]!;
  }

  laneOf(name: string): Lane {
    return this.lanes[shardOf(name, this.all.length)]!;
  }

  subscriberOf(name: string): ChannelSubscriber {
    return this.of(name).subscriber;
  }

  /** Shard 0 carries cluster traffic (P.control, P.node.<id>). */
  get control(): Shard {
    return this.all[0]!;
  }
}
