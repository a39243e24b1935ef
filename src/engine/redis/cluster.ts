// Cluster membership, surveys and notifications over Redis (grafana-live.md §7.4, centrifuge §12.6):
// heartbeats on `P.control` every 3 s build the node registry (a node is dropped 7 s after its last
// one); a survey asks every known node on `P.control`, answers itself in-process and collects
// replies on `P.node.<id>`; a notification is one message on `P.control` that every other node acts on.
// Asking one node (askNode) sends the survey request to that node's own channel `P.node.<id>` — the
// channel each node already subscribes for replies — so only it hears it.

import { randomUUID } from 'node:crypto';
import type { Cluster, LocalNodeIdentity, NodeInfo, NodeStats, NotifyHandler, SurveyHandler, SurveyReply, SurveyResult } from '../engine.js';
import { decodeControl, encodeControl, type Heartbeat, type Notification, type SurveyRequest, type SurveyResponse } from './envelope.js';
import { errorMessage } from './errors.js';
import type { RedisKeys } from './keys.js';

/** Where control messages are published: shard 0's command connection, or the Redis Cluster client (classic PUBLISH crosses the cluster bus). */
export interface ControlLink {
  readonly ready: boolean;
  describe(): string;
  publish(channel: string, message: string): Promise<unknown>;
}

export interface ClusterTimings {
  readonly heartbeatIntervalMs: number;
  /** A node is considered gone this long after its last heartbeat. */
  readonly nodeExpiryMs: number;
  /** How often expired nodes are removed from the registry. */
  readonly nodeCleanupMs: number;
}

export interface ClusterLog {
  undecodableControl(channel: string): void;
  debug(msg: string, fields: Record<string, unknown>): void;
}

interface PendingSurvey {
  readonly waitingFor: Set<string>;
  readonly replies: SurveyReply[];
  readonly missing: string[];
  done(): void;
}

const ZERO_STATS: NodeStats = { numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 };

export class RedisCluster implements Cluster {
  private readonly handlers = new Map<string, SurveyHandler>();
  private readonly notifyHandlers = new Map<string, NotifyHandler>();
  private readonly registry = new Map<string, NodeInfo>();
  private readonly pending = new Map<string, PendingSurvey>();
  private readonly startedAt = Date.now();
  private stats: () => NodeStats = () => ZERO_STATS;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private extraHeartbeat: NodeJS.Immediate | undefined;

  constructor(
    private readonly self: LocalNodeIdentity,
    private readonly link: ControlLink,
    private readonly keys: RedisKeys,
    private readonly timings: ClusterTimings,
    private readonly log: ClusterLog,
  ) {}

  get nodeId(): string {
    return this.self.id;
  }

  start(stats: () => NodeStats): void {
    this.stats = stats;
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.timings.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
    this.cleanupTimer = setInterval(() => this.cleanup(), this.timings.nodeCleanupMs);
    this.cleanupTimer.unref();
  }

  stop(): void {
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    if (this.cleanupTimer !== undefined) clearInterval(this.cleanupTimer);
    if (this.extraHeartbeat !== undefined) clearImmediate(this.extraHeartbeat);
    for (const survey of this.pending.values()) survey.done();
  }

  nodes(): NodeInfo[] {
    const now = Date.now();
    const self: NodeInfo = { ...this.self, ...this.stats(), uptimeSeconds: this.uptime(now), lastSeen: now };
    const others = [...this.registry.values()].filter((n) => now - n.lastSeen <= this.timings.nodeExpiryMs);
    return [self, ...others];
  }

  onSurvey(op: string, handler: SurveyHandler): void {
    this.handlers.set(op, handler);
  }

  async survey(op: string, payload: string, timeoutMs: number): Promise<SurveyResult> {
    const others = this.nodes().slice(1).map((n) => n.id);
    const mine = this.answer(op, payload, timeoutMs);
    if (others.length === 0) return collect(this.self.id, await mine, [], []);
    const { replies, missing } = await this.ask(this.keys.control, others, op, payload, timeoutMs);
    return collect(this.self.id, await mine, replies, missing);
  }

  async askNode(nodeId: string, op: string, payload: string, timeoutMs: number): Promise<string | undefined> {
    if (nodeId === this.self.id) return (await this.answer(op, payload, timeoutMs))?.payload;
    // Only a node whose heartbeat was seen: an id from a restarted node would only wait for the timeout.
    if (!this.nodes().some((n) => n.id === nodeId)) return undefined;
    const { replies } = await this.ask(this.keys.node(nodeId), [nodeId], op, payload, timeoutMs);
    return replies[0]?.payload;
  }

