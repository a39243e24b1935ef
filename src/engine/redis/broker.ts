// The Redis broker: publications, joins and leaves travel over `P.client.<channel>` (sharded
// PUB/SUB on a cluster); each node holds ONE subscription per channel (subscribe on its first local
// subscriber, unsubscribe after the last) and fans out in-process. Publish with history is one Lua
// script (history.ts; with `ha_engine_wait_replicas`, answered after WAIT: replica-ack.ts); every
// other publish (and joins/leaves) goes through the per-turn PublishBatcher.

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
import { decodeBatch, decodeDataMessage, encodeJoin, isBatch, type EnvelopeParts, encodeLeave, publicationHead, publicationTail } from './envelope.js';
import { toEngineError } from './errors.js';
import { publishedPosition, type RedisHistory } from './history.js';
import type { RedisKeys } from './keys.js';
import { PUBLISH_WITH_HISTORY } from './lua.js';
import { PublishBatcher } from './publish-batcher.js';
import type { ReplicaAck } from './replica-ack.js';
import { readyLane, type ChannelSubscriber, type Router } from './routing.js';

/** Channel → Redis channel name cache bound (cleared when full; a miss costs one concatenation). */
const MAX_CACHED_KEYS = 10_000;

export interface BrokerCounters {
  /** Messages on data channels that were not livehub v1 envelopes (dropped). */
  undecodable: number;
}

export class RedisBroker implements Broker {
  handler: EngineEventHandler | undefined;
  readonly batcher = new PublishBatcher();
  private readonly clientKeys = new Map<string, string>();

  constructor(
    private readonly router: Router,
    private readonly keys: RedisKeys,
    private readonly streams: RedisHistory,
    private readonly counters: BrokerCounters,
    /** `ha_engine_wait_replicas`: history publishes answered after WAIT confirmed the replicas. */
    private readonly replicaAck?: ReplicaAck,
  ) {}

  publish(channel: string, data: string, info: ClientInfo | undefined, options: PublishOptions): Promise<StreamPosition | undefined> {
    // Encoded once here; Redis fans the same bytes out to every subscribed node.
    const head = publicationHead(info);
    if (options.history !== undefined) return this.publishWithHistory(channel, head, publicationTail(data), options.history);
    // Not async: the hot path hands back the batch segment's shared promise (already an engine
    // error on failure) instead of wrapping it in one more promise per publication.
    return this.enqueue(channel, { head, body: data }, 'publish');
  }

  private async publishWithHistory(channel: string, head: string, tail: string, history: HistorySettings): Promise<StreamPosition> {
    try {
      const lane = readyLane(this.router, channel);
      if (this.replicaAck === undefined) return await this.streams.publish(lane, channel, head, tail, history);
      const { keys, args } = this.streams.publishCall(lane, channel, head, tail, history);
      return publishedPosition(await this.replicaAck.run(lane, PUBLISH_WITH_HISTORY, keys, args));
    } catch (err) {
      throw toEngineError(err, 'publish');
    }
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    await this.enqueue(channel, { head: encodeJoin(info), body: undefined }, 'join');
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    await this.enqueue(channel, { head: encodeLeave(info), body: undefined }, 'leave');
  }

  private enqueue(channel: string, message: EnvelopeParts, what: string): Promise<undefined> {
    try {
      return this.batcher.publish(readyLane(this.router, channel), this.clientKey(channel), message);
    } catch (err) {
      return Promise.reject(toEngineError(err, what));
    }
  }

  async subscribe(channels: readonly string[]): Promise<void> {
    const groups = [...this.redisGroups(channels)];
    const results = await Promise.allSettled(groups.map(([subscriber, redisChannels]) => subscriber.subscribe(redisChannels)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed === undefined) return;
    // All or nothing: the node drops the local subscription when this rejects.
    await Promise.all(groups.map(([subscriber, redisChannels], i) => (results[i]!.status === 'fulfilled' ? subscriber.unsubscribe(redisChannels) : undefined)));
    throw toEngineError(failed.reason, 'subscribe');
  }

  async unsubscribe(channels: readonly string[]): Promise<void> {
    await Promise.all([...this.redisGroups(channels)].map(([subscriber, redisChannels]) => subscriber.unsubscribe(redisChannels)));
  }

  async history(channel: string, query: HistoryQuery, settings: HistorySettings): Promise<HistoryResult> {
    try {
      return await this.streams.read(readyLane(this.router, channel).client, channel, query, settings);
    } catch (err) {
      throw toEngineError(err, 'history');
    }
  }

  /** A message of a data channel (`P.client.<channel>`), straight from the subscriber connection. */
  deliver(redisChannel: string, payload: string): void {
    const handler = this.handler;
    if (handler === undefined) return;
    const channel = this.keys.channelOf(redisChannel);
    if (!isBatch(payload)) {
      this.deliverOne(handler, channel, payload);
      return;
    }
    const messages = decodeBatch(payload);
    if (messages === undefined) this.counters.undecodable++;
    else for (const message of messages) this.deliverOne(handler, channel, message);
  }

  private deliverOne(handler: EngineEventHandler, channel: string, payload: string): void {
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
    return redisChannels.map((c) => this.keys.channelOf(c));
  }

  /**
   * `P.client.<channel>`, built once per channel: a fresh concatenation per publish is a cons string
   * the batcher's Map must flatten and hash again (a measurable share of the publish profile).
   */
  private clientKey(channel: string): string {
    let key = this.clientKeys.get(channel);
    if (key === undefined) {
      if (this.clientKeys.size >= MAX_CACHED_KEYS) this.clientKeys.clear();
      key = this.keys.client(channel);
      this.clientKeys.set(channel, key);
    }
    return key;
  }

  private redisGroups(channels: readonly string[]): Map<ChannelSubscriber, string[]> {
    const groups = new Map<ChannelSubscriber, string[]>();
    for (const channel of channels) {
      const subscriber = this.router.subscriberOf(channel);
      const list = groups.get(subscriber);
      if (list === undefined) groups.set(subscriber, [this.keys.client(channel)]);
      else list.push(this.keys.client(channel));
    }
    return groups;
  }
}
