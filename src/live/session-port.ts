// What a ClientSession needs from its node: the subscribe and presence/history ports of its command
// helpers plus registration (connection limits, users), the keepalive wheel, counters, publishing
// and the app's RPC methods. LiveNode implements it; a unit test can hand a session a fake one.

import type { Logger } from '../log/logger.js';
import type { UnauthenticatedConnections } from './admission.js';
import type { NodeCounters } from './counters.js';
import type { KeepaliveTarget } from './keepalive.js';
import type { LiveFacade, MessageHandler, RpcMethod } from './live-facade.js';
import type { ChannelReadPort } from './presence-history-commands.js';
import type { SubscribeNodePort } from './subscribe-commands.js';

/** The part of a client session the node manages (connection limits, revocation, shutdown). */
export interface NodeClient {
  readonly clientId: string;
  readonly userId: string | undefined;
  /** The revocable credential the connection acts with (Identity.credentialId), if any. */
  readonly credentialId: string | undefined;
  /** How the client is connected: `websocket json`, `http_stream protobuf`, … (metrics, /api/live/cluster). */
  readonly connectionKind: string;
  disconnect(code: number, reason: string): void;
}

/** The node's settings a session reads. */
export interface SessionSettings {
  readonly version: string;
  /** -1 unlimited; 0 = Live disabled. */
  readonly maxConnections: number;
  readonly clientQueueMaxSize: number;
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** Close connections that did not send connect within this time (3502). */
  readonly connectTimeoutMs: number;
}

export type Admission = 'added' | 'connectionLimit' | 'unauthenticatedLimit';

export interface SessionNodePort extends SubscribeNodePort, ChannelReadPort, Pick<LiveFacade, 'publish'> {
  readonly options: SessionSettings;
  /** This node's id (emulation clients address their commands to it). */
  readonly nodeId: string;
  readonly log: Logger;
  /** Plain counters the session bumps (replies with errors, disconnects, slow clients). */
  readonly counters: NodeCounters;
  /** The node is shutting down (it refuses new clients; their refusal is not logged). */
  readonly isClosing: boolean;
  /** The caps on sockets without a credential (admission.ts). */
  readonly unauthenticated: Pick<UnauthenticatedConnections, 'maxTotal' | 'connectedAnonymously' | 'remove'>;
  /**
   * Registers a connection, unless max_connections is exceeded or — for a connection without a
   * credential (`unauthenticatedFrom`: its client address) — the cap of unauthenticated connections
   * is reached; either way the caller closes 3504.
   */
  addClient(client: NodeClient, unauthenticatedFrom?: string): Admission;
  /** Counts a connection's user once it connected (num_users in heartbeats). */
  addUser(userId: string): void;
  /** The connection closed with `code`: forget it (and its user). */
  removeClient(client: NodeClient, code: number): void;
  /** The connection is closed 3008 because this many bytes wait for it (counted, announced). */
  slowClient(clientId: string, bufferedBytes: number): void;
  /** The session's one entry in the node's shared timing wheel. */
  scheduleKeepalive(target: KeepaliveTarget, at: number): void;
  cancelKeepalive(target: KeepaliveTarget): void;
  rpcMethod(method: string): RpcMethod | undefined;
  readonly messageHandler: MessageHandler | undefined;
}
