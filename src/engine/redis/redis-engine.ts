// The Redis (HA) engine: wires shards, broker, history, presence, frame cache, store and cluster
// together, routes PUB/SUB messages, and owns health and failure reporting. Redis being down never
// stops start-up (unless required) or crashes the process; calls fail fast with EngineUnavailableError.

import type { Engine, EngineEventHandler, EngineHealth, LocalNodeIdentity, NodeStats } from '../engine.js';
import type { Logger } from '../../log/logger.js';
import { RateLimitedLog } from '../../log/logger.js';
import type { ShardAddress } from './address.js';
import { RedisBroker } from './broker.js';
import { RedisCluster } from './cluster.js';
import { Connection, ioredisOptions } from './connections.js';
import { errorMessage } from './errors.js';
import { FRAME_TTL_SECONDS, RedisFrameCache } from './frame-cache.js';
import { RedisHistory } from './history.js';
import { RedisKeys } from './keys.js';
import { RedisPresence } from './presence.js';
import { ShardSubscriber, type SubscriberEvents } from './pubsub.js';
import { SentinelWatch } from './sentinel-watch.js';
import { ShardSet, type Shard } from './shard.js';
import { RedisStore } from './store.js';

export interface RedisEngineTimings {
  /** Bound of every Redis command (≤ 4 s keeps requests from hanging during an outage). */
  readonly commandTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** Ceiling of the reconnect back-off. */
  readonly maxReconnectDelayMs: number;
  readonly heartbeatIntervalMs: number;
  readonly nodeExpiryMs: number;
  readonly nodeCleanupMs: number;
  readonly presenceTtlSeconds: number;
  readonly presenceRefreshMs: number;
  /** Silence on a PUB/SUB connection after which a probe is sent (and, one more interval on, a restart). */
  readonly probeIntervalMs: number;
  /** Sentinel topology re-check. */
  readonly topologyCheckMs: number;
  /** How long start() waits for Redis before resolving (or failing when required). */
  readonly startWaitMs: number;
  /** Interval of the "still down" error log. */
  readonly downLogIntervalMs: number;
  readonly historyMetaTtlSeconds: number;
  readonly frameTtlSeconds: number;
}

/** Longest a resubscribe signal waits for the command connection (tellResubscribed). */
const RESUBSCRIBE_SIGNAL_WAIT_MS = 5000;

export const DEFAULT_REDIS_TIMINGS: RedisEngineTimings = {
  commandTimeoutMs: 4000,
  connectTimeoutMs: 1000,
  maxReconnectDelayMs: 5000,
  heartbeatIntervalMs: 3000,
  nodeExpiryMs: 7000,
  nodeCleanupMs: 9000,
  presenceTtlSeconds: 60,
  presenceRefreshMs: 25_000,
  probeIntervalMs: 10_000,
  topologyCheckMs: 5000,
  startWaitMs: 3000,
  downLogIntervalMs: 60_000,
  historyMetaTtlSeconds: 30 * 24 * 3600,
  frameTtlSeconds: FRAME_TTL_SECONDS,
};

export interface RedisEngineOptions {
  /** One entry per shard (address.ts parses `ha_engine_address`). */
  readonly shards: readonly ShardAddress[];
  /** Full name prefix: `gf_live` or `<ha_prefix>.gf_live` (keys.ts `redisPrefix`). */
  readonly prefix: string;
  readonly self: LocalNodeIdentity;
  readonly log: Logger;
  /** `ha_engine_required`: start() rejects when Redis is not reachable within startWaitMs. */
  readonly required?: boolean;
  readonly timings?: Partial<RedisEngineTimings>;
}

export interface RedisEngineCounters {
  /** PUB/SUB data messages and history entries that were not livehub envelopes (dropped). */
  undecodable: number;
  /** Undecodable messages on the control channels (dropped). */
  undecodableControl: number;
  /** Times a shard's PUB/SUB connection came back and its channels were resubscribed. */
  resubscribes: number;
  /** Messages of resubscribed channels dropped because their subscribers were not yet told (2500). */
  heldBeforeResubscribeSignal: number;
}

