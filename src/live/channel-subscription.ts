// One client's subscription to one channel. Until its subscribe reply is written it buffers live
// publications (the reply must precede every push, and recovery merges the buffer by offset); after
// that it delivers, enforcing offsets for positioned subscriptions.

import type { ClientInfo, Publication } from '../engine/engine.js';
import { Unsubscribes } from '../protocol/codes.js';
import type { PublicationPush, SharedPush } from '../protocol/shared-push.js';
import type { ChannelHandler } from './handlers.js';

/** Live publications buffered during one subscribe before the session gives up as "slow". */
const MAX_PENDING = 10_000;

export interface SubscriptionOwner {
  readonly clientId: string;
  readonly info: ClientInfo;
  /** Writes a shared push in the session's codec (queue limits are enforced there). */
  sendPush(push: SharedPush): void;
  /** The subscription can no longer be kept consistent: push unsubscribe(code) and drop it. */
  dropSubscription(subscription: Subscription, code: number, reason: string): void;
  /** Too much buffered while subscribing: the session is closed as slow. */
  overflow(): void;
}

export interface SubscriptionOptions {
  readonly presence: boolean;
  readonly joinLeave: boolean;
  /** The handler keeps history for this channel (history command allowed). */
  readonly history: boolean;
  /** History on and the client asked for positioning/recovery. */
  readonly positioned: boolean;
}

// ---- per-connection memory (docs/performance.md, "memory") ---------------------------------------

/** Written by flattenString so the optimiser cannot drop the read that flattens. */
let flattenSink = 0;

/**
 * V8 keeps a string built by concatenation as a tree of cons-string nodes until something reads its
 * characters. `crypto.randomUUID()` builds the client id that way (about 15 nodes, ~490 bytes held
 * for the whole life of an idle connection), and the full channel is a template literal. Reading one
 * character flattens the string in place; the tree becomes garbage.
 */
export function flattenString(text: string): string {
  flattenSink ^= text.charCodeAt(0) | 0;
  return text;
}

/**
 * Channel strings as clients wrote them, shared: every client parses its own copy out of its
 * subscribe command, so 10,000 subscribers of one channel would hold 10,000 equal strings (~40–60
 * bytes each, kept for the connection's life). Bounded: when full it is simply cleared (sharing is an
 * optimisation; a string that is no longer interned is still correct), so channels nobody uses any
 * more cost at most this many entries.
 */
const internedChannels = new Map<string, string>();
const MAX_INTERNED_CHANNELS = 4096;

export function internChannel(channel: string): string {
  const known = internedChannels.get(channel);
  if (known !== undefined) return known;
  if (internedChannels.size >= MAX_INTERNED_CHANNELS) internedChannels.clear();
  const flat = flattenString(channel);
  internedChannels.set(flat, flat);
  return flat;
}

/** The 16 possible option sets, shared: no options object per subscription. */
const sharedOptions = new Map<number, SubscriptionOptions>();

function shareOptions(options: SubscriptionOptions): SubscriptionOptions {
  const key = (options.presence ? 1 : 0) | (options.joinLeave ? 2 : 0) | (options.history ? 4 : 0) | (options.positioned ? 8 : 0);
  let shared = sharedOptions.get(key);
  if (shared === undefined) {
    shared = Object.freeze({ presence: options.presence, joinLeave: options.joinLeave, history: options.history, positioned: options.positioned });
    sharedOptions.set(key, shared);
  }
  return shared;
}

export class Subscription {
  /** Publications that arrived while subscribing (each push carries its publication). */
  private pending: PublicationPush[] | undefined = [];
  /** Last delivered offset for positioned subscriptions. */
  lastOffset = 0;
  epoch = '';
  readonly options: SubscriptionOptions;
  /** The channel exactly as the client wrote it (pushes must use this string); interned. */
  readonly channel: string;
  private full: string;

  constructor(
    readonly owner: SubscriptionOwner,
    channel: string,
    fullChannel: string,
    readonly handler: ChannelHandler,
    options: SubscriptionOptions,
  ) {
    this.channel = internChannel(channel);
    this.full = fullChannel;
    this.options = shareOptions(options);
  }

  /** The canonical prefixed channel the engine and hub use. */
  get fullChannel(): string {
    return this.full;
  }

  /**
   * The hub hands every subscription of a channel the one string it keeps for it, so 10,000
   * subscribers hold one copy instead of 10,000 (only an equal string is accepted).
   */
  shareFullChannel(canonical: string): void {
    if (canonical === this.full) this.full = canonical;
  }

  get active(): boolean {
    return this.pending === undefined;
  }

  deliver(push: PublicationPush): void {
    if (this.pending !== undefined) {
      if (this.pending.length >= MAX_PENDING) {
        this.owner.overflow();
        return;
      }
      this.pending.push(push);
      return;
    }
    this.write(push);
  }

  /** Pushes that are not publications (join/leave) are dropped while subscribing. */
  deliverEvent(push: SharedPush): void {
    if (this.pending === undefined) this.owner.sendPush(push);
  }

  /** Buffered publications so far (for recovery merging). */
  buffered(): readonly Publication[] {
    return (this.pending ?? []).map((push) => push.publication);
  }

  /** Forgets buffered publications the subscriber will get another way (e.g. in its initial data). */
  dropBuffered(covered: (publication: Publication) => boolean): void {
    if (this.pending !== undefined) this.pending = this.pending.filter((push) => !covered(push.publication));
  }

  /** Called right after the subscribe reply was written: flush what arrived meanwhile. */
  activate(): void {
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const push of pending) this.write(push);
  }

  private write(push: PublicationPush): void {
    const publication = push.publication;
    if (this.options.positioned && publication.offset !== undefined) {
      const epoch = publication.epoch ?? '';
      if (this.epoch === '') this.epoch = epoch;
      if (epoch !== this.epoch) {
        this.owner.dropSubscription(this, Unsubscribes.insufficientState.code, Unsubscribes.insufficientState.reason);
        return;
      }
      if (publication.offset <= this.lastOffset) return; // already delivered (recovery overlap)
      if (publication.offset > this.lastOffset + 1) {
        // A gap: something was lost between nodes. The client resubscribes and recovers.
        this.owner.dropSubscription(this, Unsubscribes.insufficientState.code, Unsubscribes.insufficientState.reason);
        return;
      }
      this.lastOffset = publication.offset;
    }
    this.owner.sendPush(push);
  }
}
