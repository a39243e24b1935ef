// The Live node: connected clients, the local hub, channel resolution and authorisation through the
// handler registry, and the three publication primitives (publish cluster-wide, publishLocal, and
// presence counts). Edges (WebSocket, HTTP) and features call this; it talks to the engine port only.

import { EventEmitter } from 'node:events';
import type { CredentialChange, Identity } from '../auth/identity.js';
import {
  EngineUnavailableError,
  type CachedFrame,
  type ClientInfo,
  type Engine,
  type EngineEventHandler,
  type FramePush,
  type NodeStats,
  type Publication,
  type StreamPosition,
} from '../engine/engine.js';
import { Errors, MAX_FULL_CHANNEL_BYTES, temporaryError, Unsubscribes, type ProtocolError } from '../protocol/codes.js';
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/logger.js';
import { UnauthenticatedConnections } from './admission.js';
import { parseChannel, type ChannelAddress } from './channel.js';
import { endingFor } from './credentials.js';
import type { ChannelHandler, HandlerRegistry } from './handlers.js';
import { NodeCounters } from './counters.js';
import { Hub } from './hub.js';
import { KeepaliveScheduler } from './keepalive.js';
import type { Subscription } from './channel-subscription.js';
import { formatTenant, splitPrefixed, type Tenant, type TenantForm } from './tenant.js';

export interface NodeOptions {
  readonly nodeId: string;
  readonly version: string;
  /** -1 unlimited; 0 = Live disabled. */
  readonly maxConnections: number;
  readonly clientQueueMaxSize: number;
  readonly historySize: number;
  readonly historyTtlSeconds: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Close connections that did not send connect within this time (3502). */
  readonly connectTimeoutMs: number;
  /** Sockets without a credential this node holds at most (admission.ts); -1 = no cap. */
  readonly maxUnauthenticatedConnections: number;
  /** Unauthenticated sockets not yet connected, per client address; -1 = no cap. */
  readonly maxUnauthenticatedPerAddress: number;
  readonly tenantForm: TenantForm;
  /**
   * Join/leave are neither published nor pushed for a channel with more local subscribers than this
   * (-1: no limit). Presence is unaffected. See `joinLeaveAllowed`.
   */
  readonly joinLeaveMaxSubscribers: number;
}

export interface ResolvedChannel {
  readonly ok: true;
  readonly tenant: Tenant;
  readonly address: ChannelAddress;
  readonly channel: string;
  readonly fullChannel: string;
  readonly handler: ChannelHandler;
}

export type Resolution = ResolvedChannel | { readonly ok: false; readonly error: ProtocolError };

/** The part of a client session the node manages (connection limits, shutdown). */
export interface NodeClient {
  readonly clientId: string;
  readonly userId: string | undefined;
  /** The revocable credential the connection acts with (Identity.credentialId), if any. */
  readonly credentialId: string | undefined;
  disconnect(code: number, reason: string): void;
}

export type RpcMethod = (identity: Identity, data: unknown) => Promise<string>;
export type MessageHandler = (identity: Identity, clientId: string, data: unknown) => void;

export interface NodeEvents {
  slowClient: [clientId: string, bufferedBytes: number];
  clientClosed: [clientId: string, code: number];
  resynchronised: [channels: number, subscriptions: number];
  /** Seconds from handing a publication to the engine until it acknowledged it. */
  publishRoundTrip: [seconds: number];
  /** Credentials ended (revoked or changed): connections the node does not manage (push sockets) close theirs. */
  credentialsEnded: [change: CredentialChange];
}

const UNSUBSCRIBE_DELAY_MS = 100;
/**
 * The keepalive wheel's tick, at most. A deadline fires less than two ticks after it is due,
 * so credential expiry closes at most ~0.5 s late (docs/authorization.md: at most 1 s).
 */
const MAX_KEEPALIVE_TICK_MS = 250;
/**
 * After the engine feed was restored and subscribers were told to resubscribe (2500), their
 * channels stay subscribed in the engine this long: thousands of clients come back over a second
 * or two, and dropping each emptied channel after 100 ms would undo the batched resubscribe with
 * one UNSUBSCRIBE and one SUBSCRIBE per channel (bench `failover`, G8).
 */
const RESUBSCRIBE_GRACE_MS = 10_000;

