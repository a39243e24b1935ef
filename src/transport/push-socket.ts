// GET /api/live/push/:streamId upgraded (Telegraf outputs.websocket): every inbound message, text or
// binary, is one line-protocol batch handled like an HTTP push, in arrival order. A rejected batch is
// answered with a text message `{"error":{"status","message"}}` and the connection stays open. The
// server pings every ping_interval; ANY inbound message or pong extends the read deadline (Grafana
// only counts pongs, cutting senders that never read, #60905).
// Abuse bounds: at most PUSH_SOCKET_MAX_PENDING batches wait for processing (beyond that the socket
// stops reading, so TCP pushes back on the sender); error answers are truncated, and a peer that
// does not read them is closed 3008 "slow" once PUSH_SOCKET_MAX_BUFFERED bytes are queued for it.
// The credential ends the socket like a Live session: closed 3005 "connection expired" when its JWT
// expires (checked on the node's keepalive wheel, no timer of its own), 3500 "token revoked" when
// its API token is deleted or replaced, 3011 "credential changed" when the token's name, org or
// role changed (Telegraf reconnects and is authorised afresh).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { hasRole, type CredentialChange, type Identity } from '../auth/identity.js';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { endingFor } from '../live/credentials.js';
import type { KeepaliveTarget } from '../live/keepalive.js';
import type { LiveNode } from '../live/node.js';
import type { Logger } from '../log/logger.js';
import { Disconnects } from '../protocol/codes.js';
import { logRejectedOrigin, type OriginChecker } from './origin.js';
import { rejectUpgrade } from './reject.js';
import { authorizePush } from '../features/streams/push-auth.js';
import { pushOptions } from '../features/streams/push-params.js';
import { validStreamId, type PushOptions, type PushService } from '../features/streams/push-service.js';

/** Inbound message limit of the push socket (Grafana: 1 MiB). */
export const PUSH_SOCKET_MAX_MESSAGE = 1024 * 1024;
/** Batches received but not yet pushed; at this many the socket stops reading until one is done. */
export const PUSH_SOCKET_MAX_PENDING = 4;
/** Outbound bytes (error answers) queued for a peer that does not read; over it → close 3008. */
export const PUSH_SOCKET_MAX_BUFFERED = 64 * 1024;
/** Longest error message sent back (parser messages quote input). */
export const PUSH_SOCKET_MAX_ERROR_CHARS = 1024;

/** How long a closed push socket's peer gets to read the close frame before the TCP link is cut. */
const CLOSE_GRACE_MS = 1000;

