// Where the commands and the subscription of a channel (or store key) go, whatever the Redis
// topology: application shards (shard.ts: one lane per Redis, PUBLISH) or one Redis Cluster
// (cluster-router.ts: one lane per partition, routed by slot, SPUBLISH). Broker, history, presence,
// frame cache and store only see lanes, so a channel's keys and messages always travel together.

import type { Cluster, Redis } from 'ioredis';
import { unavailable } from './errors.js';

/** A command client: one Redis connection, or the Redis Cluster client that routes by key slot. */
export type CommandClient = Redis | Cluster;

/** `PUBLISH` on standalone/Sentinel Redis; sharded `SPUBLISH` on Redis Cluster (Redis ≥ 7). */
export type PublishCommand = 'publish' | 'spublish';

export interface Lane {
  readonly client: CommandClient;
  readonly publishCommand: PublishCommand;
  /**
   * The lane's number: its application shard, or its cluster partition. Work batched together
   * (one script call) stays within one lane, and so within one slot on a cluster.
   */
  readonly group: number;
  /** Commands can be sent now (a shard: connected to a master; a cluster: the client is ready). */
  readonly ready: boolean;
  /** For error messages: which Redis and in what state. */
  describe(): string;
}

/** The PUB/SUB side a channel's subscription is made on (ShardSubscriber, ClusterPubSub). */
export interface ChannelSubscriber {
  subscribe(redisChannels: readonly string[]): Promise<void>;
  unsubscribe(redisChannels: readonly string[]): Promise<void>;
}

export interface Router {
  /** Number of lanes (frame-cache generations are kept per lane). */
  readonly laneCount: number;
  laneOf(name: string): Lane;
  subscriberOf(name: string): ChannelSubscriber;
}

/** The lane of a name, or EngineUnavailableError right away when it cannot take commands now. */
export function readyLane(router: Router, name: string): Lane {
  const lane = router.laneOf(name);
  if (!lane.ready) throw unavailable(new Error(lane.describe()));
  return lane;
}

/** Groups names by lane. */
export function groupByLane(router: Router, names: readonly string[]): Map<Lane, string[]> {
  const groups = new Map<Lane, string[]>();
  for (const name of names) {
    const lane = router.laneOf(name);
    const list = groups.get(lane);
    if (list === undefined) groups.set(lane, [name]);
    else list.push(name);
  }
  return groups;
}