export class RedisEngine implements Engine {
  readonly kind = 'redis' as const;
  readonly broker: RedisBroker;
  readonly presence: RedisPresence;
  readonly store: RedisStore;
  readonly frames: RedisFrameCache;
  readonly cluster: RedisCluster;
  readonly keys: RedisKeys;
  readonly timings: RedisEngineTimings;
  readonly counters: RedisEngineCounters = { undecodable: 0, undecodableControl: 0, resubscribes: 0, heldBeforeResubscribeSignal: 0 };
  private readonly shards: ShardSet;
  private readonly watches: SentinelWatch[] = [];
  private readonly log: Logger;
  private readonly rateLimited = new RateLimitedLog(60_000);
  private handler: EngineEventHandler | undefined;
  private started = false;
  private closed = false;
  /** Per shard: resubscribe signals waiting for the command connection (tellResubscribed). */
  private readonly heldResubscribes = new Map<number, { channels: Set<string>; timer: NodeJS.Timeout }>();
  private everHealthy = false;
  private healthyNow = false;
  private downSince: number | undefined;
  private downTimer: NodeJS.Timeout | undefined;
  private readonly healthWaiters = new Set<() => void>();

  constructor(private readonly options: RedisEngineOptions) {
    this.timings = { ...DEFAULT_REDIS_TIMINGS, ...options.timings };
    this.log = options.log;
    this.keys = new RedisKeys(options.prefix);
    const t = this.timings;
    const id = options.self.id;
    const clusterLog = {
      undecodableControl: (channel: string) => this.undecodableControl(channel),
      debug: (msg: string, fields: Record<string, unknown>) => this.log.debug(msg, fields),
    };
    const connections = options.shards.map((address, index) => ({
      address,
      index,
      cmd: new Connection('cmd', ioredisOptions(address, 'cmd', t, `livehub:${id}:cmd:${index}`), t.maxReconnectDelayMs),
      sub: new Connection('sub', ioredisOptions(address, 'sub', t, `livehub:${id}:sub:${index}`), t.maxReconnectDelayMs),
    }));
    if (connections.length === 0) throw new Error('RedisEngine needs at least one Redis address');
    // Shard 0 also carries the cluster's channels (heartbeats, surveys, replies to this node).
    const controlChannels = [this.keys.control, this.keys.node(id)];
    const shards: Shard[] = connections.map((c) => {
      const probe = this.keys.shard(c.index);
      const service = c.index === 0 ? [probe, ...controlChannels] : [probe];
      return { ...c, subscriber: new ShardSubscriber(c.index, c.sub, service, probe, t.probeIntervalMs, this.subscriberEvents(c)) };
    });
    this.shards = new ShardSet(shards);
    this.cluster = new RedisCluster(options.self, this.shards.control, this.keys, t, clusterLog);
    const history = new RedisHistory(this.keys, t.historyMetaTtlSeconds, () => this.counters.undecodable++);
    this.broker = new RedisBroker(this.shards, this.keys, history, this.counters);
    this.presence = new RedisPresence(this.shards, this.keys, t.presenceTtlSeconds, t.presenceRefreshMs, (err) => {
      if (this.rateLimited.shouldLog('presence-refresh')) this.log.warn('presence refresh failed', { error: errorMessage(err) });
    });
    this.frames = new RedisFrameCache(this.shards, this.keys, t.frameTtlSeconds);
    this.store = new RedisStore(this.shards, this.keys);

    for (const shard of shards) {
      // Usable = connected to a master (a replica would swallow publications): see Connection.
      shard.cmd.onUsable(() => {
        history.ensureSeed(shard.cmd.client).catch((err: unknown) => {
          if (this.rateLimited.shouldLog('epoch-seed')) this.log.warn('history epoch seed not written', { error: errorMessage(err) });
        });
        this.releaseResubscribes(shard.index);
        this.frames.invalidate(shard.index);
        void this.presence.refresh(shard);
        if (shard.index === 0) this.cluster.heartbeat();
        this.evaluateHealth();
      });
      shard.cmd.client.on('close', () => this.evaluateHealth());
      if (shard.address.target.kind === 'sentinel') {
        this.watches.push(new SentinelWatch({
          target: shard.address.target,
          connections: [shard.cmd, shard.sub],
          intervalMs: t.topologyCheckMs,
          commandTimeoutMs: t.connectTimeoutMs,
          log: (level, msg, fields) => this.log[level](msg, { shard: shard.index, ...fields }),
        }));
      }
    }
  }

