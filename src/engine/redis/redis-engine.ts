// The Redis (HA) engine: wires the Redis topology — application shards (each standalone or behind
// Sentinel) or one Redis Cluster — to broker, history, presence, frame cache, store and cluster
// membership, routes PUB/SUB messages, and owns health and failure reporting. Redis being down never
// stops start-up (unless required) or crashes the process; calls fail fast with EngineUnavailableError.

import type { Engine, EngineEventHandler, EngineHealth, LocalNodeIdentity, NodeStats } from '../engine.js';
import type { Logger } from '../../log/logger.js';
import { RateLimitedLog } from '../../log/logger.js';
import type { ShardAddress } from './address.js';
import { RedisBroker } from './broker.js';
import { RedisCluster, type ControlLink } from './cluster.js';
import { ClusterPubSub } from './cluster-pubsub.js';
import { ClusterRouter } from './cluster-router.js';
import { Connection, ioredisOptions } from './connections.js';
import { errorMessage } from './errors.js';
import { FRAME_TTL_SECONDS, RedisFrameCache } from './frame-cache.js';
import { RedisHistory } from './history.js';
import { RedisKeys } from './keys.js';
import { PartitionTable } from './partitions.js';
import { RedisPresence } from './presence.js';
import { ShardSubscriber, type SubscriberEvents } from './pubsub.js';
import { ReplicaAck, type AckRouter, type AckTarget, type ReplicaAckSettings } from './replica-ack.js';
import type { Lane, Router } from './routing.js';
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
  /** Sentinel topology re-check; Redis Cluster slot-map refresh. */
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
  /** One entry per shard, or the one Redis Cluster (address.ts parses `ha_engine_address`). */
  readonly shards: readonly ShardAddress[];
  /** Full name prefix: `gf_live` or `<ha_prefix>.gf_live` (keys.ts `redisPrefix`). */
  readonly prefix: string;
  readonly self: LocalNodeIdentity;
  readonly log: Logger;
  /** `ha_engine_required`: start() rejects when Redis is not reachable within startWaitMs. */
  readonly required?: boolean;
  readonly timings?: Partial<RedisEngineTimings>;
  /** `ha_engine_wait_replicas` (> 0) and `ha_engine_wait_timeout`: acknowledged means replicated. */
  readonly waitReplicas?: ReplicaAckSettings;
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
  /** ha_engine_wait_replicas: history publishes answered with a temporary error (WAIT confirmed too few replicas). */
  notReplicated: number;
}

/**
 * One PUB/SUB side whose gaps are signalled together: an application shard's subscriber, or the
 * cluster's. Its resubscribe signal waits until its command side works (`commandsReady`).
 */
