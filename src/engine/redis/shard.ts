// One Redis shard as the engine sees it: its address, the command and subscriber connections, and
// the PUB/SUB bookkeeping. Channel → shard mapping lives in sharding.ts; this is the per-shard bundle.

import type { ShardAddress } from './address.js';
import type { Connection } from './connections.js';
import { unavailable } from './errors.js';
import type { ShardSubscriber } from './pubsub.js';
import { shardOf } from './sharding.js';

export interface Shard {
  readonly index: number;
  readonly address: ShardAddress;
  readonly cmd: Connection;
  readonly sub: Connection;
  readonly subscriber: ShardSubscriber;
}

export class ShardSet {
  constructor(readonly all: readonly Shard[]) {
    if (all.length === 0) throw new Error('at least one Redis shard is needed');
  }

  get count(): number {
    return this.all.length;
  }

  /** The shard of a channel (or store key). */
  of(name: string): Shard {
    return this.all[shardOf(name, this.all.length)]!;
  }

  /** Shard 0 carries cluster traffic (P.control, P.node.<id>). */
  get control(): Shard {
    return this.all[0]!;
  }

  /** The command client of a channel's shard, or EngineUnavailableError right away when it is down. */
  commandClient(name: string): Shard['cmd']['client'] {
    return readyCommandClient(this.of(name));
  }

  /** Groups names by shard index. */
  group(names: readonly string[]): Map<Shard, string[]> {
    const groups = new Map<Shard, string[]>();
    for (const name of names) {
      const shard = this.of(name);
      const list = groups.get(shard);
      if (list === undefined) groups.set(shard, [name]);
      else list.push(name);
    }
    return groups;
  }
}

export function readyCommandClient(shard: Shard): Shard['cmd']['client'] {
  if (!shard.cmd.ready) throw unavailable(new Error(`redis shard ${shard.index} (${shard.address.label}) is ${shard.cmd.describe()}`));
  return shard.cmd.client;
}