  private subscriberEvents(shard: Pick<Shard, 'index' | 'cmd'>): SubscriberEvents {
    return {
      message: (channel, payload) => this.route(channel, payload),
      resubscribed: (redisChannels) => {
        this.counters.resubscribes++;
        if (redisChannels.length === 0) return;
        this.tellResubscribed(shard, redisChannels);
      },
      stateChanged: (state) => {
        this.frames.invalidate(shard.index);
        if (state === 'live' && shard.index === 0) this.cluster.heartbeat();
        this.evaluateHealth();
      },
      publishProbe: async (probeChannel) => {
        if (!shard.cmd.ready) throw new Error('command connection down');
        await shard.cmd.client.publish(probeChannel, this.options.self.id);
      },
      log: (level, msg, fields) => this.log[level](msg, fields),
    };
  }

  /**
   * Subscribers told to resubscribe come straight back with subscribe, history and store commands,
   * which need the shard's command connection. It reconnects on its own back-off (plus the ROLE
   * check), often after the PUB/SUB connection: hold the signal until it is usable (at most
   * RESUBSCRIBE_SIGNAL_WAIT_MS), or every client's first retry fails with a temporary error.
   * Signals that pile up meanwhile are merged, so a subscription is told once. Until the signal
   * goes out the shard subscriber holds the channels' messages back (see ShardSubscriber).
   */
  private tellResubscribed(shard: Pick<Shard, 'index' | 'cmd'>, redisChannels: readonly string[]): void {
    const waiting = this.heldResubscribes.get(shard.index);
    if (waiting !== undefined) {
      for (const c of redisChannels) waiting.channels.add(c);
      return;
    }
    if (shard.cmd.ready || this.closed) {
      this.deliverResubscribed(shard.index, redisChannels);
      return;
    }
    const held = { channels: new Set(redisChannels), timer: setTimeout(() => this.releaseResubscribes(shard.index), RESUBSCRIBE_SIGNAL_WAIT_MS) };
    held.timer.unref();
    this.heldResubscribes.set(shard.index, held);
  }

  private deliverResubscribed(shardIndex: number, redisChannels: readonly string[]): void {
    try {
      this.handler?.onResubscribed?.(this.broker.channelsOf(redisChannels));
    } catch (err) {
      this.log.error('live engine: onResubscribed failed', { error: errorMessage(err) });
    }
    // Told (or failed to tell, which is logged): their messages flow again either way.
    const heldBack = this.shards.all[shardIndex]!.subscriber.gapSignalled(redisChannels);
    this.counters.heldBeforeResubscribeSignal += heldBack;
    if (heldBack > 0) this.log.info('messages of resubscribed channels held back until their subscribers were told', { shard: shardIndex, messages: heldBack });
  }

  private releaseResubscribes(shardIndex: number): void {
    const held = this.heldResubscribes.get(shardIndex);
    if (held === undefined) return;
    this.heldResubscribes.delete(shardIndex);
    clearTimeout(held.timer);
    this.deliverResubscribed(shardIndex, [...held.channels]);
  }

  /** Every PUB/SUB message of every shard passes here, synchronously (the handler is in-process). */
  private route(channel: string, payload: string): void {
    // A throwing handler must not unwind into the Redis reader (it would break the connection).
    try {
      if (channel.startsWith(this.keys.clientPrefix)) this.broker.deliver(channel, payload);
      else if (channel === this.keys.control) this.cluster.handleControl(payload);
      else if (channel === this.keys.node(this.options.self.id)) this.cluster.handleDirect(payload);
    } catch (err) {
      if (this.rateLimited.shouldLog('route')) this.log.error('live engine: delivering a Redis message failed', { channel, error: errorMessage(err) });
    }
  }

