// What a generator child keeps per connection: plain data; subscribers.ts and resilient.ts hold the
// logic. A resilient connection (failover scenario) also carries its reconnect state and, per
// channel, the sequence numbers it saw (harness/gap-ledger.ts).

import type { SeqTracker } from '../../../harness/gap-ledger.js';
import type { Protocol } from '../protocol.js';
import type { RawWs } from '../rawws.js';

export interface Conn {
  readonly index: number;
  readonly protocol: Protocol;
  readonly channels: string[];
  readonly sampled: boolean;
  readonly stall: boolean;
  subscribed: number;
  ready: boolean;
  rttSent: Map<number, number>;
  /** Set for resilient connections (failover mode). */
  fo?: ResilientConn;
}

export interface ChannelTrack {
  readonly channel: string;
  /** idle: not subscribed (a resubscribe may be scheduled); ended: unsubscribed for good (code < 2500). */
  state: 'idle' | 'subscribing' | 'active' | 'ended';
  subscribedOnce: boolean;
  /** Sequence numbers seen (the publisher starts at 1 after every client subscribed), gaps signalled or silent. */
  readonly seq: SeqTracker;
  /** Stream position for recovery (recoverable connections). */
  offset: number;
  epoch: string;
  retry: NodeJS.Timeout | undefined;
  /** The last few non-publication events, to explain a silent gap. */
  events: string[];
}

export interface ResilientConn {
  readonly host: string;
  readonly path: string;
  readonly local: string | undefined;
  readonly ports: readonly number[];
  portIdx: number;
  readonly recoverable: boolean;
  readonly tracks: ChannelTrack[];
  readonly byChannel: Map<string, ChannelTrack>;
  readonly pendingSubs: Map<number, ChannelTrack>;
  nextId: number;
  connected: boolean;
  /** Consecutive failed (re)connects, for the back-off. */
  attempts: number;
  ws: RawWs | undefined;
}
