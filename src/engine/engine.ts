// The engine port: everything a Live node needs that may span several nodes — PUB/SUB fan-out
// (broker), history and recovery, presence, small shared key/values, cluster membership. The memory
// adapter serves one process; the Redis adapter (HA) implements the same contract, and one contract
// test suite runs against both. Channels here are always full, canonical, tenant-prefixed strings.

import type { ClientInfo, Publication } from '../protocol/publication.js';

// The wire's ClientInfo and Publication are what the engine carries (protocol/publication.ts).
export type { ClientInfo, Publication };

/** Position in a channel's history stream. */
export interface StreamPosition {
  readonly offset: number;
  readonly epoch: string;
}

export interface HistorySettings {
  /** Entries kept (> 0). */
  readonly size: number;
  /** Retention of entries in seconds (> 0). */
  readonly ttlSeconds: number;
}

export interface PublishOptions {
  /** Append to the channel's history stream atomically with the publish. */
  readonly history?: HistorySettings;
}

/** Largest page a history call returns (Centrifugo's recovery maximum). */
export const HISTORY_MAX_PAGE = 300;

export interface HistoryQuery {
  /** Exclusive lower bound (upper bound when reverse). Epoch mismatch → UnrecoverablePositionError. */
  readonly since?: StreamPosition;
  /** 0 → position only; -1 → all retained (capped by the adapter); > 0 → at most that many. */
  readonly limit: number;
  readonly reverse?: boolean;
}

export interface HistoryResult {
  readonly publications: Publication[];
  /** The stream top: offset of the latest publication and the current epoch. */
  readonly position: StreamPosition;
}

/** Thrown by history() when since.epoch is not the channel's current epoch. */
export class UnrecoverablePositionError extends Error {
  constructor(readonly channel: string) {
    super(`history epoch changed for ${channel}`);
  }
}

/** Thrown when the engine cannot do its job right now (e.g. Redis unreachable). Temporary. */
export class EngineUnavailableError extends Error {}

/** What an engine delivers to its node: publications and join/leave of subscribed channels. */
export interface EngineEventHandler {
  onPublication(channel: string, publication: Publication): void;
  onJoin(channel: string, info: ClientInfo): void;
  onLeave(channel: string, info: ClientInfo): void;
  /** The engine lost and regained its feed: the node must resynchronise positioned subscribers. */
  onResubscribed?(channels: readonly string[]): void;
}

export interface Broker {
  /** Delivers to every node subscribed to the channel (this one included). */
  publish(channel: string, data: string, info: ClientInfo | undefined, options: PublishOptions): Promise<StreamPosition | undefined>;
  publishJoin(channel: string, info: ClientInfo): Promise<void>;
  publishLeave(channel: string, info: ClientInfo): Promise<void>;
  /** Start receiving the channels on this node (called on the first local subscriber). Batched. */
  subscribe(channels: readonly string[]): Promise<void>;
  /** Stop receiving the channels on this node (called after the last local subscriber left). */
  unsubscribe(channels: readonly string[]): Promise<void>;
  history(channel: string, query: HistoryQuery, settings: HistorySettings): Promise<HistoryResult>;
}

export interface PresenceStats {
  readonly numClients: number;
  readonly numUsers: number;
}

export interface PresenceManager {
  /** Adds or refreshes one connection's entry in a channel. */
  add(channel: string, info: ClientInfo): Promise<void>;
  remove(channel: string, clientId: string): Promise<void>;
  get(channel: string): Promise<Map<string, ClientInfo>>;
  stats(channel: string): Promise<PresenceStats>;
}

/** Small shared values with expiry (broadcast last message). */
export interface KeyValueStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

/** The managed-stream frame cache entry of one channel (Grafana's hash fields). */
export interface CachedFrame {
  /** `{"schema":…}` — schema-only JSON with the wrapper. */
  readonly schema: string;
  /** `{"schema":…,"data":…}` — the last full frame. */
  readonly frame: string;
}

export interface FramePush {
  /** `{"schema":…}` of the new frame. */
  readonly schema: string;
  /** `{"schema":…,"data":…}` of the new frame. */
  readonly frame: string;
  /** `{"data":…}` of the new frame, published when the schema did not change. */
  readonly data: string;
}

/**
 * Last frame per managed-stream channel, shared by every node. `push` compares the schema with the
 * cached one, stores the new frame and publishes (full frame when the schema changed, data-only
 * otherwise) as ONE atomic step, so concurrent pushes through several nodes can never reach
 * subscribers in an order that contradicts the schema decisions (Grafana's #108807).
 */
export interface FrameCache {
  push(fullChannel: string, frame: FramePush): Promise<{ readonly changed: boolean }>;
  get(fullChannel: string): Promise<CachedFrame | undefined>;
}

export interface NodeStats {
  readonly numClients: number;
  readonly numUsers: number;
  readonly numSubscriptions: number;
  readonly numChannels: number;
}

/** The node an engine serves, as it introduces itself to the cluster (heartbeats, /api/live/cluster). */
export interface LocalNodeIdentity {
  readonly id: string;
  readonly name: string;
  readonly version: string;
}

export interface NodeInfo extends NodeStats {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  readonly uptimeSeconds: number;
  /** Epoch ms of the last heartbeat seen (now for this node). */
  readonly lastSeen: number;
}

export type SurveyHandler = (payload: string) => Promise<string>;

export interface SurveyReply {
  readonly nodeId: string;
  readonly payload: string;
}

export interface SurveyResult {
  readonly replies: SurveyReply[];
  /** Nodes that did not answer in time (or failed); the caller reports a partial result. */
  readonly missing: string[];
}

/** Receives a notification another node sent (see Cluster.notify). */
export type NotifyHandler = (payload: string) => void;

export interface Cluster {
  readonly nodeId: string;
  nodes(): NodeInfo[];
  /** Registers the answer of this node to a survey operation. */
  onSurvey(op: string, handler: SurveyHandler): void;
  /** Asks every known node (this one included) and waits up to timeoutMs for their replies. */
  survey(op: string, payload: string, timeoutMs: number): Promise<SurveyResult>;
  /**
   * Asks one node — this one (answered in-process) or another known one (a message to that node
   * alone) — with its `op` survey handler, and waits up to timeoutMs. Undefined when there is no
   * answer: the node is not known (no heartbeat seen), has no handler for `op`, its handler failed,
   * or it did not answer in time.
   */
  askNode(nodeId: string, op: string, payload: string, timeoutMs: number): Promise<string | undefined>;
  /** Registers this node's receiver of `op` notifications sent by other nodes. */
  onNotify(op: string, handler: NotifyHandler): void;
  /**
   * Sends a one-way message to every other node, including nodes not yet in the node list (the
   * sender acts on its own behalf itself: it never receives its own notification). Resolves once
   * the message is handed to the transport; rejects when it cannot be sent now (no retry).
   */
  notify(op: string, payload: string): Promise<void>;
}

export interface EngineHealth {
  readonly healthy: boolean;
  /** e.g. "ok", "connecting", "disconnected". */
  readonly state: string;
  readonly detail?: string;
}

export interface Engine {
  readonly kind: 'memory' | 'redis';
  readonly broker: Broker;
  readonly presence: PresenceManager;
  readonly store: KeyValueStore;
  readonly frames: FrameCache;
  readonly cluster: Cluster;
  /** Connects (or keeps retrying in the background) and starts delivering events. */
  start(handler: EngineEventHandler, stats: () => NodeStats): Promise<void>;
  health(): EngineHealth;
  close(): Promise<void>;
}
