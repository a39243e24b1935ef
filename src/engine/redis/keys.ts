// Redis key and PUB/SUB channel names (grafana-live.md §7.2): identical to Grafana's/Centrifuge's
// standalone layout so operators' tooling (redis-cli, dashboards, alerts) keeps working.

/** `gf_live`, or `<ha_prefix>.gf_live` when a prefix is configured. */
export function redisPrefix(haPrefix: string): string {
  return haPrefix === '' ? 'gf_live' : `${haPrefix}.gf_live`;
}

export class RedisKeys {
  readonly clientPrefix: string;
  readonly control: string;
  /** STRING, one per Redis: random seed of derived history epochs (epoch.ts), TTL = meta TTL. */
  readonly epochSeed: string;
  private readonly nodePrefix: string;

  constructor(readonly prefix: string) {
    this.clientPrefix = `${prefix}.client.`;
    this.control = `${prefix}.control`;
    this.epochSeed = `${prefix}.epoch_seed`;
    this.nodePrefix = `${prefix}.node.`;
  }

  /** PUB/SUB channel of a full channel: publications, joins and leaves. */
  client(channel: string): string {
    return this.clientPrefix + channel;
  }

  /** PUB/SUB channel of one node: survey replies addressed to it. */
  node(nodeId: string): string {
    return this.nodePrefix + nodeId;
  }

  /** PUB/SUB liveness probe channel of the subscriber connection of shard `index`. */
  shard(index: number): string {
    return `${this.prefix}.shard.${index}`;
  }

  stream(channel: string): string {
    return `${this.prefix}.stream.${channel}`;
  }

  streamMeta(channel: string): string {
    return `${this.prefix}.stream.meta.${channel}`;
  }

  presenceData(channel: string): string {
    return `${this.prefix}.presence.data.${channel}`;
  }

  presenceExpire(channel: string): string {
    return `${this.prefix}.presence.expire.${channel}`;
  }

  managedStream(channel: string): string {
    return `${this.prefix}.managed_stream.${channel}`;
  }

  /** KeyValueStore entries (e.g. `live_message.<full>` of the broadcast feature). */
  value(key: string): string {
    return `${this.prefix}.${key}`;
  }
}
