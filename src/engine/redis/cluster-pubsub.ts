// The PUB/SUB side on Redis Cluster: one sharded subscription (SSUBSCRIBE) per channel per livehub
// node, on a connection to the master that serves the channel's slot, batched by slot (≤ 512
// channels per command, all of one slot: a partition, partitions.ts); plus one classic SUBSCRIBE
// connection, to any master, for the control channels (classic PUB/SUB crosses the cluster bus).
//
// Where a slot's channels are subscribed ("placement") follows the cluster client's slot map. A
// placement ends when its connection is lost, when the node evicts the channels (slot migrated:
// an unsolicited `sunsubscribe`), or when the slot map names another master (failover, reshard);
// its channels then become *unsignalled*: their messages are dropped until they are subscribed
// again where the slot now lives AND the node told their subscribers (2500) — a message delivered
// before that signal would hide the hole in front of it. Messages from any connection other than
// the slot's current placement are dropped for the same reason.

import { errorMessage, unavailable } from './errors.js';
import { reconnectDelay } from './connections.js';
import { batches, type SubscriberEvents, type SubscriberState } from './pubsub.js';
import { slotOf } from './partitions.js';
import { LinkReplyError, SubscriberLink, type LinkOptions } from './subscriber-link.js';

/** What the subscriber needs to know about the cluster (kept by the command client, cluster-router.ts). */
/** How long a slot's channels may be without their subscription (moving) before the node reports unhealthy. */
export const MOVE_GRACE_MS = 5000;

export interface SlotMap {
  /** `host:port` of the master serving a slot, per the latest slot map (undefined while unknown). */
  ownerOf(slot: number): string | undefined;
  /** Every master `host:port`. */
  masters(): string[];
  /** Re-reads the slot map (after MOVED or an eviction); resolves when done or failed. */
  refresh(): Promise<void>;
  /** Whether the node says (ROLE) it is a master now: the slot map may lag behind a failover. */
  isMaster(node: string): Promise<boolean>;
  /** Publishes on a classic channel through the command client (the control link's probe). */
  publish(channel: string, message: string): Promise<unknown>;
}

export interface ClusterPubSubOptions {
  readonly slots: SlotMap;
  /** Connection settings of every node (host and port are filled in per node). */
  readonly link: Omit<LinkOptions, 'host' | 'port' | 'connectionName'>;
  /** `livehub:<node id>`: connections are named `<base>:ssub:<host:port>` and `<base>:sub:control`. */
  readonly connectionNameBase: string;
  /** Classic channels on the control connection (control broadcast, this node's channel). */
  readonly controlChannels: readonly string[];
  /** Classic probe channel: published through the command client, expected on the control connection. */
  readonly probeChannel: string;
  readonly probeIntervalMs: number;
  readonly maxReconnectDelayMs: number;
  readonly events: SubscriberEvents & {
    /** Slots whose channels moved to another connection (or lost theirs): their frame caches resend in full. */
    placementsChanged(slots: readonly number[]): void;
  };
}

interface NodeConnection {
  readonly node: string;
  readonly link: SubscriberLink;
  /** Resolves once connected (rejects when the connection could not be opened). */
  readonly opened: Promise<void>;
  lastReceived: number;
  pinging: boolean;
}

export class ClusterPubSub {
  /** Wanted data channels by slot. */
  private readonly wanted = new Map<number, Set<string>>();
  /** Slot → the connection its channels are subscribed on (or being subscribed on). */
  private readonly placement = new Map<number, NodeConnection>();
  /** Slots being placed for the first time by subscribe(): concurrent subscribes of the slot wait for it. */
  private readonly placing = new Map<number, Promise<NodeConnection>>();
  /** Wanted slots that lost their subscription (connection, eviction, move) until reconcile() restores them. */
  private readonly lost = new Set<number>();
  private readonly connections = new Map<string, NodeConnection>();
  private readonly unsignalled = new Set<string>();
  private heldBack = 0;
  /** Messages dropped because they came from a connection that is not their slot's placement. */
  strayMessages = 0;
  private control: NodeConnection | undefined;
  /** Which master the control connection tries next: starts at a random one, so nodes spread over the masters. */
  private controlNext = Math.floor(Math.random() * 1024);
  /** Failed control connections in a row (back-off). */
  private controlFailures = 0;
  private controlLive = false;
  private controlProbeSentAt: number | undefined;
  private controlTimer: NodeJS.Timeout | undefined;
  /** Wanted slots without a subscription, since when (health: MOVE_GRACE_MS). */
  private readonly unplacedSince = new Map<number, number>();
  private stateTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private reconcileAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  private probeTimer: NodeJS.Timeout | undefined;
  private state: SubscriberState = 'down';
  private started = false;
  private closed = false;