  async start(handler: EngineEventHandler, stats: () => NodeStats): Promise<void> {
    if (this.started) throw new Error('RedisEngine already started');
    this.started = true;
    this.handler = handler;
    this.broker.handler = handler;
    this.cluster.start(stats);
    for (const shard of this.shards.all) {
      shard.cmd.connect();
      shard.cmd.startWatchdog(this.timings.probeIntervalMs);
      shard.subscriber.start();
    }
    for (const watch of this.watches) watch.start();
    this.presence.start();
    this.downSince = Date.now();
    this.downTimer = setInterval(() => this.logStillDown(), this.timings.downLogIntervalMs);
    this.downTimer.unref();

    await this.waitHealthy(this.timings.startWaitMs);
    if (this.healthyNow) return;
    const detail = this.health().detail ?? 'unreachable';
    if (this.options.required === true) {
      this.log.error('failed to setup redis live engine', { error: detail });
      await this.close();
      throw new Error(`failed to setup redis live engine: ${detail} ([live] ha_engine_required = true)`);
    }
    this.log.error('live engine cannot reach redis: node not ready, retrying in the background', { error: detail });
  }

  health(): EngineHealth {
    if (this.closed) return { healthy: false, state: 'closed' };
    const bad = this.shards.all.filter((s) => !(s.cmd.ready && s.subscriber.live));
    if (bad.length === 0) return { healthy: true, state: 'ok' };
    const detail = bad
      .map((s) => `shard ${s.index} ${s.address.label}: commands ${s.cmd.describe()}, pub/sub ${s.subscriber.currentState}${s.sub.lastError === undefined ? '' : ` (${s.sub.lastError})`}`)
      .join('; ');
    return { healthy: false, state: this.everHealthy ? 'disconnected' : 'connecting', detail };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.downTimer !== undefined) clearInterval(this.downTimer);
    this.cluster.stop();
    this.presence.stop();
    for (const watch of this.watches) watch.stop();
    for (const shard of this.shards.all) shard.subscriber.stop();
    for (const held of this.heldResubscribes.values()) clearTimeout(held.timer);
    this.heldResubscribes.clear();
    this.broker.handler = undefined;
    this.handler = undefined;
    for (const wake of this.healthWaiters) wake();
    await Promise.all(this.shards.all.flatMap((s) => [s.cmd.close(1000), s.sub.close(1000)]));
  }

  /** The shards (tests and diagnostics). */
  get shardList(): readonly Shard[] {
    return this.shards.all;
  }

  private waitHealthy(timeoutMs: number): Promise<void> {
    if (this.healthyNow) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.healthWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.healthWaiters.add(done);
    });
  }

  private evaluateHealth(): void {
    if (this.closed || !this.started) return;
    const healthy = this.health().healthy;
    if (healthy === this.healthyNow) return;
    this.healthyNow = healthy;
    if (healthy) {
      const downFor = this.downSince === undefined ? 0 : Date.now() - this.downSince;
      this.downSince = undefined;
      this.log.info(this.everHealthy ? 'live engine reconnected to redis' : 'live engine connected to redis', { downForMs: downFor });
      this.everHealthy = true;
      for (const wake of [...this.healthWaiters]) wake();
    } else {
      this.downSince = Date.now();
      if (this.everHealthy) this.log.error('live engine lost redis: publishes and subscribes fail until it is back', { error: this.health().detail });
    }
  }

  private logStillDown(): void {
    if (this.closed || this.healthyNow) return;
    const since = this.downSince ?? Date.now();
    this.log.error('live engine redis unavailable, still retrying', { downForSeconds: Math.round((Date.now() - since) / 1000), error: this.health().detail });
  }

  private undecodableControl(channel: string): void {
    this.counters.undecodableControl++;
    if (this.rateLimited.shouldLog(`control:${channel}`)) {
      this.log.error('undecodable message on the Redis control channel dropped: another installation (e.g. Grafana or another livehub cluster) probably shares this Redis and prefix; give each installation its own [live] ha_prefix', {
        channel,
        count: this.counters.undecodableControl,
      });
    }
  }
}