class PushConnection implements KeepaliveTarget {
  keepaliveSlot = -1;
  private lastActivity = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly node: LiveNode,
    private readonly service: PushService,
    private readonly identity: Identity,
    private readonly streamId: string,
    private readonly options: PushOptions,
    private readonly onClosed: (connection: PushConnection) => void,
  ) {
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.onBatch(toBuffer(data)));
    ws.on('pong', () => this.touch());
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
    this.schedule(Date.now() + this.node.options.pingIntervalMs);
  }

  get credentialId(): string | undefined {
    return this.identity.credentialId;
  }

  /** The next ping, or the credential's expiry when that comes first (one wheel entry for both). */
  private schedule(at: number): void {
    const expiresAt = this.identity.expiresAt;
    this.node.scheduleKeepalive(this, expiresAt !== undefined && expiresAt < at ? expiresAt : at);
  }

  private touch(): void {
    this.lastActivity = Date.now();
  }

  private onBatch(body: Buffer): void {
    this.touch();
    if (this.closed) return;
    // Batches are published in arrival order, one at a time; a sender faster than the pushes is
    // paused (bounded memory) instead of queueing without limit.
    this.pending++;
    if (this.pending >= PUSH_SOCKET_MAX_PENDING) this.ws.pause();
    this.queue = this.queue.then(async () => {
      try {
        if (this.closed) return;
        const outcome = await this.service.push(this.identity, this.streamId, body, this.options);
        this.touch();
        if (!outcome.ok) this.answerError(outcome.status, outcome.message);
      } catch (err) {
        this.node.log.limited('error', 'push-socket-batch', 'push socket batch failed', { stream: this.streamId, error: err });
        this.answerError(500, 'Internal Server Error');
      } finally {
        this.pending--;
        if (this.pending < PUSH_SOCKET_MAX_PENDING && this.ws.isPaused && !this.closed) this.ws.resume();
      }
    });
  }

  /** The only thing this socket ever sends; a peer that lets them pile up is cut. */
  private answerError(status: number, message: string): void {
    if (this.closed || this.ws.readyState !== 1) return;
    const text = message.length > PUSH_SOCKET_MAX_ERROR_CHARS ? `${message.slice(0, PUSH_SOCKET_MAX_ERROR_CHARS)}…` : message;
    this.ws.send(JSON.stringify({ error: { status, message: text } }));
    if (this.ws.bufferedAmount > PUSH_SOCKET_MAX_BUFFERED) {
      this.node.log.warn('closing push socket: peer does not read', { stream: this.streamId, queued: this.ws.bufferedAmount, limit: PUSH_SOCKET_MAX_BUFFERED });
      this.node.counters.slowClientCloses++;
      this.node.counters.countDisconnect(Disconnects.slow.code);
      this.ws.close(Disconnects.slow.code, Disconnects.slow.reason);
      const ws = this.ws;
      setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
      this.close();
    }
  }

  onKeepaliveDue(now: number): void {
    if (this.closed) return;
    const expiresAt = this.identity.expiresAt;
    if (expiresAt !== undefined && now >= expiresAt) return this.end(Disconnects.expired.code, Disconnects.expired.reason);
    const interval = this.node.options.pingIntervalMs;
    // Grafana's read deadline: ping interval × 10/9, counted from the last sign of life.
    if (now - this.lastActivity > (interval * 10) / 9 + this.node.options.pongTimeoutMs) {
      this.ws.terminate();
      return this.close();
    }
    this.ws.ping();
    this.schedule(now + interval);
  }

  /** Server-initiated close for a reason of this socket's own (expiry, revocation): counted by code. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.node.counters.countDisconnect(code);
    this.shutdown(code, reason);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.node.cancelKeepalive(this);
    this.onClosed(this);
  }

  /** Server shutdown: a close frame, then the TCP link is cut (an open socket would keep the HTTP server from closing). */
  shutdown(code: number, reason: string): void {
    if (this.ws.readyState === 1) this.ws.close(code, reason);
    const ws = this.ws;
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
    this.close();
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export class PushWebSocketEndpoint {
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: PUSH_SOCKET_MAX_MESSAGE,
  });
  private readonly connections = new Set<PushConnection>();
  private readonly onCredentialsEnded = (change: CredentialChange): void => this.endCredentialSockets(change);

  constructor(
    private readonly node: LiveNode,
    private readonly service: PushService,
    private readonly auth: RequestAuthenticator,
    private readonly origins: OriginChecker,
    private readonly log: Logger,
  ) {
    node.on('credentialsEnded', this.onCredentialsEnded);
  }

  /** Push sockets whose API token was revoked (3500) or changed (3011) are closed. */
  private endCredentialSockets(change: CredentialChange): void {
    if (this.connections.size === 0) return;
    const ending = endingFor(change);
    for (const connection of [...this.connections]) {
      const code = ending(connection.credentialId);
      if (code !== undefined) connection.end(code.code, code.reason);
    }
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, streamId: string): Promise<void> {
    const authorized = await authorizePush(this.auth, req);
    // The client may have gone while a JWT waited for its keys.
    if (socket.destroyed) return;
    if (!authorized.ok) return rejectUpgrade(socket, authorized.status, authorized.message);
    // grafana-live.md §3.1/§3.7: the push WebSocket needs org Admin (HTTP push: Editor or Admin).
    if (!hasRole(authorized.identity, 'Admin')) return rejectUpgrade(socket, 403, 'Forbidden');
    // authorizePush only accepts explicit credentials (header or auth_token), never anonymous.
    if (!this.origins.allowed(req.headers.origin, req.headers.host, true)) {
      logRejectedOrigin(this.log, this.origins.policy, req.headers.origin, req.headers.host);
      this.node.counters.originRejections++;
      return rejectUpgrade(socket, 403, 'Request Origin is not authorized');
    }
    if (!this.node.liveEnabled) return rejectUpgrade(socket, 503, 'Live is disabled');
    if (!validStreamId(streamId)) return rejectUpgrade(socket, 400, `invalid channel ID: stream id "${streamId}"`);
    const options = pushOptions(new URL(req.url ?? '/', 'http://localhost'));
    if ('error' in options) return rejectUpgrade(socket, 400, options.error);
    const identity = authorized.identity;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.connections.add(new PushConnection(ws, this.node, this.service, identity, streamId, options, (c) => this.connections.delete(c)));
    });
  }

  /** Closes the endpoint and every open push socket (1001 "going away"). */
  close(): void {
    this.node.off('credentialsEnded', this.onCredentialsEnded);
    for (const connection of [...this.connections]) connection.shutdown(1001, 'shutdown');
    this.wss.close();
  }
}