interface PubSubSide {
  readonly index: number;
  commandsReady(): boolean;
  gapSignalled(redisChannels: readonly string[]): number;
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
  readonly counters: RedisEngineCounters = { undecodable: 0, undecodableControl: 0, resubscribes: 0, heldBeforeResubscribeSignal: 0, notReplicated: 0 };
  /** Application shards; empty on a Redis Cluster. */
  private readonly shards: readonly Shard[];
  /** The Redis Cluster parts; undefined with application shards. */
  private readonly clusterParts: { readonly router: ClusterRouter; readonly pubsub: ClusterPubSub; readonly partitions: PartitionTable } | undefined;
  private readonly sides: PubSubSide[] = [];
  private readonly ackConnections: Connection[] = [];
  private readonly replicaAck: ReplicaAck | undefined;
  private readonly history: RedisHistory;
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
    if (options.shards.length === 0) throw new Error('RedisEngine needs at least one Redis address');
    const clusterTarget = options.shards[0]!.target.kind === 'cluster' ? options.shards[0]! : undefined;
    const partitions = clusterTarget?.target.kind === 'cluster' ? new PartitionTable(clusterTarget.target.partitions) : undefined;
    this.keys = new RedisKeys(options.prefix, partitions);
    const t = this.timings;
    const clusterLog = {
      undecodableControl: (channel: string) => this.undecodableControl(channel),
      debug: (msg: string, fields: Record<string, unknown>) => this.log.debug(msg, fields),
    };
    let router: Router;
    let control: ControlLink;
    let ackRouter: AckRouter | undefined;
    if (clusterTarget !== undefined && partitions !== undefined) {
      if (options.shards.length > 1) throw new Error('a Redis Cluster cannot be combined with other Redis addresses');
      const parts = this.wireCluster(clusterTarget, partitions);
      this.clusterParts = parts;
      this.shards = [];
      router = parts.router;
      control = parts.router;
      ackRouter = parts.router;
    } else {
      this.clusterParts = undefined;
      this.shards = this.wireShards();
      const set = new ShardSet(this.shards);
      router = set;
      const controlShard = set.control;
      control = {
        get ready() {
          return controlShard.cmd.ready;
        },
        describe: () => controlShard.cmd.describe(),
        publish: (channel, message) => controlShard.cmd.client.publish(channel, message),
      };
      if (options.waitReplicas !== undefined) ackRouter = this.shardAckRouter();
    }
    this.replicaAck = options.waitReplicas === undefined || ackRouter === undefined ? undefined : new ReplicaAck(ackRouter, options.waitReplicas, () => this.counters.notReplicated++);
    this.cluster = new RedisCluster(options.self, control, this.keys, t, clusterLog);
    this.history = new RedisHistory(this.keys, t.historyMetaTtlSeconds, () => this.counters.undecodable++, this.replicaAck !== undefined);
    this.broker = new RedisBroker(router, this.keys, this.history, this.counters, this.replicaAck);
    this.presence = new RedisPresence(router, this.keys, t.presenceTtlSeconds, t.presenceRefreshMs, (err) => {
      if (this.rateLimited.shouldLog('presence-refresh')) this.log.warn('presence refresh failed', { error: errorMessage(err) });
    });
    this.frames = new RedisFrameCache(router, this.keys, t.frameTtlSeconds);
    this.store = new RedisStore(router, this.keys);
    if (this.clusterParts === undefined) this.watchShards();
    else this.watchCluster(this.clusterParts);
  }

  /** Command + PUB/SUB connection per application shard (each a Redis, or a Sentinel group). */
  private wireShards(): Shard[] {
    const t = this.timings;
    const id = this.options.self.id;
    // Shard 0 also carries the cluster's channels (heartbeats, surveys, replies to this node).
    const controlChannels = [this.keys.control, this.keys.node(id)];
    return this.options.shards.map((address, index) => {
      const cmd = new Connection('cmd', ioredisOptions(address, 'cmd', t, `livehub:${id}:cmd:${index}`), t.maxReconnectDelayMs);
      const sub = new Connection('sub', ioredisOptions(address, 'sub', t, `livehub:${id}:sub:${index}`), t.maxReconnectDelayMs);
      const probe = this.keys.shard(index);
      const service = index === 0 ? [probe, ...controlChannels] : [probe];
      const side: PubSubSide = { index, commandsReady: () => cmd.ready, gapSignalled: (channels) => subscriber.gapSignalled(channels) };
      const subscriber: ShardSubscriber = new ShardSubscriber(index, sub, service, probe, t.probeIntervalMs, this.subscriberEvents(side, index, cmd));
      this.sides.push(side);
      return { address, index, cmd, sub, subscriber };
    });
  }

  /** ha_engine_wait_replicas on shards: a connection of its own per shard for the writes and their WAIT. */
  private shardAckRouter(): AckRouter {
    const t = this.timings;
    const id = this.options.self.id;
    const targets: AckTarget[] = this.shards.map((shard) => {
      const connection = new Connection('ack', ioredisOptions(shard.address, 'ack', t, `livehub:${id}:ack:${shard.index}`), t.maxReconnectDelayMs);
      this.ackConnections.push(connection);
      return { name: `shard ${shard.index} (${shard.address.label})`, client: connection.client };
    });
    return {
      targetFor: (lane: Lane) => {
        const connection = this.ackConnections[lane.group]!;
        if (!connection.ready) throw new Error(`${targets[lane.group]!.name}: acknowledged-write connection is ${connection.describe()}`);
        return targets[lane.group]!;
      },
    };
  }

  /** ioredis's cluster client for commands, ClusterPubSub for SSUBSCRIBE and the control channels. */
  private wireCluster(address: ShardAddress, partitions: PartitionTable): { router: ClusterRouter; pubsub: ClusterPubSub; partitions: PartitionTable } {
    const t = this.timings;
    const id = this.options.self.id;
    const router = new ClusterRouter(address, partitions, t, `livehub:${id}:cmd`);
    const side: PubSubSide = { index: 0, commandsReady: () => router.ready, gapSignalled: (channels) => pubsub.gapSignalled(channels) };
    const events = this.subscriberEvents(side, 0, undefined);
    const pubsub: ClusterPubSub = new ClusterPubSub({
      slots: router,
      link: {
        tls: address.target.kind === 'cluster' && address.target.tls,
        ...(address.username === undefined ? {} : { username: address.username }),
        ...(address.password === undefined ? {} : { password: address.password }),
        connectTimeoutMs: t.connectTimeoutMs,
        commandTimeoutMs: t.commandTimeoutMs,
      },
      connectionNameBase: `livehub:${id}`,
      controlChannels: [this.keys.control, this.keys.node(id)],
      probeChannel: `${this.keys.node(id)}.probe`,
      probeIntervalMs: t.probeIntervalMs,
      maxReconnectDelayMs: t.maxReconnectDelayMs,
      events: {
        ...events,
        placementsChanged: (slots) => {
          for (const slot of slots) {
            const partition = partitions.partitionOfSlot(slot);
            if (partition === undefined) continue;
            this.frames.invalidate(partition);
            void this.presence.refresh(partition);
          }
        },
      },
    });
    router.pubsub = pubsub;
    this.sides.push(side);
    return { router, pubsub, partitions };
  }

  /** Per shard: what to redo when its command connection becomes usable again; Sentinel watches. */
  private watchShards(): void {
    const t = this.timings;
    for (const shard of this.shards) {
      // Usable = connected to a master (a replica would swallow publications): see Connection.
      shard.cmd.onUsable(() => {
        this.history.ensureSeeds(shard.cmd.client).catch((err: unknown) => {
          if (this.rateLimited.shouldLog('epoch-seed')) this.log.warn('history epoch seed not written', { error: errorMessage(err) });
        });
        this.releaseResubscribes(shard.index);
        this.frames.invalidate(shard.index);
        void this.presence.refresh(shard.index);
        if (shard.index === 0) this.cluster.heartbeat();
        this.evaluateHealth();
      });
      shard.cmd.client.on('close', () => this.evaluateHealth());
      const ack = this.ackConnections[shard.index];
      if (ack !== undefined) {
        ack.onUsable(() => this.evaluateHealth());
        ack.client.on('close', () => this.evaluateHealth());
      }
      if (shard.address.target.kind === 'sentinel') {
        this.watches.push(new SentinelWatch({
          target: shard.address.target,
          connections: [shard.cmd, shard.sub, ...(this.ackConnections[shard.index] === undefined ? [] : [this.ackConnections[shard.index]!])],
          intervalMs: t.topologyCheckMs,
          commandTimeoutMs: t.connectTimeoutMs,
          log: (level, msg, fields) => this.log[level](msg, { shard: shard.index, ...fields }),
        }));
      }
    }
  }

  /** The cluster client's state changes and slot-map refreshes reach seeds, subscriptions and health. */
  private watchCluster(parts: { router: ClusterRouter; pubsub: ClusterPubSub }): void {
    const { router, pubsub } = parts;
    let masters = '';
    const onTopology = (): void => {
      const now = router.masters().join(',');
      if (now !== masters) {
        masters = now;
        // A master that is new (promoted replica, added node) may have lost the seeds: SET NX again.
        this.history.ensureSeeds(router.client).catch((err: unknown) => {
          if (this.rateLimited.shouldLog('epoch-seed')) this.log.warn('history epoch seeds not written', { error: errorMessage(err) });
        });
        router.dropStaleAckConnections();
      }
      pubsub.topologyChanged();
    };
    router.client.on('ready', () => {
      onTopology();
      this.releaseResubscribes(0);
      this.frames.invalidateAll();
      void this.presence.refresh();
      this.cluster.heartbeat();
      this.evaluateHealth();
    });
    router.client.on('refresh', onTopology);
    router.client.on('+node', () => pubsub.topologyChanged());
    router.client.on('-node', () => pubsub.topologyChanged());
    for (const event of ['close', 'end', 'reconnecting']) router.client.on(event, () => this.evaluateHealth());
  }

  private subscriberEvents(side: PubSubSide, index: number, cmd: Connection | undefined): SubscriberEvents {
    return {
      message: (channel, payload) => this.route(channel, payload),
      resubscribed: (redisChannels) => {
        this.counters.resubscribes++;
        if (redisChannels.length === 0) return;
        this.tellResubscribed(side, redisChannels);
      },
      stateChanged: (state) => {
        this.frames.invalidate(index);
        if (state === 'live' && index === 0) this.cluster.heartbeat();
        this.evaluateHealth();
      },
      publishProbe: async (probeChannel) => {
        if (cmd === undefined || !cmd.ready) throw new Error('command connection down');
        await cmd.client.publish(probeChannel, this.options.self.id);
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
  private tellResubscribed(side: PubSubSide, redisChannels: readonly string[]): void {
    const waiting = this.heldResubscribes.get(side.index);
    if (waiting !== undefined) {
      for (const c of redisChannels) waiting.channels.add(c);
      return;
    }
    if (side.commandsReady() || this.closed) {
      this.deliverResubscribed(side.index, redisChannels);
      return;
    }
    const held = { channels: new Set(redisChannels), timer: setTimeout(() => this.releaseResubscribes(side.index), RESUBSCRIBE_SIGNAL_WAIT_MS) };
    held.timer.unref();
    this.heldResubscribes.set(side.index, held);
  }

  private deliverResubscribed(sideIndex: number, redisChannels: readonly string[]): void {
    try {
      this.handler?.onResubscribed?.(this.broker.channelsOf(redisChannels));
    } catch (err) {
      this.log.error('live engine: onResubscribed failed', { error: errorMessage(err) });
    }
    // Told (or failed to tell, which is logged): their messages flow again either way.
    const heldBack = this.sides[sideIndex]!.gapSignalled(redisChannels);
    this.counters.heldBeforeResubscribeSignal += heldBack;
    if (heldBack > 0) this.log.info('messages of resubscribed channels held back until their subscribers were told', { shard: sideIndex, messages: heldBack });
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
    for (const shard of this.shards) {
      shard.cmd.connect();
      shard.cmd.startWatchdog(this.timings.probeIntervalMs);
      shard.subscriber.start();
    }
    for (const ack of this.ackConnections) {
      ack.connect();
      ack.startWatchdog(this.timings.probeIntervalMs);
    }
    if (this.clusterParts !== undefined) {
      this.clusterParts.router.connect();
      this.clusterParts.pubsub.start();
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
    const detail = this.clusterParts === undefined ? this.shardsProblems() : this.clusterProblems(this.clusterParts);
    if (detail === undefined) return { healthy: true, state: 'ok' };
    return { healthy: false, state: this.everHealthy ? 'disconnected' : 'connecting', detail };
  }

  private shardsProblems(): string | undefined {
    const ack = (s: Shard): Connection | undefined => this.ackConnections[s.index];
    const bad = this.shards.filter((s) => !(s.cmd.ready && s.subscriber.live && (ack(s)?.ready ?? true)));
    if (bad.length === 0) return undefined;
    return bad
      .map((s) => `shard ${s.index} ${s.address.label}: commands ${s.cmd.describe()}, pub/sub ${s.subscriber.currentState}${s.sub.lastError === undefined ? '' : ` (${s.sub.lastError})`}${ack(s) === undefined ? '' : `, acknowledged writes ${ack(s)!.describe()}`}`)
      .join('; ');
  }

  private clusterProblems({ router, pubsub }: { router: ClusterRouter; pubsub: ClusterPubSub }): string | undefined {
    if (router.ready && pubsub.live) return undefined;
    return `redis cluster ${router.label}: commands ${router.describe()}, pub/sub ${pubsub.currentState} (${pubsub.describe()})`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.downTimer !== undefined) clearInterval(this.downTimer);
    this.cluster.stop();
    this.presence.stop();
    for (const watch of this.watches) watch.stop();
    for (const shard of this.shards) shard.subscriber.stop();
    for (const held of this.heldResubscribes.values()) clearTimeout(held.timer);
    this.heldResubscribes.clear();
    this.broker.handler = undefined;
    this.handler = undefined;
    for (const wake of this.healthWaiters) wake();
    await Promise.all([
      ...this.shards.flatMap((s) => [s.cmd.close(1000), s.sub.close(1000)]),
      ...this.ackConnections.map((c) => c.close(1000)),
      ...(this.clusterParts === undefined ? [] : [this.clusterParts.pubsub.stop(), this.clusterParts.router.close(1000)]),
    ]);
  }

  /** The application shards (tests and diagnostics); empty on a Redis Cluster. */
  get shardList(): readonly Shard[] {
    return this.shards;
  }

  /** The Redis Cluster's command router and PUB/SUB side (tests and diagnostics). */
  get redisCluster(): { readonly router: ClusterRouter; readonly pubsub: ClusterPubSub; readonly partitions: PartitionTable } | undefined {
    return this.clusterParts;
  }

  /** ha_engine_wait_replicas: batches and writes acknowledged after WAIT (tests, benchmark). */
  get replicaAckStats(): ReplicaAck['stats'] | undefined {
    return this.replicaAck?.stats;
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
