// GET /api/live/ws: authenticate the upgrade, check its Origin, upgrade without compression or
// subprotocol (JSON only), enforce the inbound size limit (ws closes 1009), and hand the socket to a
// ClientSession with its abuse limits (command rate → 3013). Identity is taken from the HTTP
// request; a connect token may supply or replace it.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { ClientSession, type SessionLimits } from '../live/client.js';
import type { LiveNode } from '../live/node.js';
import type { RateLimit } from '../live/rate-limit.js';
import { Disconnects } from '../protocol/codes.js';
import type { OriginChecker } from './origin.js';
import { rejectUpgrade } from './reject.js';
import { WsClientTransport } from './ws-transport.js';

export interface LiveWebSocketOptions {
  /** [live] message_size_limit; -1 = unlimited. */
  readonly messageSizeLimit: number;
  /** [live] client_command_rate / client_command_burst (rate 0 = unlimited). */
  readonly commandRate?: RateLimit;
}

export class LiveWebSocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly limits: SessionLimits;

  constructor(
    private readonly node: LiveNode,
    private readonly auth: RequestAuthenticator,
    private readonly origins: OriginChecker,
    options: LiveWebSocketOptions,
  ) {
    this.limits = options.commandRate !== undefined ? { commandRate: options.commandRate } : {};
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.messageSizeLimit < 0 ? 0 : options.messageSizeLimit,
      // JSON only: never select a subprotocol (a client insisting on centrifuge-protobuf then fails).
      handleProtocols: () => false,
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const outcome = this.auth.authenticateRequest(req);
    if (!outcome.ok && outcome.reason !== 'missing') return rejectUpgrade(socket, 401, 'Unauthorized');
    const origin = req.headers.origin;
    const explicitCredential = outcome.ok && outcome.credential !== 'none';
    if (!this.origins.allowed(origin, req.headers.host, explicitCredential)) {
      this.node.log.warn('Request Origin is not authorized', {
        origin: origin ?? '',
        host: req.headers.host ?? '',
        appUrl: this.origins.policy.rootUrl,
        allowedOrigins: this.origins.policy.allowedOrigins.join(','),
      });
      this.node.counters.originRejections++;
      return rejectUpgrade(socket, 403, 'Request Origin is not authorized');
    }
    const identity = outcome.ok ? outcome.identity : undefined;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, identity));
  }

  private accept(ws: WebSocket, identity: ClientSession['identity'] | undefined): void {
    const session = new ClientSession(this.node, new WsClientTransport(ws), identity, this.auth, this.limits);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return session.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
      session.onMessage(data.toString());
    });
    ws.on('close', (code) => session.onTransportClosed(code));
    ws.on('error', (err) => {
      this.node.log.debug('websocket error', { client: session.clientId, error: err });
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.node.log.warn('closing client: message too big', { client: session.clientId, limit: this.wss.options.maxPayload });
      }
    });
    if (this.node.options.maxConnections === 0) {
      // Live is disabled: 3504 is terminal for centrifuge-js, so clients stop retrying.
      return session.disconnect(Disconnects.connectionLimit.code, 'Live is disabled');
    }
    session.open();
  }

  close(): void {
    this.wss.close();
  }
}