export class LiveNode extends EventEmitter<NodeEvents> implements EngineEventHandler {
  readonly hub = new Hub();
  readonly keepalive: KeepaliveScheduler;
  readonly rpcMethods = new Map<string, RpcMethod>();
  readonly counters = new NodeCounters();
  readonly unauthenticated: UnauthenticatedConnections;
  messageHandler: MessageHandler | undefined;
  private readonly clients = new Set<NodeClient>();
  private readonly users = new Map<string, number>();
  private readonly pendingUnsubscribes = new Map<string, NodeJS.Timeout>();
  /** Channel → time until which an emptied channel keeps its engine subscription (see above). */
  private readonly resubscribeGrace = new Map<string, number>();
  private readonly badChannelLog = new RateLimitedLog(60_000);
  private closing = false;

  constructor(
    readonly options: NodeOptions,
    readonly engine: Engine,
    readonly registry: HandlerRegistry,
    readonly log: Logger,
  ) {
    super();
    this.keepalive = new KeepaliveScheduler(Math.max(50, Math.min(MAX_KEEPALIVE_TICK_MS, Math.floor(options.pingIntervalMs / 4))));
    this.unauthenticated = new UnauthenticatedConnections(options.maxUnauthenticatedConnections, options.maxUnauthenticatedPerAddress);
  }

  async start(): Promise<void> {
    this.keepalive.start();
    await this.engine.start(this, () => this.stats());
  }

  get isClosing(): boolean {
    return this.closing;
  }

  // ---- engine events -------------------------------------------------------------------------

  onPublication(channel: string, publication: Publication): void {
    this.counters.countReceived(channel, this.hub.broadcast(channel, publication));
  }

  onJoin(channel: string, info: ClientInfo): void {
    if (!this.joinLeaveAllowed(channel, 0)) {
      this.counters.joinLeaveNotDelivered++;
      return;
    }
    this.hub.broadcastJoin(channel, info);
  }

  onLeave(channel: string, info: ClientInfo): void {
    if (!this.joinLeaveAllowed(channel, 0)) {
      this.counters.joinLeaveNotDelivered++;
      return;
    }
    this.hub.broadcastLeave(channel, info);
  }

  // ---- join/leave storm policy (docs/architecture.md, "Join/leave") ------------------------------

  /**
   * Every join is pushed to every other subscriber: N clients arriving at once cost N² pushes. A
   * channel with more than `joinLeaveMaxSubscribers` subscribers on this node therefore neither
   * publishes its joins/leaves nor pushes the ones other nodes publish, so a storm costs at most
   * max² pushes per node and channel. `extra` counts a subscriber that already left the hub.
   */
  joinLeaveAllowed(fullChannel: string, extra: number): boolean {
    const max = this.options.joinLeaveMaxSubscribers;
    return max < 0 || this.hub.localSubscribers(fullChannel) + extra <= max;
  }

  /** Publishes a subscriber's join cluster-wide, unless the channel is above the join/leave limit. */
  async publishJoin(fullChannel: string, info: ClientInfo): Promise<void> {
    if (!this.joinLeaveAllowed(fullChannel, 0)) {
      this.counters.joinLeaveNotPublished++;
      return;
    }
    await this.engine.broker.publishJoin(fullChannel, info);
  }

  /** Publishes a leave; called after the subscription left the hub (it still counts here). */
  async publishLeave(fullChannel: string, info: ClientInfo): Promise<void> {
    if (!this.joinLeaveAllowed(fullChannel, 1)) {
      this.counters.joinLeaveNotPublished++;
      return;
    }
    await this.engine.broker.publishLeave(fullChannel, info);
  }

  /**
   * The engine's feed was interrupted: anything published meanwhile is lost for this node. Every local
   * subscriber of those channels gets unsubscribe 2500 "insufficient state", so centrifuge-js
   * resubscribes at once and either recovers from history or receives fresh initial data — a loss
   * is always signalled, never silent.
   */
  onResubscribed(channels: readonly string[]): void {
    let signalled = 0;
    const now = Date.now();
    for (const [channel, until] of this.resubscribeGrace) if (until <= now) this.resubscribeGrace.delete(channel);
    for (const channel of channels) {
      this.resubscribeGrace.set(channel, now + RESUBSCRIBE_GRACE_MS);
      for (const subscription of this.hub.subscriptionsOf(channel)) {
        subscription.owner.dropSubscription(subscription, Unsubscribes.insufficientState.code, Unsubscribes.insufficientState.reason);
        signalled++;
      }
    }
    this.counters.resynchronisedSubscriptions += signalled;
    this.emit('resynchronised', channels.length, signalled);
    this.log.info('engine feed restored: subscribers told to resubscribe', { channels: channels.length, subscriptions: signalled });
  }

