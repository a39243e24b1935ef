// The node-local subscription index: full channel -> the channel strings clients used -> their
// subscriptions. A publication is encoded once per channel string (almost always exactly one) and
// codec in use (JSON, protobuf: only codecs with a subscriber pay), and the same frame goes to every
// local subscriber of that codec.

import type { ClientInfo, Publication } from '../engine/engine.js';
import { PresenceEventPush, PublicationPush } from '../protocol/shared-push.js';
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
      const push = new PublicationPush(channel, publication);
      for (const sub of subs) sub.deliver(push);
      reached += subs.size;
    }
    return reached;
  }

  broadcastJoin(fullChannel: string, info: ClientInfo): void {
    this.broadcastEvent(fullChannel, 'join', info);
  }

  broadcastLeave(fullChannel: string, info: ClientInfo): void {
    this.broadcastEvent(fullChannel, 'leave', info);
  }

  private broadcastEvent(fullChannel: string, kind: 'join' | 'leave', info: ClientInfo): void {
    const aliases = this.channels.get(fullChannel)?.aliases;
    if (aliases === undefined) return;
    for (const [channel, subs] of aliases) {
      let push: PresenceEventPush | undefined;
      for (const sub of subs) {
        // Join/leave go only where the handler enabled them, and never about the client itself.
        if (!sub.options.joinLeave || sub.owner.clientId === info.client) continue;
        push ??= new PresenceEventPush(channel, kind, info);
        sub.deliverEvent(push);
      }
    }
  }
}
