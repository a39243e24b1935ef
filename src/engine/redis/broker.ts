// The Redis broker: publications, joins and leaves travel over `P.client.<channel>`; each node
// holds ONE subscription per channel (subscribe on its first local subscriber, unsubscribe after
// the last) and fans out in-process. Publish with history is one Lua script (history.ts).

import type {
  Broker,
  ClientInfo,
  EngineEventHandler,
  HistoryQuery,
  HistoryResult,
  HistorySettings,
  PublishOptions,
  StreamPosition,
} from '../engine.js';
import { decodeDataMessage, encodeJoin, encodeLeave, publicationHead, publicationTail } from './envelope.js';
import { toEngineError } from './errors.js';
import type { RedisHistory } from './history.js';
import type { RedisKeys } from './keys.js';
import type { Shard, ShardSet } from './shard.js';

export interface BrokerCounters {
  /** Messages on data channels that were not livehub v1 envelopes (dropped). */
  undecodable: number;
}

export class RedisBroker implements Broker {
  handler: EngineEventHandler | undefined;

  constructor(
    private readonly shards: ShardSet,
    private readonly keys: RedisKeys,
    private readonly streams: RedisHistory,
    private readonly counters: BrokerCounters,
  ) {}

  async publish(channel: string, data: string, info: ClientInfo | undefined, options: PublishOptions): Promise<StreamPosition | undefined> {
    try {
      const client = this.shards.commandClient(channel);
      // Encoded once here; Redis fans the same bytes out to every subscribed node.
      const head = publicationHead(info);
      const tail = publicationTail(data);
      if (options.history !== undefined) return await this.streams.publish(client, channel, head, tail, options.history);
      await client.publish(this.keys.client(channel), head + tail);
      return undefined;
    } catch (err) {
      throw toEngineError(err, 'publish');
    }
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.publishRaw(channel, encodeJoin(info), 'join');
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.publishRaw(channel, encodeLeave(info), 'leave');
  }

  private async publishRaw(channel: string, payload: string, what: string): Promise<void> {
    try {
      await this.shards.commandClient(channel).publish(this.keys.client(channel), payload);
    } catch (err) {
      throw toEngineError(err, what);
    }
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    const groups = [...this.redisGroups(channels)];
    const results = await Promise.allSettled(groups.map(([shard, redisChannels]) => shard.subscriber.subscribe(redisChannels)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed === undefined) return;
    // All or nothing: the node drops the local subscription when this rejects.
    await Promise.all(groups.map(([shard, redisChannels], i) => (results[i]!.status === 'fulfilled' ? shard.subscriber.unsubscribe(redisChannels) : undefined)));
    throw toEngineError(failed.reason, 'subscribe');
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    await Promise.all([...this.redisGroups(channels)].map(([shard, redisChannels]) => shard.subscriber.unsubscribe(redisChannels)));
  }

  async history(channel: string, query: HistoryQuery, settings: HistorySettings): Promise<HistoryResult> {
    try {
      return await this.streams.read(this.shards.commandClient(channel), channel, query, settings);
    } catch (err) {
      throw toEngineError(err, 'history');
    }
  }

  /** A message of a data channel (`P.client.<channel>`), straight from the subscriber connection. */
  deliver(redisChannel: string, payload: string): void {
    const handler = this.handler;
    if (handler === undefined) return;
    const channel = redisChannel.slice(this.keys.clientPrefix.length);
    const message = decodeDataMessage(payload);
    if (message === undefined) {
      this.counters.undecodable++;
      return;
    }
    if (message.type === 'publication') handler.onPublication(channel, message.publication);
    else if (message.type === 'join') handler.onJoin(channel, message.info);
    else handler.onLeave(channel, message.info);
  }

  /** Node channels of Redis channels (for onResubscribed). */
  channelsOf(redisChannels: readonly string[]): string[] {
    const n = this.keys.clientPrefix.length;
    return redisChannels.map((c) => c.slice(n));
  }

  private redisGroups(channels: readonly string[]): Map<Shard, string[]> {
    const groups = new Map<Shard, string[]>();
    for (const [shard, names] of this.shards.group(channels)) groups.set(shard, names.map((c) => this.keys.client(c)));
    return groups;
  }
}
