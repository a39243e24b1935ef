// The Live node, a facade in the manner of centrifugal/centrifuge's Node: it owns the engine, the
// local hub, the keepalive wheel and the connected clients, and offers what the rest needs as
// methods — publish (cluster-wide or local), history, presence, join/leave, the frame cache, shared
// values, cluster surveys and notifications, health. Features and embedding apps see it through
// LiveFacade (live-facade.ts), sessions through SessionNodePort (session-port.ts); edges (WebSocket,
// HTTP, metrics) use the class. Nothing outside this file touches the engine.

import { EventEmitter } from 'node:events';
import type { CredentialChange, Identity } from '../auth/identity.js';
import type {
  CachedFrame,
  ClientInfo,
  Engine,
  EngineEventHandler,
  EngineHealth,
  FramePush,
  HistoryQuery,
  HistoryResult,
  NodeInfo,
  NodeStats,
  NotifyHandler,
  PresenceStats,
  Publication,
  StreamPosition,
  SurveyHandler,
  SurveyResult,
} from '../engine/engine.js';
import { Errors, MAX_FULL_CHANNEL_BYTES, Unsubscribes } from '../protocol/codes.js';
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/logger.js';
import { UnauthenticatedConnections } from './admission.js';
import type { Subscription } from './channel-subscription.js';
import { parseChannel } from './channel.js';
import { endingFor } from './credentials.js';
import type { HandlerRegistry } from './handlers.js';
import { NodeCounters } from './counters.js';
import { Hub } from './hub.js';
import { KeepaliveScheduler, type KeepaliveTarget } from './keepalive.js';
import type { LiveFacade, MessageHandler, PublishOptions, Resolution, RpcMethod } from './live-facade.js';
import type { Admission, NodeClient, SessionNodePort } from './session-port.js';
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

/** The engine's health and which engine it is (`/api/health`, `/api/live/cluster`, metrics). */
export interface NodeHealth extends EngineHealth {
  readonly kind: Engine['kind'];
}

export class LiveNode extends EventEmitter<NodeEvents> implements EngineEventHandler, LiveFacade, SessionNodePort {
  /** Plain counters bumped on hot paths, read by /metrics. */
  readonly counters = new NodeCounters();
  /** The caps on sockets without a credential (admission.ts); the WebSocket edge admits through them. */
  readonly unauthenticated: UnauthenticatedConnections;
  private readonly hub = new Hub();
  private readonly keepalive: KeepaliveScheduler;
  private readonly rpcMethods = new Map<string, RpcMethod>();
  private appMessageHandler: MessageHandler | undefined;
  private readonly clients = new Set<NodeClient>();
  private readonly users = new Map<string, number>();
  private readonly pendingUnsubscribes = new Map<string, NodeJS.Timeout>();
  /** Channel → time until which an emptied channel keeps its engine subscription (see above). */
  private readonly resubscribeGrace = new Map<string, number>();
  private readonly badChannelLog = new RateLimitedLog(60_000);
  private closing = false;