  // ---- clients -------------------------------------------------------------------------------

  /**
   * Registers a connection, unless max_connections is exceeded or — for a connection without a
   * credential (`unauthenticatedFrom`: its client address) — the cap of unauthenticated connections
   * is reached; either way the caller closes 3504. max_connections is checked first.
   */
  addClient(client: NodeClient, unauthenticatedFrom?: string): 'added' | 'connectionLimit' | 'unauthenticatedLimit' {
    const limit = this.options.maxConnections;
    if (this.closing || (limit >= 0 && this.clients.size + 1 > limit)) {
      this.counters.connectionLimitRejections++;
      return 'connectionLimit';
    }
    if (unauthenticatedFrom !== undefined && !this.unauthenticated.add(unauthenticatedFrom)) return 'unauthenticatedLimit';
    this.clients.add(client);
    this.counters.connectionsAccepted++;
    return 'added';
  }

  /** Counts a connection's user once it connected (for num_users in heartbeats). */
  addUser(userId: string): void {
    this.users.set(userId, (this.users.get(userId) ?? 0) + 1);
  }

  removeClient(client: NodeClient): void {
    if (!this.clients.delete(client)) return;
    const user = client.userId;
    if (user === undefined) return;
    const n = (this.users.get(user) ?? 0) - 1;
    if (n <= 0) this.users.delete(user);
    else this.users.set(user, n);
  }

  /**
   * Closes this node's connections that act with an ended credential (revoked: 3500 "token revoked",
   * changed: 3011 "credential changed") and tells the owners of other connections (push sockets).
   * A scan of the node's clients: revocations are rare, and sessions keep no index for them.
   */
  endCredentialSessions(change: CredentialChange): number {
    const ending = endingFor(change);
    let closed = 0;
    for (const client of [...this.clients]) {
      const code = ending(client.credentialId);
      if (code === undefined) continue;
      client.disconnect(code.code, code.reason);
      closed++;
    }
    this.emit('credentialsEnded', change);
    return closed;
  }

  get numClients(): number {
    return this.clients.size;
  }

  stats(): NodeStats {
    return {
      numClients: this.clients.size,
      numUsers: this.users.size,
      numSubscriptions: this.hub.numSubscriptions,
      numChannels: this.hub.numChannels,
    };
  }

  // ---- channels ------------------------------------------------------------------------------

  fullChannel(tenant: Tenant, channel: string): string {
    return `${formatTenant(tenant, this.options.tenantForm)}/${channel}`;
  }

  /** Resolves a client's prefixed channel and checks its tenant against the caller's org. */
  resolve(identity: Identity, prefixed: string): Resolution {
    if (Buffer.byteLength(prefixed) > MAX_FULL_CHANNEL_BYTES) return { ok: false, error: Errors.badRequest };
    const split = splitPrefixed(prefixed);
    if (split === undefined) {
      if (this.badChannelLog.shouldLog(prefixed)) {
        this.log.error('Error parsing channel', { channel: prefixed, error: 'expected "<tenant>/<scope>/<namespace>/<path>" with tenant an org id or namespace' });
      }
      return { ok: false, error: Errors.invalidChannel };
    }
    if (split.tenant.orgId !== identity.orgId) {
      this.log.limited('info', 'wrong-org', 'Error subscribing: wrong orgId', { channel: prefixed });
      return { ok: false, error: Errors.permissionDenied };
    }
    return this.resolveInTenant(split.tenant, split.channel);
  }

  /** Resolves an unprefixed channel within a tenant already known to be the caller's. */
  resolveInTenant(tenant: Tenant, channel: string): Resolution {
    const address = parseChannel(channel);
    if (address === undefined) {
      if (this.badChannelLog.shouldLog(channel)) this.log.info('Invalid channel ID', { channel });
      return { ok: false, error: Errors.invalidChannel };
    }
    const handler = this.registry.resolve(address);
    if (handler === undefined) return { ok: false, error: Errors.notFound };
    return { ok: true, tenant, address, channel, fullChannel: this.fullChannel(tenant, channel), handler };
  }

  // ---- publishing ----------------------------------------------------------------------------

  historyEnabled(): boolean {
    return this.options.historySize > 0 && this.options.historyTtlSeconds > 0;
  }

