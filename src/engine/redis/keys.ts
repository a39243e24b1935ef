// Redis key and PUB/SUB channel names (grafana-live.md §7.2): identical to Grafana's/Centrifuge's
// standalone layout so operators' tooling (redis-cli, dashboards, alerts) keeps working. On Redis
// Cluster every name of a channel carries its partition's hash tag right after the kind
// (`P.stream.{t}.<ch>`, centrifuge-protocol.md §12.2; partitions.ts), so they share one slot.

import type { PartitionTable } from './partitions.js';

/** `gf_live`, or `<ha_prefix>.gf_live` when a prefix is configured. */
export function redisPrefix(haPrefix: string): string {
  return haPrefix === '' ? 'gf_live' : `${haPrefix}.gf_live`;
}

export class RedisKeys {
  readonly clientPrefix: string;
  /** Control broadcast (classic PUB/SUB in every mode: on a cluster it reaches every node). */
  readonly control: string;
  private readonly nodePrefix: string;

  /** `partitions`: the Redis Cluster layout (hash tags); without it the standalone names. */
  constructor(readonly prefix: string, readonly partitions?: PartitionTable) {
    if (partitions !== undefined && /[{}]/.test(prefix)) {
      throw new Error(`the Redis prefix ${JSON.stringify(prefix)} contains "{" or "}", which would change the Redis Cluster hash tags of every key; choose another [live] ha_prefix`);
    }
    this.clientPrefix = `${prefix}.client.`;
    this.control = `${prefix}.control`;
    this.nodePrefix = `${prefix}.node.`;
  }

  /** `kind.<ch>`, or `kind.{t}.<ch>` on a cluster. */
  private name(kind: string, channel: string): string {
    return this.partitions === undefined ? `${this.prefix}.${kind}.${channel}` : `${this.prefix}.${kind}.${this.partitions.tagOf(channel)}.${channel}`;
  }

  /** PUB/SUB channel of a full channel: publications, joins and leaves (sharded PUB/SUB on a cluster). */
  client(channel: string): string {
    return this.name('client', channel);
  }

  /** The full channel of a `client(…)` PUB/SUB channel name. */
  channelOf(redisChannel: string): string {
    const rest = redisChannel.slice(this.clientPrefix.length);
    // A tag holds no "}" (partitions.ts), so the first one ends it.
    return this.partitions === undefined ? rest : rest.slice(rest.indexOf('}.') + 2);
  }

  /** PUB/SUB channel of one node: survey replies addressed to it. */
  node(nodeId: string): string {
    return this.nodePrefix + nodeId;
  }

  /** PUB/SUB liveness probe channel of the subscriber connection of shard `index`. */
  shard(index: number): string {
    return `${this.prefix}.shard.${index}`;
  }

  /**
   * STRING: random seed of derived history epochs (epoch.ts), TTL = meta TTL. One per Redis; on a
   * cluster one per partition, tagged like the partition's channels, so the history scripts (which
   * may only touch their slot) can read it.
   */
  epochSeed(channel: string): string {
    return this.partitions === undefined ? `${this.prefix}.epoch_seed` : `${this.prefix}.epoch_seed.${this.partitions.tagOf(channel)}`;
  }

  /** Every epoch seed key (one standalone, one per partition on a cluster). */
  allEpochSeeds(): string[] {
    const table = this.partitions;
    if (table === undefined) return [`${this.prefix}.epoch_seed`];
    return Array.from({ length: table.count }, (_, i) => `${this.prefix}.epoch_seed.${table.tag(i)}`);
  }

  stream(channel: string): string {
    return this.name('stream', channel);
  }

  streamMeta(channel: string): string {
    return this.name('stream.meta', channel);
  }

  presenceData(channel: string): string {
    return this.name('presence.data', channel);
  }

  presenceExpire(channel: string): string {
    return this.name('presence.expire', channel);
  }

  managedStream(channel: string): string {
    return this.name('managed_stream', channel);
  }

  /**
   * KeyValueStore entries (e.g. `live_message.<full>` of the broadcast feature). On a cluster the
   * part after the first dot is taken as the channel, so the last message shares its channel's slot.
   */
  value(key: string): string {
    if (this.partitions === undefined) return `${this.prefix}.${key}`;
    const dot = key.indexOf('.');
    return dot < 0 ? `${this.prefix}.${this.partitions.tagOf(key)}.${key}` : this.name(key.slice(0, dot), key.slice(dot + 1));
  }
}
