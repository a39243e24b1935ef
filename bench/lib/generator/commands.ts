// The load generator's IPC protocol (bench/lib/loadgen.ts forks a child per ~10,000 sockets): the
// commands a child takes over `{id, command}` messages and what it answers. A child plays three
// roles, one file each: subscriber connections (subscribers.ts), the fan-out publisher
// (publisher.ts), and for the failover scenario resilient subscribers (resilient.ts) with a numbered
// publisher (seq-publisher.ts). child.ts routes the commands.

import type { Protocol } from '../protocol.js';

export interface OpenCommand {
  readonly cmd: 'open';
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  /** Connections in this process; their global indexes start at firstIndex. */
  readonly count: number;
  readonly firstIndex: number;
  /** Channels every connection subscribes to. */
  readonly channels: readonly string[];
  /** Plus one channel `prefix + (index % n)` per connection. */
  readonly groups?: { readonly prefix: string; readonly n: number };
  readonly rampPerSec: number;
  readonly localAddresses: readonly string[];
  /** Every n-th connection records latencies (0 = none). */
  readonly sampleEvery: number;
  /** Every n-th connection stops reading once subscribed (0 = none): a slow consumer. */
  readonly stallEvery: number;
  /** Give up waiting for handshakes after this long. */
  readonly timeoutMs: number;
  /** Plus `perConn` channels `prefix + ((index * perConn + k) % n)` per connection (k < perConn). */
  readonly spread?: { readonly prefix: string; readonly n: number; readonly perConn: number };
  /** livehub only: resilient, sequence-tracking connections (the failover scenario). */
  readonly failover?: FailoverOpen;
}

export interface FailoverOpen {
  /** Reconnect targets: a closed connection moves on to the next port of this list (cyclically). */
  readonly ports: readonly number[];
  /** Every n-th connection (index % n === 0) subscribes recoverable (positioned, recovers on resubscribe); 0 = none. */
  readonly recoverEvery: number;
}

/** Starts the sequence publisher: `{"s":N}` per channel, N + 1 only once N was acknowledged. */
export interface SeqPublishStartCommand {
  readonly cmd: 'seqPublishStart';
  readonly host: string;
  /** Publishes over one livehub connection; on close it moves on to the next port. */
  readonly ports: readonly number[];
  readonly channels: readonly string[];
  readonly ratePerChannel: number;
}

export interface SeqPublishResult {
  /** Highest acknowledged sequence number per channel (every number up to it was acknowledged). */
  readonly finals: Record<string, number>;
  readonly acked: number;
  readonly errors: number;
  /** Error replies by code, `timeout` for replies that never came, `closed` for in-flight at a close. */
  readonly errorCodes: Record<string, number>;
  readonly reconnects: number;
  /** Periods during which publishes failed (first failure → next success), in ms. */
  readonly outagesMs: number[];
  readonly durationMs: number;
}

/** What the resilient connections of one process saw (summed over processes by loadgen.ts). */
export interface FailoverReport {
  clients: number;
  /** Connected with every channel subscribed right now. */
  ready: number;
  /** Got every message on every channel, no gap at all. */
  complete: number;
  /** Had gaps, every one of them covered by an explicit signal. */
  signalled: number;
  /** At least one gap without any signal: a silent loss. */
  silent: number;
  /** Last seen number ≥ the publisher's final on every channel. */
  caughtUp: number;
  byKind: Record<'recoverable' | 'plain', { clients: number; complete: number; signalled: number; silent: number }>;
  deliveries: number;
  duplicates: number;
  gapsSignalled: number;
  gapsSilent: number;
  missedSignalled: number;
  missedSilent: number;
  /** Channels whose end was missed (last < final) with / without a signal since the last message. */
  tailsSignalled: number;
  tailsSilent: number;
  signals: {
    closes: Record<string, number>;
    unsubscribes: Record<string, number>;
    subscribeErrors: Record<string, number>;
    disconnectPushes: number;
    recoveredTrue: number;
    recoveredFalse: number;
    resubscribes: number;
    reconnects: number;
    connectFailures: number;
  };
  /** The first few subscribe error replies as received (code and message). */
  subscribeErrorExamples: string[];
  silentExamples: string[];
}

export interface PublishCommand {
  readonly cmd: 'publish';
  readonly protocol: Protocol;
  readonly host: string;
  readonly port: number;
  /** livehub: stream id of the HTTP push; bare/socketio: the channel/room. */
  readonly channel: string;
  /** livehub: bearer token for the push endpoint. */
  readonly token?: string;
  /** 'rate': `rate` messages/s (at most `window` outstanding); 'window': `window` in flight, as fast as acks come. */
  readonly mode: 'rate' | 'window';
  readonly rate: number;
  readonly window: number;
  readonly durationMs: number;
  /** Approximate delivered bytes per message. */
  readonly size: number;
  /** livehub only: lines per push (Telegraf batches); the marker is in the first line. */
  readonly lines?: number;
}

export interface ChildStats {
  opened: number;
  ready: number;
  failed: number;
  stalled: number;
  closes: Record<string, number>;
  deliveries: number;
  bytes: number;
  latencies: number[];
  rtts: number[];
  rttErrors: number;
  failures: string[];
}

export type Command =
  | OpenCommand
  | PublishCommand
  | { readonly cmd: 'stats'; readonly drain?: boolean }
  | { readonly cmd: 'rtt'; readonly count: number }
  | { readonly cmd: 'closeAll' }
  | { readonly cmd: 'exit' }
  | SeqPublishStartCommand
  | { readonly cmd: 'seqPublishStop' }
  | { readonly cmd: 'failoverReport'; readonly finals: Record<string, number> };

/** What the publisher sent and got acknowledged. */
export interface PublishResult {
  sent: number;
  acked: number;
  errors: number;
  firstError?: string;
  durationMs: number;
}