  constructor(
    readonly options: NodeOptions,
    private readonly engine: Engine,
    private readonly registry: HandlerRegistry,
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

  get nodeId(): string {
    return this.options.nodeId;
  }

  get liveEnabled(): boolean {
    return this.options.maxConnections !== 0;
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

  // ---- presence and history ------------------------------------------------------------------

  /** Adds or refreshes one connection's presence entry in a channel (cluster-wide). */
  addPresence(fullChannel: string, info: ClientInfo): Promise<void> {
    return this.engine.presence.add(fullChannel, info);
  }

  removePresence(fullChannel: string, clientId: string): Promise<void> {
    return this.engine.presence.remove(fullChannel, clientId);
  }

  /** Every connection present in a channel, by client id. */
  presence(fullChannel: string): Promise<Map<string, ClientInfo>> {
    return this.engine.presence.get(fullChannel);
  }

  presenceStats(fullChannel: string): Promise<PresenceStats> {
    return this.engine.presence.stats(fullChannel);
  }

  /** Reads a channel's history stream with this node's retention settings (recovery, history command). */
  history(fullChannel: string, query: HistoryQuery): Promise<HistoryResult> {
    return this.engine.broker.history(fullChannel, query, { size: this.options.historySize, ttlSeconds: this.options.historyTtlSeconds });
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
  addClient(client: NodeClient, unauthenticatedFrom?: string): Admission {
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

  removeClient(client: NodeClient, code: number): void {
    if (this.clients.delete(client)) this.forgetUser(client.userId);
    this.emit('clientClosed', client.clientId, code);
  }

  private forgetUser(user: string | undefined): void {
    if (user === undefined) return;
    const n = (this.users.get(user) ?? 0) - 1;
    if (n <= 0) this.users.delete(user);
    else this.users.set(user, n);
  }

  slowClient(clientId: string, bufferedBytes: number): void {
    this.counters.slowClientCloses++;
    this.emit('slowClient', clientId, bufferedBytes);
  }

  /** One entry per connection (session or push socket) in the node's shared timing wheel. */
  scheduleKeepalive(target: KeepaliveTarget, at: number): void {
    this.keepalive.schedule(target, at);
  }

  cancelKeepalive(target: KeepaliveTarget): void {
    this.keepalive.cancel(target);
  }

  // ---- what the app answers: rpc and send ----------------------------------------------------

  registerRpc(method: string, handler: RpcMethod): void {
    this.rpcMethods.set(method, handler);
  }

  unregisterRpc(method: string): void {
    this.rpcMethods.delete(method);
  }

  rpcMethod(method: string): RpcMethod | undefined {
    return this.rpcMethods.get(method);
  }

  setMessageHandler(handler: MessageHandler | undefined): void {
    this.appMessageHandler = handler;
  }

  get messageHandler(): MessageHandler | undefined {
    return this.appMessageHandler;
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

  /**
   * Connections by transport and codec (`websocket json`: n, …), counted when asked (a scrape, the
   * cluster view): no per-connection bookkeeping on the hot path.
   */
  connectionsByKind(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const client of this.clients) counts[client.connectionKind] = (counts[client.connectionKind] ?? 0) + 1;
    return counts;
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
  async publish(fullChannel: string, data: string, options: PublishOptions = {}): Promise<StreamPosition | undefined> {
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

  // ---- small shared values --------------------------------------------------------------------

  getValue(key: string): Promise<string | undefined> {
    return this.engine.store.get(key);
  }

  setValue(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.engine.store.set(key, value, ttlSeconds);
  }

  // ---- the cluster and health ----------------------------------------------------------------

  onSurvey(op: string, handler: SurveyHandler): void {
    this.engine.cluster.onSurvey(op, handler);
  }

  survey(op: string, payload: string, timeoutMs: number): Promise<SurveyResult> {
    return this.engine.cluster.survey(op, payload, timeoutMs);
  }

  askNode(nodeId: string, op: string, payload: string, timeoutMs: number): Promise<string | undefined> {
    return this.engine.cluster.askNode(nodeId, op, payload, timeoutMs);
  }

  /** Registers this node's receiver of one-way `op` messages from the other nodes. */
  onNotify(op: string, handler: NotifyHandler): void {
    this.engine.cluster.onNotify(op, handler);
  }

  /** Sends a one-way message to every other node; rejects when it cannot be sent now. */
  notify(op: string, payload: string): Promise<void> {
    return this.engine.cluster.notify(op, payload);
  }

  /** The nodes this node knows: itself and every node whose heartbeat it saw. */
  clusterNodes(): NodeInfo[] {
    return this.engine.cluster.nodes();
  }

  health(): NodeHealth {
    return { kind: this.engine.kind, ...this.engine.health() };
  }

  // ---- local subscriptions -------------------------------------------------------------------

  localSubscribers(fullChannel: string): number {
    return this.hub.localSubscribers(fullChannel);
  }

  /** Active subscribers only: one still subscribing has no reply yet to end (it starts afresh after it). */
  endLocalSubscriptions(fullChannel: string, code: number, reason: string): void {
    for (const subscription of this.hub.subscriptionsOf(fullChannel)) {
      if (subscription.active) subscription.owner.dropSubscription(subscription, code, reason);
    }
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