  /** Publishes cluster-wide. Throws EngineUnavailableError when the engine cannot take it now. */
  async publish(fullChannel: string, data: string, options: { info?: ClientInfo; history?: boolean } = {}): Promise<StreamPosition | undefined> {
    const history = options.history === true && this.historyEnabled()
      ? { size: this.options.historySize, ttlSeconds: this.options.historyTtlSeconds }
      : undefined;
    this.counters.countPublished(fullChannel);
    const started = performance.now();
    try {
      const position = await this.engine.broker.publish(fullChannel, data, options.info, history === undefined ? {} : { history });
      this.emit('publishRoundTrip', (performance.now() - started) / 1000);
      return position;
    } catch (err) {
      this.counters.publishFailures++;
      throw err;
    }
  }

  /** Delivers to this node's subscribers only (plugin RunStream output). */
  publishLocal(fullChannel: string, data: string): void {
    this.counters.countPublished(fullChannel);
    this.counters.countReceived(fullChannel, this.hub.broadcast(fullChannel, { data }));
  }

  /**
   * Managed-stream push: compare the schema with the cached one, store the frame and publish the
   * full frame (schema changed) or data only, atomically in the engine.
   */
  async pushFrame(fullChannel: string, frame: FramePush): Promise<boolean> {
    this.counters.countPublished(fullChannel);
    const started = performance.now();
    try {
      const { changed } = await this.engine.frames.push(fullChannel, frame);
      this.emit('publishRoundTrip', (performance.now() - started) / 1000);
      return changed;
    } catch (err) {
      this.counters.publishFailures++;
      throw err;
    }
  }

  /** The last full frame pushed to a managed-stream channel (any node), if any. */
  async cachedFrame(fullChannel: string): Promise<CachedFrame | undefined> {
    return this.engine.frames.get(fullChannel);
  }

  /** Cluster-wide presence count for a channel. */
  async clientCount(fullChannel: string): Promise<number> {
    return (await this.engine.presence.stats(fullChannel)).numClients;
  }

  // ---- subscriptions -------------------------------------------------------------------------

  /** Adds to the hub and, for the first local subscriber, subscribes the engine. */
  async addSubscription(subscription: Subscription): Promise<void> {
    const first = this.hub.add(subscription);
    const pending = this.pendingUnsubscribes.get(subscription.fullChannel);
    if (pending !== undefined) {
      // The engine subscription is still there: cancel its delayed removal.
      clearTimeout(pending);
      this.pendingUnsubscribes.delete(subscription.fullChannel);
      return;
    }
    if (!first) return;
    try {
      await this.engine.broker.subscribe([subscription.fullChannel]);
    } catch (err) {
      this.hub.remove(subscription);
      throw err;
    }
  }

  removeSubscription(subscription: Subscription): void {
    if (!this.hub.remove(subscription)) return;
    const full = subscription.fullChannel;
    subscription.handler.onLastLocalUnsubscribe?.(full);
    // Delay the engine unsubscribe a little so churn on a channel does not churn Redis.
    const graceUntil = this.resubscribeGrace.get(full);
    this.resubscribeGrace.delete(full);
    const delay = graceUntil === undefined ? UNSUBSCRIBE_DELAY_MS : Math.max(UNSUBSCRIBE_DELAY_MS, graceUntil - Date.now());
    const timer = setTimeout(() => {
      this.pendingUnsubscribes.delete(full);
      if (this.hub.has(full)) return;
      this.engine.broker.unsubscribe([full]).catch((err: unknown) => {
        this.log.warn('engine unsubscribe failed', { channel: full, error: err });
      });
    }, delay);
    timer.unref();
    this.pendingUnsubscribes.set(full, timer);
  }

  // ---- shutdown ------------------------------------------------------------------------------

  /** Closes every client with 3001 "shutdown" (they reconnect elsewhere) and stops the engine. */
  async shutdown(code: number, reason: string): Promise<void> {
    this.closing = true;
    for (const client of [...this.clients]) client.disconnect(code, reason);
    this.keepalive.stop();
    for (const timer of this.pendingUnsubscribes.values()) clearTimeout(timer);
    this.pendingUnsubscribes.clear();
    this.resubscribeGrace.clear();
    await this.engine.close();
  }
}

/** Maps an engine failure to the protocol error a client sees (temporary: it retries). */
export function engineError(err: unknown): ProtocolError {
  if (err instanceof EngineUnavailableError) return temporaryError(err.message);
  return Errors.internal;
}
