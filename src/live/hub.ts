// The node-local subscription index: full channel -> the channel strings clients used -> their
// subscriptions. A publication is encoded once per channel string (almost always exactly one) and the
// same frame goes to every local subscriber.

import type { ClientInfo, Publication } from '../engine/engine.js';
import { encodeJoinPush, encodeLeavePush, encodePubPush } from '../protocol/replies.js';
import { OutboundMessage } from '../protocol/outbound-message.js';
import { flattenString, type Subscription } from './channel-subscription.js';

type Aliases = Map<string, Set<Subscription>>;

interface ChannelEntry {
  /** The one copy of the full channel string shared by all its subscriptions (memory per connection). */
  readonly fullChannel: string;
  readonly aliases: Aliases;
}

export class Hub {
  private readonly channels = new Map<string, ChannelEntry>();
  private subscriptionCount = 0;

  /** Adds a subscription; true when it is the first on this node for its full channel. */
  add(subscription: Subscription): boolean {
    let entry = this.channels.get(subscription.fullChannel);
    const first = entry === undefined;
    if (entry === undefined) {
      entry = { fullChannel: flattenString(subscription.fullChannel), aliases: new Map() };
      this.channels.set(entry.fullChannel, entry);
    }
    subscription.shareFullChannel(entry.fullChannel);
    const aliases = entry.aliases;
    let subs = aliases.get(subscription.channel);
    if (subs === undefined) {
      subs = new Set();
      aliases.set(subscription.channel, subs);
    }
    if (!subs.has(subscription)) {
      subs.add(subscription);
      this.subscriptionCount++;
    }
    return first;
  }

  /** Removes a subscription; true when it was the last on this node for its full channel. */
  remove(subscription: Subscription): boolean {
    const aliases = this.channels.get(subscription.fullChannel)?.aliases;
    if (aliases === undefined) return false;
    const subs = aliases.get(subscription.channel);
    if (subs === undefined || !subs.delete(subscription)) return false;
    this.subscriptionCount--;
    if (subs.size === 0) aliases.delete(subscription.channel);
    if (aliases.size > 0) return false;
    this.channels.delete(subscription.fullChannel);
    return true;
  }

  has(fullChannel: string): boolean {
    return this.channels.has(fullChannel);
  }

  localSubscribers(fullChannel: string): number {
    const aliases = this.channels.get(fullChannel)?.aliases;
    if (aliases === undefined) return 0;
    let n = 0;
    for (const subs of aliases.values()) n += subs.size;
    return n;
  }

  /** Every local subscription of a full channel (a copy: callers may remove while iterating). */
  subscriptionsOf(fullChannel: string): Subscription[] {
    const aliases = this.channels.get(fullChannel)?.aliases;
    if (aliases === undefined) return [];
    const all: Subscription[] = [];
    for (const subs of aliases.values()) all.push(...subs);
    return all;
  }

  channelNames(): string[] {
    return [...this.channels.keys()];
  }

  get numChannels(): number {
    return this.channels.size;
  }

  get numSubscriptions(): number {
    return this.subscriptionCount;
  }

  /** Delivers to every local subscriber; returns how many subscriptions it reached. */
  broadcast(fullChannel: string, publication: Publication): number {
    const aliases = this.channels.get(fullChannel)?.aliases;
    if (aliases === undefined) return 0;
    let reached = 0;
    for (const [channel, subs] of aliases) {
      const message = new OutboundMessage(encodePubPush(channel, publication));
      for (const sub of subs) sub.deliver(publication, message);
      reached += subs.size;
    }
    return reached;
  }

  broadcastJoin(fullChannel: string, info: ClientInfo): void {
    this.broadcastEvent(fullChannel, (channel) => encodeJoinPush(channel, info), info.client);
  }

  broadcastLeave(fullChannel: string, info: ClientInfo): void {
    this.broadcastEvent(fullChannel, (channel) => encodeLeavePush(channel, info), info.client);
  }

  private broadcastEvent(fullChannel: string, encode: (channel: string) => string, aboutClient: string): void {
    const aliases = this.channels.get(fullChannel)?.aliases;
    if (aliases === undefined) return;
    for (const [channel, subs] of aliases) {
      let message: OutboundMessage | undefined;
      for (const sub of subs) {
        // Join/leave go only where the handler enabled them, and never about the client itself.
        if (!sub.options.joinLeave || sub.owner.clientId === aboutClient) continue;
        message ??= new OutboundMessage(encode(channel));
        sub.deliverEvent(message);
      }
    }
  }
}
