// The command side on Redis Cluster: ioredis's cluster client (slot map, MOVED/ASK redirections,
// topology refresh, one auto-pipelined connection per node) behind the engine's Router: one lane
// per channel partition (partitions.ts), publishing with SPUBLISH. Commands fail fast: none is
// accepted while the cluster client is not ready, every one is bounded by the command timeout, and
// a command whose connection closed is never sent again (it may have run: a publish twice is a
// duplicate); MOVED/ASK/TRYAGAIN/CLUSTERDOWN, which mean "not executed", are retried.
// It is also the slot map of the PUB/SUB side (cluster-pubsub.ts) and, with
// `ha_engine_wait_replicas`, routes acknowledged writes to per-master connections (replica-ack.ts).

import { isIP } from 'node:net';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ClusterTarget, ShardAddress } from './address.js';
import type { ClusterPubSub, SlotMap } from './cluster-pubsub.js';
import type { ControlLink } from './cluster.js';
import { quitWithin, reconnectDelay, type ConnectionTimings } from './connections.js';
import { errorMessage, unavailable } from './errors.js';
import { slotOf, type PartitionTable } from './partitions.js';
import type { AckRouter, AckTarget } from './replica-ack.js';
import type { ChannelSubscriber, CommandClient, Lane, Router } from './routing.js';

export interface ClusterRouterTimings extends ConnectionTimings {
  /** Periodic slot-map refresh (a failover or reshard the node did not run into itself). */
  readonly topologyCheckMs: number;
}

class PartitionLane implements Lane {
  readonly publishCommand = 'spublish' as const;

  constructor(private readonly router: ClusterRouter, readonly group: number) {}

  get client(): CommandClient {
    return this.router.client;
  }

  get ready(): boolean {
    return this.router.ready;
  }

  describe(): string {
    return `redis cluster ${this.router.label} is ${this.router.describe()}`;
  }
}

/** Settings every connection to a cluster node shares (auth, TLS, timeouts), for ioredis and subscriber-link.ts. */
export function clusterNodeOptions(address: ShardAddress, timings: ConnectionTimings): { redis: RedisOptions; tls: boolean } {
  const target = address.target as ClusterTarget;
  return {
    tls: target.tls,
    redis: {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
      commandTimeout: timings.commandTimeoutMs,
      connectTimeout: timings.connectTimeoutMs,
      ...(address.username === undefined ? {} : { username: address.username }),
      ...(address.password === undefined ? {} : { password: address.password }),
      ...(target.tls ? { tls: {} } : {}),
    },
  };
}

export class ClusterRouter implements Router, SlotMap, ControlLink, AckRouter {
  readonly client: Cluster;
  readonly label: string;
  lastError: string | undefined;
  /** Set by the engine once the PUB/SUB side exists (they need each other). */
  pubsub: ClusterPubSub | undefined;
  private readonly lanes: PartitionLane[];
  private readonly ackConnections = new Map<string, Redis>();
  private closed = false;