  constructor(private readonly options: ClusterPubSubOptions) {}

  get live(): boolean {
    return this.state === 'live';
  }

  get currentState(): SubscriberState {
    return this.state;
  }

  /** Data channels wanted (tests, metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.wanted.values()) n += set.size;
    return n;
  }

  /** Channels still waiting for the gap signal (tests). */
  get awaitingSignal(): number {
    return this.unsignalled.size;
  }

  /** Open node connections (`host:port` → data slots placed there), for health details and tests. */
  describe(): string {
    const parts = [`control ${this.control?.link.ready === true && this.controlLive ? `on ${this.control.node}` : 'down'}`];
    const unplaced = [...this.wanted.keys()].filter((s) => !this.isPlaced(s)).length;
    if (unplaced > 0) parts.push(`${unplaced} slot(s) with channels not subscribed`);
    return parts.join(', ');
  }

  /** The node a slot's channels are subscribed on (tests). */
  placedOn(slot: number): string | undefined {
    const c = this.placement.get(slot);
    return c?.link.ready === true ? c.node : undefined;
  }

  start(): void {
    this.started = true;
    this.probeTimer = setInterval(() => this.checkLiveness(), this.options.probeIntervalMs);
    this.probeTimer.unref();
    void this.openControl();
  }

  /** The slot map may have changed (refresh event, new master): re-place what moved. */
  topologyChanged(): void {
    if (!this.started || this.closed) return;
    if (this.control === undefined && this.controlTimer === undefined) void this.openControl();
    this.scheduleReconcile();
  }

  async stop(): Promise<void> {
    this.closed = true;
    clearInterval(this.probeTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.controlTimer);
    clearTimeout(this.stateTimer);
    for (const c of this.connections.values()) c.link.close('engine closed');
    this.control?.link.close('engine closed');
    await this.reconciling?.catch(() => undefined);
  }

  /** Subscribes data channels where their slots live; EngineUnavailableError when that is not possible now. */
  async subscribe(redisChannels: readonly string[]): Promise<void> {
    if (this.closed) throw unavailable(new Error('engine closed'));
    const added: string[] = [];
    for (const c of redisChannels) {
      const slot = slotOf(c);
      let set = this.wanted.get(slot);
      if (set === undefined) this.wanted.set(slot, (set = new Set()));
      if (set.has(c)) continue;
      set.add(c);
      this.unsignalled.delete(c); // a fresh subscription has no gap to tell about
      added.push(c);
    }
    if (added.length === 0) return;
    try {
      await Promise.all([...groupBySlot(added)].map(([slot, channels]) => this.subscribeSlot(slot, channels)));
    } catch (err) {
      // All or nothing, as ShardSubscriber: the caller treats the call as failed and will not unsubscribe.
      await this.unsubscribe(added);
      throw unavailable(err);
    }
  }

  private async subscribeSlot(slot: number, channels: readonly string[]): Promise<void> {
    // Another call is placing this slot right now: subscribe where it lands.
    await this.placing.get(slot)?.catch(() => undefined);
    const at = this.placement.get(slot);
    if (at !== undefined && at.link.ready) return this.sendSubscribe(at, channels);
    if (this.lost.has(slot) || at !== undefined) {
      // The slot's channels lost their subscription and wait for reconcile(): these join them,
      // and are told (2500) with them once the slot is subscribed again.
      for (const c of channels) this.unsignalled.add(c);
      this.scheduleReconcile();
      return;
    }
    const placing = (async (): Promise<NodeConnection> => {
      const owner = this.options.slots.ownerOf(slot);
      if (owner === undefined) throw new Error(`slot ${slot} has no known master`);
      const target = await this.connectionTo(owner);
      // Placed before the command goes out: a message may follow the confirmation in the same read.
      if (this.placement.get(slot) === undefined) this.placement.set(slot, target);
      return this.placement.get(slot)!;
    })();
    this.placing.set(slot, placing);
    try {
      return await this.sendSubscribe(await placing, channels);
    } finally {
      if (this.placing.get(slot) === placing) this.placing.delete(slot);
    }
  }

  private async sendSubscribe(target: NodeConnection, channels: readonly string[]): Promise<void> {
    try {
      await Promise.all(batches(channels).map((batch) => target.link.subscribe('ssubscribe', batch)));
    } catch (err) {
      if (err instanceof LinkReplyError && /^(MOVED|ASK)\b/.test(err.message)) this.scheduleReconcile(true);
      throw err;
    } finally {
      this.updateState();
    }
  }