  /** Sends a survey request on `channel` and collects the answers of `nodes` for up to timeoutMs. */
  private async ask(channel: string, nodes: readonly string[], op: string, payload: string, timeoutMs: number): Promise<{ replies: SurveyReply[]; missing: string[] }> {
    const requestId = randomUUID();
    const replies: SurveyReply[] = [];
    const missing: string[] = [];
    const waitingFor = new Set(nodes);
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve();
      };
      this.pending.set(requestId, { waitingFor, replies, missing, done });
      timer = setTimeout(done, timeoutMs);
    });
    const request: SurveyRequest = { type: 'survey_request', nodeId: this.self.id, requestId, op, payload };
    try {
      if (!this.link.ready) throw new Error(`control shard is ${this.link.describe()}`);
      await this.link.publish(channel, encodeControl(request));
    } catch (err) {
      this.log.debug('survey request not sent', { op, error: errorMessage(err) });
      this.pending.get(requestId)?.done();
    }
    await finished;
    // Whoever did not answer (timeout, error, unknown op) is reported; the caller merges a partial result.
    missing.push(...waitingFor);
    return { replies, missing };
  }

  onNotify(op: string, handler: NotifyHandler): void {
    this.notifyHandlers.set(op, handler);
  }

  async notify(op: string, payload: string): Promise<void> {
    if (!this.link.ready) throw new Error(`control shard is ${this.link.describe()}`);
    const message: Notification = { type: 'notify', nodeId: this.self.id, op, payload };
    await this.link.publish(this.keys.control, encodeControl(message));
  }

  /** A message on `P.control` (heartbeats, survey requests and notifications of other nodes). */
  handleControl(payload: string): void {
    const message = decodeControl(payload);
    if (message === undefined) {
      this.log.undecodableControl(this.keys.control);
      return;
    }
    if (message.nodeId === this.self.id) return;
    if (message.type === 'heartbeat') this.onHeartbeat(message);
    else if (message.type === 'survey_request') void this.reply(message);
    else if (message.type === 'notify') this.onNotification(message);
  }

  private onNotification(message: Notification): void {
    const handler = this.notifyHandlers.get(message.op);
    if (handler === undefined) return;
    try {
      handler(message.payload);
    } catch (err) {
      this.log.debug('notification handler failed', { op: message.op, error: errorMessage(err) });
    }
  }

  /** A message on `P.node.<self>`: survey replies, and requests addressed to this node alone (askNode). */
  handleDirect(payload: string): void {
    const message = decodeControl(payload);
    if (message === undefined) {
      this.log.undecodableControl(this.keys.node(this.self.id));
      return;
    }
    if (message.nodeId === this.self.id) return;
    if (message.type === 'survey_reply') this.onReply(message);
    else if (message.type === 'survey_request') void this.reply(message);
  }

  /** Publishes a heartbeat now (also used when the control connection comes back). */
  heartbeat(): void {
    if (!this.link.ready) return;
    let stats: NodeStats;
    try {
      stats = this.stats();
    } catch (err) {
      this.log.debug('node stats failed', { error: errorMessage(err) });
      stats = ZERO_STATS;
    }
    const message: Heartbeat = {
      type: 'heartbeat', nodeId: this.self.id, name: this.self.name, version: this.self.version,
      ...stats, uptimeSeconds: this.uptime(Date.now()),
    };
    this.link.publish(this.keys.control, encodeControl(message)).catch((err: unknown) => {
      this.log.debug('heartbeat not sent', { error: errorMessage(err) });
    });
  }

  private onHeartbeat(message: Heartbeat): void {
    const known = this.registry.has(message.nodeId);
    const { type: _type, nodeId: id, ...rest } = message;
    this.registry.set(id, { ...rest, id, lastSeen: Date.now() });
    // A node that just appeared learns about us now instead of up to one interval later.
    if (!known && this.extraHeartbeat === undefined) {
      this.extraHeartbeat = setImmediate(() => {
        this.extraHeartbeat = undefined;
        this.heartbeat();
      });
    }
  }

  private async reply(request: SurveyRequest): Promise<void> {
    const handler = this.handlers.get(request.op);
    let response: SurveyResponse;
    if (handler === undefined) {
      response = { type: 'survey_reply', nodeId: this.self.id, requestId: request.requestId, ok: false, payload: '' };
    } else {
      try {
        response = { type: 'survey_reply', nodeId: this.self.id, requestId: request.requestId, ok: true, payload: await handler(request.payload) };
      } catch (err) {
        this.log.debug('survey handler failed', { op: request.op, error: errorMessage(err) });
        response = { type: 'survey_reply', nodeId: this.self.id, requestId: request.requestId, ok: false, payload: '' };
      }
    }
    if (!this.link.ready) return;
    this.link.publish(this.keys.node(request.nodeId), encodeControl(response)).catch((err: unknown) => {
      this.log.debug('survey reply not sent', { op: request.op, error: errorMessage(err) });
    });
  }

  private onReply(message: SurveyResponse): void {
    const survey = this.pending.get(message.requestId);
    if (survey === undefined || !survey.waitingFor.delete(message.nodeId)) return;
    if (message.ok) survey.replies.push({ nodeId: message.nodeId, payload: message.payload });
    else survey.missing.push(message.nodeId);
    if (survey.waitingFor.size === 0) survey.done();
  }

  /** This node's own answer, in-process, bounded by the survey timeout like everyone else's. */
  private async answer(op: string, payload: string, timeoutMs: number): Promise<SurveyReply | undefined> {
    const handler = this.handlers.get(op);
    if (handler === undefined) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), timeoutMs);
      });
      const payloadOrLate = await Promise.race([handler(payload), late]);
      return payloadOrLate === undefined ? undefined : { nodeId: this.self.id, payload: payloadOrLate };
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private cleanup(): void {
    const now = Date.now();
    for (const [id, node] of this.registry) if (now - node.lastSeen > this.timings.nodeExpiryMs) this.registry.delete(id);
  }

  private uptime(now: number): number {
    return Math.floor((now - this.startedAt) / 1000);
  }
}

/** Merges this node's answer (first) with the others'; no answer of its own = this node missing. */
function collect(selfId: string, mine: SurveyReply | undefined, replies: SurveyReply[], missing: string[]): SurveyResult {
  return mine === undefined ? { replies, missing: [selfId, ...missing] } : { replies: [mine, ...replies], missing };
}
