// The PUB/SUB side of one shard: which channels this node wants, SUBSCRIBE/UNSUBSCRIBE in batches
// of at most 512, resubscribing everything after the connection comes back (then telling the node),
// and a liveness probe that restarts a connection which stays silent although Redis is reachable.
// Between a reconnect and the node telling its subscribers (2500), messages of the resubscribed
// channels are held back: delivering them first would hide the gap behind them.

import type { Connection } from './connections.js';
import { errorMessage, unavailable } from './errors.js';

/** Largest SUBSCRIBE/UNSUBSCRIBE (centrifuge-protocol.md §12.7). */
export const SUBSCRIBE_BATCH = 512;

export type SubscriberState = 'down' | 'resubscribing' | 'live';

export interface SubscriberEvents {
  /** A message on a wanted data channel or a service channel (the Redis channel name as is). */
  message(redisChannel: string, payload: string): void;
  /**
   * The connection came back and every wanted channel is subscribed again. Their messages stay held
   * back until `gapSignalled` says the subscribers were told.
   */
  resubscribed(redisChannels: readonly string[]): void;
  /** State changes, for health and logs. */
  stateChanged(state: SubscriberState): void;
  /** Publishes the liveness probe through the shard's command connection. */
  publishProbe(probeChannel: string): Promise<void>;
  log(level: 'warn' | 'error' | 'info', msg: string, fields: Record<string, unknown>): void;
}