  /** Unsubscribes data channels; never fails (a lost connection has no subscriptions left). */
  async unsubscribe(redisChannels: readonly string[]): Promise<void> {
    const removed: string[] = [];
    for (const c of redisChannels) {
      const slot = slotOf(c);
      const set = this.wanted.get(slot);
      if (set?.delete(c) !== true) continue;
      this.unsignalled.delete(c);
      removed.push(c);
      if (set.size === 0) this.wanted.delete(slot);
    }
    const sends: Array<Promise<void>> = [];
    for (const [slot, channels] of groupBySlot(removed)) {
      const at = this.placement.get(slot);
      if (!this.wanted.has(slot)) {
        this.placement.delete(slot);
        this.lost.delete(slot);
      }
      if (at === undefined || !at.link.ready) continue;
      for (const batch of batches(channels)) {
        sends.push(at.link.unsubscribe('ssubscribe', batch).catch((err: unknown) => {
          this.options.events.log('warn', 'redis sunsubscribe failed', { node: at.node, channels: batch.length, error: errorMessage(err) });
        }));
      }
    }
    await Promise.all(sends);
    this.closeIdleConnections();
  }

  /**
   * The node told the subscribers of these channels about the gap: deliver their messages again.
   * A channel that lost its subscription again meanwhile stays held: its next restore tells again.
   */
  gapSignalled(redisChannels: readonly string[]): number {
    for (const c of redisChannels) if (this.isPlaced(slotOf(c))) this.unsignalled.delete(c);
    const dropped = this.heldBack;
    this.heldBack = 0;
    return dropped;
  }

  private isPlaced(slot: number): boolean {
    return this.placement.get(slot)?.link.ready === true;
  }

  private onData(from: NodeConnection, channel: string, payload: string): void {
    from.lastReceived = Date.now();
    if (channel === this.options.probeChannel) {
      this.controlProbeSentAt = undefined;
      return;
    }
    if (from === this.control) {
      if (this.options.controlChannels.includes(channel)) this.options.events.message(channel, payload);
      return;
    }
    const slot = slotOf(channel);
    if (this.wanted.get(slot)?.has(channel) !== true) return;
    if (this.placement.get(slot) !== from) {
      this.strayMessages++;
      return;
    }
    if (this.unsignalled.has(channel)) {
      this.heldBack++;
      return;
    }
    this.options.events.message(channel, payload);
  }

  /** The node dropped a sharded subscription itself: the slot is moving. */
  private onEvicted(from: NodeConnection, channel: string): void {
    const slot = slotOf(channel);
    if (this.placement.get(slot) !== from || !this.wanted.has(slot)) return;
    this.unplace(slot);
    this.options.events.log('info', 'redis cluster slot moved away from its node: resubscribing where it lives now', { node: from.node, slot });
    this.scheduleReconcile(true);
  }

  /** A slot's channels lost their subscription: hold their messages until the signal. */
  private unplace(slot: number): void {
    this.placement.delete(slot);
    this.lost.add(slot);
    for (const c of this.wanted.get(slot) ?? []) this.unsignalled.add(c);
    this.options.events.placementsChanged([slot]);
    this.updateState();
  }

  /** The data connection to a node, opened if needed (a closed one has left the map). */
  private connectionTo(node: string): Promise<NodeConnection> {
    const c = this.connections.get(node) ?? this.openConnection(node, 'ssub');
    return c.opened.then(() => c);
  }

  private openConnection(node: string, role: 'ssub' | 'control'): NodeConnection {
    const colon = node.lastIndexOf(':');
    const name = role === 'ssub' ? `${this.options.connectionNameBase}:ssub:${node}` : `${this.options.connectionNameBase}:sub:control`;
    let self!: NodeConnection;
    const link = new SubscriberLink(
      { ...this.options.link, host: node.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(node.slice(colon + 1)), connectionName: name },
      {
        message: (channel, payload) => this.onData(self, channel, payload),
        evicted: (channel) => this.onEvicted(self, channel),
        closed: (reason) => this.onClosed(self, reason),
      },
    );
    const opened = link.connect();
    opened.catch(() => undefined);
    self = { node, link, opened, lastReceived: Date.now(), pinging: false };
    if (role === 'ssub') this.connections.set(node, self);
    return self;
  }