  constructor(
    private readonly address: ShardAddress,
    private readonly partitions: PartitionTable,
    private readonly timings: ClusterRouterTimings,
    private readonly connectionName: string,
  ) {
    const target = address.target as ClusterTarget;
    this.label = address.label;
    this.lanes = Array.from({ length: partitions.count }, (_, i) => new PartitionLane(this, i));
    const node = clusterNodeOptions(address, timings);
    const options: ClusterOptions = {
      lazyConnect: true,
      // Fail fast is the lanes' job (`ready`): with the offline queue off, ioredis would also
      // refuse every command to a node whose connection is still being opened (nodes connect
      // lazily, on first use). Node connections never reconnect or resend (retryStrategy null).
      enableOfflineQueue: true,
      enableReadyCheck: true,
      scaleReads: 'master',
      enableAutoPipelining: true,
      maxRedirections: 16,
      retryDelayOnMoved: 0,
      // A command whose connection closed may have run: never send it again (a duplicate publish).
      retryDelayOnFailover: 0,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      slotsRefreshTimeout: timings.connectTimeoutMs,
      slotsRefreshInterval: timings.topologyCheckMs,
      clusterRetryStrategy: (attempt) => reconnectDelay(attempt, timings.maxReconnectDelayMs),
      // Keep the names nodes announce: TLS certificates (managed offerings) are issued for them.
      dnsLookup: (hostname, callback) => callback(null, hostname),
      redisOptions: { ...node.redis, connectionName },
    };
    this.client = new Cluster(target.seeds.map((s) => ({ host: s.host, port: s.port })), options);
    this.client.on('error', (err: unknown) => {
      this.lastError = errorMessage(err);
    });
    this.client.on('node error', (err: unknown, key: string) => {
      this.lastError = `${key}: ${errorMessage(err)}`;
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
  }

  get ready(): boolean {
    return !this.closed && this.client.status === 'ready';
  }

  get laneCount(): number {
    return this.partitions.count;
  }

  describe(): string {
    return this.lastError === undefined ? this.client.status : `${this.client.status}: ${this.lastError}`;
  }

  connect(): void {
    this.client.connect().catch(() => undefined); // reported through 'error'; the retry strategy goes on
  }

  laneOf(name: string): Lane {
    return this.lanes[this.partitions.partitionOf(name)]!;
  }

  subscriberOf(): ChannelSubscriber {
    if (this.pubsub === undefined) throw new Error('cluster PUB/SUB not wired');
    return this.pubsub;
  }

  // ---- SlotMap (cluster-pubsub.ts) -----------------------------------------------------------

  ownerOf(slot: number): string | undefined {
    return this.client.slots[slot]?.[0];
  }

  masters(): string[] {
    const seen = new Set<string>();
    for (const nodes of this.client.slots) if (nodes?.[0] !== undefined) seen.add(nodes[0]);
    return [...seen].sort();
  }

  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.client.refreshSlotsCache(() => resolve()));
  }

  async isMaster(node: string): Promise<boolean> {
    const instance = this.client.nodes('all').find((n) => `${n.options.host}:${n.options.port}` === node);
    if (instance === undefined) return false;
    try {
      const role = (await instance.call('ROLE')) as unknown[];
      return Array.isArray(role) && role[0] === 'master';
    } catch {
      return false;
    }
  }

  // ---- ControlLink (cluster.ts): classic PUBLISH crosses the cluster bus to every node ----------

  publish(channel: string, message: string): Promise<unknown> {
    return this.client.publish(channel, message);
  }

  // ---- AckRouter (replica-ack.ts) -------------------------------------------------------------

  targetFor(_lane: Lane, key: string): AckTarget {
    const node = this.ownerOf(slotOf(key));
    if (node === undefined) throw unavailable(new Error(`no master known for the slot of ${key}`));
    return this.targetAt(node);
  }

  /** A connection of its own to the master `node`, for writes followed by WAIT (created on first use). */
  targetAt(node: string): AckTarget {
    if (this.closed) throw unavailable(new Error('engine closed'));
    let client = this.ackConnections.get(node);
    if (client === undefined || client.status === 'end') {
      const colon = node.lastIndexOf(':');
      const host = node.slice(0, colon).replace(/^\[|\]$/g, '');
      const { redis, tls } = clusterNodeOptions(this.address, this.timings);
      client = new Redis({
        ...redis,
        host,
        port: Number(node.slice(colon + 1)),
        connectionName: this.connectionName.replace(/:cmd$/, `:ack:${node}`),
        ...(tls && isIP(host) === 0 ? { tls: { servername: host } } : {}),
        // Used at once: the first writes wait for the connect (a failed connect fails them). A lost
        // connection is not reconnected: the next write opens a new one to whichever master then
        // serves its slot, so writes to a dead master fail fast instead of waiting for it.
        enableOfflineQueue: true,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined); // its writes fail and say why
      this.ackConnections.set(node, client);
    }
    return { name: node, client };
  }

  /** Closes acknowledged-write connections of nodes that serve no slot any more. */
  dropStaleAckConnections(): void {
    const masters = new Set(this.masters());
    for (const [node, client] of this.ackConnections) {
      if (masters.has(node)) continue;
      this.ackConnections.delete(node);
      client.disconnect();
    }
  }

  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of this.ackConnections.values()) client.disconnect();
    this.ackConnections.clear();
    await quitWithin(this.client, timeoutMs);
    this.client.disconnect();
  }
}
