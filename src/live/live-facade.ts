// The Live node as features and embedding apps see it: one narrow interface. The node keeps its
// engine, hub, keepalive wheel and clients to itself (live/node.ts); through this facade one resolves
// channels, publishes (cluster-wide or to this node's subscribers), pushes and reads managed-stream
// frames, reads and writes small shared values, asks the other nodes (surveys), and adds RPC methods
// and a handler for client `send` messages. FeatureContext carries it; src/index.ts exports it.

import type { Identity } from '../auth/identity.js';
import type { CachedFrame, ClientInfo, FramePush, NodeStats, PresenceStats, StreamPosition, SurveyHandler, SurveyResult } from '../engine/engine.js';
import type { ProtocolError } from '../protocol/codes.js';
import type { ChannelAddress } from './channel.js';
import type { ChannelHandler } from './handlers.js';
import type { Tenant } from './tenant.js';

export interface ResolvedChannel {
  readonly ok: true;
  readonly tenant: Tenant;
  readonly address: ChannelAddress;
  readonly channel: string;
  readonly fullChannel: string;
  readonly handler: ChannelHandler;
}

export type Resolution = ResolvedChannel | { readonly ok: false; readonly error: ProtocolError };

/** Answers a client's `rpc` command: the result's JSON text. */
export type RpcMethod = (identity: Identity, data: unknown) => Promise<string>;
/** Receives a client's `send` (asynchronous message, no reply). */
export type MessageHandler = (identity: Identity, clientId: string, data: unknown) => void;

export interface PublishOptions {
  /** Whose publication it is (ClientInfo on the wire). */
  readonly info?: ClientInfo;
  /** Append to the channel's history (when [live] history is on). */
  readonly history?: boolean;
}

export interface LiveFacade {
  /** This node's id in the cluster. */
  readonly nodeId: string;
  /** False when [live] max_connections = 0: Live is disabled (pushes and publishes answer 503). */
  readonly liveEnabled: boolean;

  // ---- channels ----
  /** `<tenant>/<channel>` in the configured tenant form. */
  fullChannel(tenant: Tenant, channel: string): string;
  /** Resolves a client's prefixed channel and checks its tenant against the caller's org. */
  resolve(identity: Identity, prefixed: string): Resolution;
  /** Resolves an unprefixed channel within a tenant already known to be the caller's. */
  resolveInTenant(tenant: Tenant, channel: string): Resolution;

  // ---- publishing ----
  /** Publishes cluster-wide. Throws EngineUnavailableError when the engine cannot take it now. */
  publish(fullChannel: string, data: string, options?: PublishOptions): Promise<StreamPosition | undefined>;
  /** Delivers to this node's subscribers only (plugin RunStream output). */
  publishLocal(fullChannel: string, data: string): void;
  /** Subscriptions on this node to a full channel. */
  localSubscribers(fullChannel: string): number;
  /** Sends this node's active subscribers of the channel an unsubscribe push and drops them. */
  endLocalSubscriptions(fullChannel: string, code: number, reason: string): void;
  /** Cluster-wide presence counts of a channel. */
  presenceStats(fullChannel: string): Promise<PresenceStats>;

  // ---- managed-stream frames ----
  /** Compares the schema with the cached one, stores the frame and publishes it, atomically; true when the schema changed. */
  pushFrame(fullChannel: string, frame: FramePush): Promise<boolean>;
  /** The last full frame pushed to a managed-stream channel (any node), if any. */
  cachedFrame(fullChannel: string): Promise<CachedFrame | undefined>;

  // ---- small shared values (every node sees them) ----
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string, ttlSeconds: number): Promise<void>;

  // ---- the cluster ----
  /** Registers this node's answer to a survey operation. */
  onSurvey(op: string, handler: SurveyHandler): void;
  /** Asks every node (this one included), waiting up to timeoutMs; missing nodes are reported. */
  survey(op: string, payload: string, timeoutMs: number): Promise<SurveyResult>;
  /** Asks one node with its `op` answer (engine Cluster.askNode); undefined when it gives none in time. */
  askNode(nodeId: string, op: string, payload: string, timeoutMs: number): Promise<string | undefined>;
  /** Clients, users, subscriptions and channels of this node. */
  stats(): NodeStats;

  // ---- client commands the app answers ----
  registerRpc(method: string, handler: RpcMethod): void;
  unregisterRpc(method: string): void;
  /** The handler of client `send` messages; without one a `send` closes the client (3508 "not available"). */
  setMessageHandler(handler: MessageHandler | undefined): void;
}