  private onClosed(c: NodeConnection, reason: string): void {
    if (this.closed) return;
    if (c === this.control) {
      this.control = undefined;
      this.controlLive = false;
      this.updateState();
      this.options.events.log('warn', 'redis cluster control connection lost, reconnecting', { node: c.node, error: reason });
      this.scheduleControl();
      return;
    }
    if (this.connections.get(c.node) === c) this.connections.delete(c.node);
    const lost = [...this.placement].filter(([, at]) => at === c).map(([slot]) => slot);
    if (lost.length === 0) return;
    for (const slot of lost) {
      this.placement.delete(slot);
      this.lost.add(slot);
      for (const ch of this.wanted.get(slot) ?? []) this.unsignalled.add(ch);
    }
    this.options.events.placementsChanged(lost);
    this.options.events.log('warn', 'redis cluster pub/sub connection lost, resubscribing', { node: c.node, slots: lost.length, error: reason });
    this.updateState();
    this.scheduleReconcile(true);
  }

  private scheduleReconcile(refreshFirst = false): void {
    if (this.closed) return;
    if (this.reconciling !== undefined) {
      this.reconcileAgain = true;
      return;
    }
    this.reconciling = this.reconcile(refreshFirst).finally(() => {
      this.reconciling = undefined;
      if (this.reconcileAgain && !this.closed) {
        this.reconcileAgain = false;
        this.scheduleReconcile();
      }
    });
  }