export function batches<T>(items: readonly T[], size = SUBSCRIBE_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class ShardSubscriber {
  /** Redis data channels this node asked for (kept across reconnects). */
  private readonly wanted = new Set<string>();
  /**
   * Channels whose local subscribers have not yet been told about the last reconnect gap. A message
   * on one of them is dropped: it would reach a subscriber before the signal, and the hole before it
   * would look like no hole at all. The signal makes the subscriber resubscribe (recovering from
   * history or taking fresh initial data), which covers the dropped message too.
   */
  private readonly unsignalled = new Set<string>();
  /** Messages dropped for that reason since the last signal (logged with it). */
  private heldBack = 0;
  private state: SubscriberState = 'down';
  /** Bumped on every (re)connect so a stale resubscribe run stops early. */
  private generation = 0;
  private wasLive = false;
  private lastReceived = Date.now();
  private probeSentAt: number | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly index: number,
    private readonly connection: Connection,
    /** Subscribed first on every connect: the probe channel, plus control channels on shard 0. */
    private readonly serviceChannels: readonly string[],
    private readonly probeChannel: string,
    private readonly probeIntervalMs: number,
    private readonly events: SubscriberEvents,
  ) {
    const client = connection.client;
    client.on('message', (channel: string, payload: string) => this.onMessage(channel, payload));
    client.on('ready', () => {
      void this.onReady();
    });
    client.on('close', () => this.setState('down'));
  }

  get currentState(): SubscriberState {
    return this.state;
  }

  get live(): boolean {
    return this.state === 'live';
  }

  /** Number of data channels wanted (for tests and metrics). */
  get size(): number {
    return this.wanted.size;
  }

  start(): void {
    this.connection.connect();
    this.probeTimer = setInterval(() => this.checkLiveness(), this.probeIntervalMs);
    this.probeTimer.unref();
  }

  stop(): void {
    this.closed = true;
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
  }

  /** Subscribes data channels; rejects with EngineUnavailableError while the connection is down. */
  async subscribe(redisChannels: readonly string[]): Promise<void> {
    if (!this.connection.ready || this.state === 'down') throw unavailable(new Error(`pub/sub connection of shard ${this.index} is ${this.connection.status}`));
    const added = redisChannels.filter((c) => !this.wanted.has(c));
    for (const c of added) {
      this.wanted.add(c);
      this.unsignalled.delete(c); // a fresh subscription has no gap to tell about
    }
    if (added.length === 0) return;
    try {
      await Promise.all(batches(added).map((batch) => this.connection.client.subscribe(...batch)));
    } catch (err) {
      // Roll back: the caller treats the whole call as failed and will not unsubscribe.
      for (const c of added) this.wanted.delete(c);
      if (this.connection.ready) void this.sendUnsubscribe(added);
      throw unavailable(err);
    }
  }

  /** Unsubscribes data channels; never fails (a lost connection has no subscriptions left). */
  async unsubscribe(redisChannels: readonly string[]): Promise<void> {
    const removed = redisChannels.filter((c) => this.wanted.delete(c));
    for (const c of removed) this.unsignalled.delete(c);
    if (removed.length === 0 || !this.connection.ready) return;
    await this.sendUnsubscribe(removed);
  }

  private async sendUnsubscribe(redisChannels: readonly string[]): Promise<void> {
    await Promise.all(
      batches(redisChannels).map((batch) =>
        this.connection.client.unsubscribe(...batch).catch((err: unknown) => {
          this.events.log('warn', 'redis unsubscribe failed', { shard: this.index, channels: batch.length, error: errorMessage(err) });
        }),
      ),
    );
  }

  private onMessage(channel: string, payload: string): void {
    this.lastReceived = Date.now();
    this.probeSentAt = undefined;
    if (channel === this.probeChannel) return;
    // A late message of a channel unsubscribed a moment ago is not the node's business any more.
    if (!this.wanted.has(channel) && !this.serviceChannels.includes(channel)) return;
    if (this.unsignalled.has(channel)) {
      this.heldBack++;
      return;
    }
    this.events.message(channel, payload);
  }

  /** The node told the subscribers of these channels about the gap: deliver their messages again.
   * Returns how many messages were held back meanwhile. */
  gapSignalled(redisChannels: readonly string[]): number {
    for (const c of redisChannels) this.unsignalled.delete(c);
    const dropped = this.heldBack;
    this.heldBack = 0;
    return dropped;
  }

  /** Channels still waiting for the gap signal (for tests). */
  get awaitingSignal(): number {
    return this.unsignalled.size;
  }

  private async onReady(): Promise<void> {
    const generation = ++this.generation;
    this.setState('resubscribing');
    const snapshot = [...this.wanted];
    // The first connect has no gap; every later one does, from the moment the old connection broke.
    if (this.wasLive) for (const c of snapshot) this.unsignalled.add(c);
    try {
      await this.connection.client.subscribe(...this.serviceChannels);
      // Channels unsubscribed meanwhile are skipped; ones subscribed meanwhile went out on their own.
      const pending = batches(snapshot).map((batch) => {
        const still = batch.filter((c) => this.wanted.has(c));
        return still.length === 0 ? Promise.resolve() : this.connection.client.subscribe(...still);
      });
      await Promise.all(pending);
    } catch (err) {
      if (generation !== this.generation || this.closed) return;
      this.events.log('error', 'redis resubscribe failed, reconnecting', { shard: this.index, error: errorMessage(err) });
      this.connection.restart();
      return;
    }
    if (generation !== this.generation || !this.connection.ready || this.closed) return;
    this.lastReceived = Date.now();
    this.probeSentAt = undefined;
    this.setState('live');
    if (this.wasLive) {
      const restored = snapshot.filter((c) => this.wanted.has(c));
      this.events.log('info', 'redis pub/sub connection restored', { shard: this.index, channels: restored.length, batches: batches(restored).length });
      this.events.resubscribed(restored);
    }
    this.wasLive = true;
  }

  private setState(state: SubscriberState): void {
    if (state === 'down') this.generation++;
    if (this.state === state) return;
    this.state = state;
    this.events.stateChanged(state);
  }

  /**
   * Nothing received for an interval: publish a probe to our own service channel. Still nothing one
   * interval later: the connection is alive on TCP but deaf (e.g. attached to a node that no longer
   * gets the traffic after a failover) — restart it.
   */
  private checkLiveness(): void {
    if (this.closed || this.state !== 'live') return;
    const now = Date.now();
    if (now - this.lastReceived < this.probeIntervalMs) return;
    if (this.probeSentAt !== undefined) {
      this.events.log('warn', 'redis pub/sub liveness probe not received, restarting the connection', {
        shard: this.index,
        silentForMs: now - this.lastReceived,
      });
      this.probeSentAt = undefined;
      this.connection.restart();
      return;
    }
    this.probeSentAt = now;
    this.events.publishProbe(this.probeChannel).catch(() => {
      // The command side is down too; its own reconnect handles that. Do not blame this connection.
      this.probeSentAt = undefined;
    });
  }
}
