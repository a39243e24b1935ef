// GET /api/live/push/:streamId upgraded (Telegraf outputs.websocket): every inbound message, text or
// binary, is one line-protocol batch handled like an HTTP push, in arrival order. A rejected batch is
// answered with a text message `{"error":{"status","message"}}` and the connection stays open. The
// server pings every ping_interval; ANY inbound message or pong extends the read deadline (Grafana
// only counts pongs, cutting senders that never read, #60905).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Identity } from '../../auth/identity.js';
import type { RequestAuthenticator } from '../../http/auth-port.js';
import type { KeepaliveTarget } from '../../live/keepalive.js';
import type { LiveNode } from '../../live/node.js';
import type { Logger } from '../../log/logger.js';
import type { OriginChecker } from '../../transport/origin.js';
import { rejectUpgrade } from '../../transport/reject.js';
import { authorizePush } from './push-auth.js';
import { pushOptions } from './push-params.js';
import { validStreamId, type PushOptions, type PushService } from './push-service.js';

/** Inbound message limit of the push socket (Grafana: 1 MiB). */
export const PUSH_SOCKET_MAX_MESSAGE = 1024 * 1024;

class PushConnection implements KeepaliveTarget {
  keepaliveSlot = -1;
  private lastActivity = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly node: LiveNode,
    private readonly service: PushService,
    private readonly identity: Identity,
    private readonly streamId: string,
    private readonly options: PushOptions,
  ) {
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.onBatch(toBuffer(data)));
    ws.on('pong', () => this.touch());
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
    this.node.keepalive.schedule(this, Date.now() + this.node.options.pingIntervalMs);
  }

  private touch(): void {
    this.lastActivity = Date.now();
  }

  private onBatch(body: Buffer): void {
    this.touch();
    // Batches are published in arrival order, one at a time.
    this.queue = this.queue.then(async () => {
      const outcome = await this.service.push(this.identity, this.streamId, body, this.options);
      if (!outcome.ok && this.ws.readyState === 1) {
        this.ws.send(JSON.stringify({ error: { status: outcome.status, message: outcome.message } }));
      }
    });
  }

  onKeepaliveDue(now: number): void {
    if (this.closed) return;
    const interval = this.node.options.pingIntervalMs;
    // Grafana's read deadline: ping interval × 10/9, counted from the last sign of life.
    if (now - this.lastActivity > (interval * 10) / 9 + this.node.options.pongTimeoutMs) {
      this.ws.terminate();
      return this.close();
    }
    this.ws.ping();
    this.node.keepalive.schedule(this, now + interval);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.node.keepalive.cancel(this);
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

  constructor(
    private readonly node: LiveNode,
    private readonly service: PushService,
    private readonly auth: RequestAuthenticator,
    private readonly origins: OriginChecker,
    private readonly log: Logger,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, streamId: string): void {
    const authorized = authorizePush(this.auth, req);
    if (!authorized.ok) return rejectUpgrade(socket, authorized.status, authorized.message);
    if (!this.origins.allowed(req.headers.origin, req.headers.host)) {
      this.log.warn('Request Origin is not authorized', { origin: req.headers.origin ?? '', host: req.headers.host ?? '' });
      return rejectUpgrade(socket, 403, 'Request Origin is not authorized');
    }
    if (this.node.options.maxConnections === 0) return rejectUpgrade(socket, 503, 'Live is disabled');
    if (!validStreamId(streamId)) return rejectUpgrade(socket, 400, `invalid channel ID: stream id "${streamId}"`);
    const options = pushOptions(new URL(req.url ?? '/', 'http://localhost'));
    if ('error' in options) return rejectUpgrade(socket, 400, options.error);
    const identity = authorized.identity;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      new PushConnection(ws, this.node, this.service, identity, streamId, options);
    });
  }

  close(): void {
    this.wss.close();
  }
}