  /**
   * Puts every wanted slot where the slot map says it lives: subscribe at the owner, switch the
   * placement (messages of any other connection are dropped from then on), leave the old one, then
   * report the channels that had a gap (resubscribed). Failures retry with back-off.
   */
  private async reconcile(refreshFirst: boolean): Promise<void> {
    if (refreshFirst) await this.options.slots.refresh().catch(() => undefined);
    if (this.closed) return;
    let failed = false;
    const restored: string[] = [];
    await Promise.all([...this.wanted.keys()].map(async (slot) => {
      if (this.placing.has(slot)) return; // subscribe() is placing it (and reconciles on MOVED)
      const owner = this.options.slots.ownerOf(slot);
      const at = this.placement.get(slot);
      if (at !== undefined && at.link.ready && at.node === owner) return;
      if (owner === undefined) {
        failed = true;
        return;
      }
      try {
        // A slot map read from a node that has not yet heard of a failover names the old master:
        // move only to a node that says it is a master (one that does not serve the slot answers
        // the SSUBSCRIBE below with MOVED), so a stale map cannot make the subscription flap.
        if (!(await this.options.slots.isMaster(owner))) throw new Error(`${owner} is not a master (yet)`);
        const target = await this.connectionTo(owner);
        // Subscribed at the new owner first (its messages are dropped until the switch below, and
        // the switch tells the subscribers), then switched; channels added meanwhile go along.
        const done = new Set<string>();
        for (let round = 0; round < 3; round++) {
          const todo = [...(this.wanted.get(slot) ?? [])].filter((c) => !done.has(c));
          if (todo.length === 0) break;
          await Promise.all(batches(todo).map((b) => target.link.subscribe('ssubscribe', b)));
          for (const c of todo) done.add(c);
        }
        if (!this.wanted.has(slot) || this.placing.has(slot)) return;
        const before = this.placement.get(slot);
        if (before !== target) {
          if (before !== undefined) {
            this.unplace(slot);
            if (before.link.ready) void Promise.all(batches([...done]).map((b) => before.link.unsubscribe('ssubscribe', b).catch(() => undefined)));
          }
          this.placement.set(slot, target);
        }
        this.lost.delete(slot);
        for (const c of this.wanted.get(slot) ?? []) if (this.unsignalled.has(c)) restored.push(c);
      } catch (err) {
        failed = true;
        this.options.events.log('warn', 'redis cluster resubscribe failed, retrying', { slot, node: owner, error: errorMessage(err) });
      }
    }));
    this.closeIdleConnections();
    this.updateState();
    if (restored.length > 0) {
      this.options.events.log('info', 'redis cluster pub/sub subscriptions restored', { channels: restored.length });
      this.options.events.resubscribed(restored);
    }
    if (failed) this.retryLater();
    else this.retryAttempt = 0;
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.scheduleReconcile(true);
    }, reconnectDelay(++this.retryAttempt, this.options.maxReconnectDelayMs));
    this.retryTimer.unref();
  }

  private closeIdleConnections(): void {
    const used = new Set(this.placement.values());
    for (const [node, c] of this.connections) {
      if (used.has(c) || !c.link.ready) continue;
      // A connection of a slot being (re)subscribed right now is in `placement` only afterwards.
      if ([...this.wanted.keys()].some((slot) => this.options.slots.ownerOf(slot) === node)) continue;
      this.connections.delete(node);
      c.link.close('no channels left on this node');
    }
  }

  // ---- control connection ------------------------------------------------------------------------

  private scheduleControl(): void {
    if (this.closed || this.controlTimer !== undefined) return;
    this.controlTimer = setTimeout(() => {
      this.controlTimer = undefined;
      void this.openControl();
    }, reconnectDelay(++this.controlFailures, this.options.maxReconnectDelayMs));
    this.controlTimer.unref();
  }

  /** Classic SUBSCRIBE of the control channels on one master, the next one on every attempt. */
  private async openControl(): Promise<void> {
    if (this.closed || this.control !== undefined) return;
    const masters = this.options.slots.masters();
    if (masters.length === 0) {
      this.scheduleControl();
      return;
    }
    const c = this.openConnection(masters[this.controlNext++ % masters.length]!, 'control');
    this.control = c;
    try {
      await c.opened;
      await c.link.subscribe('subscribe', [this.options.probeChannel, ...this.options.controlChannels]);
    } catch (err) {
      this.options.events.log('warn', 'redis cluster control subscription failed, retrying', { node: c.node, error: errorMessage(err) });
      c.link.close(errorMessage(err)); // onClosed schedules the next attempt
      return;
    }
    if (this.control !== c) return;
    this.controlFailures = 0;
    this.controlLive = true;
    c.lastReceived = Date.now();
    this.controlProbeSentAt = undefined;
    this.updateState();
  }

  /**
   * 'live' while the control connection is up and no wanted slot has been without its subscription
   * for longer than MOVE_GRACE_MS: a slot moving (reshard, manual failover) is routine and takes
   * milliseconds; a master that is gone is not (its channels' subscribes fail until a replica took over).
   */
  private updateState(): void {
    const now = Date.now();
    let overdue = false;
    let nextCheck = Infinity;
    for (const slot of this.wanted.keys()) {
      if (this.isPlaced(slot)) continue;
      const since = this.unplacedSince.get(slot) ?? now;
      this.unplacedSince.set(slot, since);
      if (now - since >= MOVE_GRACE_MS) overdue = true;
      else nextCheck = Math.min(nextCheck, since + MOVE_GRACE_MS);
    }
    for (const slot of this.unplacedSince.keys()) if (!this.wanted.has(slot) || this.isPlaced(slot)) this.unplacedSince.delete(slot);
    clearTimeout(this.stateTimer);
    if (nextCheck !== Infinity && !this.closed) {
      this.stateTimer = setTimeout(() => this.updateState(), nextCheck - now + 1);
      this.stateTimer.unref();
    }
    const next: SubscriberState = !this.controlLive ? 'down' : overdue ? 'resubscribing' : 'live';
    if (next === this.state) return;
    this.state = next;
    this.options.events.stateChanged(next);
  }

  /**
   * Idle data connections are PINGed (a missed reply closes them: half-open TCP). The control
   * connection gets a probe published through the command client: it proves the cluster bus still
   * brings other nodes' messages to it.
   */
  private checkLiveness(): void {
    if (this.closed) return;
    const now = Date.now();
    const interval = this.options.probeIntervalMs;
    for (const c of this.connections.values()) {
      if (!c.link.ready || c.pinging || now - c.lastReceived < interval) continue;
      c.pinging = true;
      c.link.ping().then(
        () => {
          c.pinging = false;
          c.lastReceived = Date.now();
        },
        () => {
          c.pinging = false; // the link closed itself (deadline) or is closing
        },
      );
    }
    const control = this.control;
    if (control === undefined || !this.controlLive || now - control.lastReceived < interval) return;
    if (this.controlProbeSentAt !== undefined) {
      this.options.events.log('warn', 'redis cluster control connection: liveness probe not received, restarting it', { node: control.node, silentForMs: now - control.lastReceived });
      this.controlProbeSentAt = undefined;
      control.link.close('liveness probe not received');
      return;
    }
    this.controlProbeSentAt = now;
    this.options.slots.publish(this.options.probeChannel, 'probe').catch(() => {
      this.controlProbeSentAt = undefined; // the command side is down; its own errors say so
    });
  }
}

function groupBySlot(channels: readonly string[]): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const c of channels) {
    const slot = slotOf(c);
    const list = groups.get(slot);
    if (list === undefined) groups.set(slot, [c]);
    else list.push(c);
  }
  return groups;
}
