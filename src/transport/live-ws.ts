// GET /api/live/ws: authenticate the upgrade, check its Origin and, for a socket without a
// credential, the per-address cap of unauthenticated connections (HTTP 429), upgrade without
// compression, enforce the inbound size limit (ws closes 1009), and hand the socket to a
// ClientSession with its abuse limits (command rate → 3013). Identity is taken from the HTTP request;
// a connect token may supply or replace it. The codec is JSON (text frames) unless the client asks
// for protobuf (binary frames) as Centrifuge defines it: the subprotocol `centrifuge-protobuf`
// (centrifuge-js's protobuf build) or `?format=protobuf`.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { ClientSession, PONG_TEXT, type SessionLimits } from '../live/client.js';
import { clientAddress } from '../live/admission.js';
import type { LiveNode } from '../live/node.js';
import type { RateLimit } from '../live/rate-limit.js';
import { Disconnects } from '../protocol/codes.js';
import { logRejectedOrigin, type OriginChecker } from './origin.js';
import { rejectUpgrade } from './reject.js';
import { RateLimitedLog } from '../log/logger.js';
import { destroyOnError } from './upgrade-router.js';
import { ProtobufWsClientTransport, WsClientTransport } from './ws-transport.js';

/** Retry-After of a 429: a legitimate client's pending socket is gone within a round trip. */
const RETRY_AFTER_SECONDS = 1;

export interface LiveWebSocketOptions {
  /** [live] message_size_limit; -1 = unlimited. */
  readonly messageSizeLimit: number;
  /** [live] client_command_rate / client_command_burst (rate 0 = unlimited). */
  readonly commandRate?: RateLimit;
  /** [server] max_json_depth for published data. */
  readonly maxJsonDepth?: number;
}

/**
 * The socket class the endpoint's WebSocketServer creates: a `ws` WebSocket with a slot for its
 * session. The message/close/error listeners are shared functions that find the session through
 * `this` (EventEmitter calls a listener with the emitter as `this`) instead of three closures and a
 * context per connection (~200 bytes of every idle connection; docs/performance.md "memory").
 */
class LiveSocket extends WebSocket {
  session: ClientSession | undefined = undefined;
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const session = (this as LiveSocket).session;
  if (session === undefined) return;
  // The session closes a connection whose messages do not match its codec (3501).
  if (isBinary) return session.onBinary(Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));
  // A pong (`{}`) is most of what an idle connection sends: no string is built for it.
  session.onMessage(isPong(data) ? PONG_TEXT : data.toString());
}

/** The subprotocols of Centrifuge's WebSocket handler; a client offering one gets it selected. */
export const PROTOBUF_SUBPROTOCOL = 'centrifuge-protobuf';
const JSON_SUBPROTOCOL = 'centrifuge-json';

/** Protobuf when the client offers `centrifuge-protobuf` or the URL says `format=protobuf`. */
function wantsProtobuf(req: IncomingMessage): boolean {
  const offered = req.headers['sec-websocket-protocol'];
  if (offered !== undefined && offered.split(',').some((p) => p.trim() === PROTOBUF_SUBPROTOCOL)) return true;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  return query >= 0 && new URLSearchParams(url.slice(query + 1)).get('format') === 'protobuf';
}

function isPong(data: RawData): boolean {
  return Buffer.isBuffer(data) && data.length === 2 && data[0] === 0x7b && data[1] === 0x7d;
}

/**
 * The TCP peer's address, without leaving Node's cache of it behind: reading `remoteAddress` keeps
 * a {address, family, port} object on the socket for its whole life (~100 bytes of every idle
 * connection, docs/performance.md "memory"), and nothing needs it after the upgrade. Deleting the
 * property added last reverts V8's map transition; should Node rename it, the delete does nothing.
 */
function peerAddress(socket: Socket): string | undefined {
  const address = socket.remoteAddress;
  delete (socket as unknown as { _peername?: unknown })._peername;
  return address;
}

function onClose(this: WebSocket, code: number): void {
  (this as LiveSocket).session?.onTransportClosed(code);
}

export class LiveWebSocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly limits: SessionLimits;
  /** Shared by all of this endpoint's sockets (see LiveSocket). */
  private readonly onError: (this: WebSocket, err: Error) => void;
  /** One "too many from this address" line per address and minute. */
  private readonly addressLog = new RateLimitedLog(60_000);

  constructor(
    private readonly node: LiveNode,
    private readonly auth: RequestAuthenticator,
    private readonly origins: OriginChecker,
    options: LiveWebSocketOptions,
  ) {
    this.limits = {
      ...(options.commandRate !== undefined ? { commandRate: options.commandRate } : {}),
      ...(options.maxJsonDepth !== undefined ? { maxJsonDepth: options.maxJsonDepth } : {}),
    };
    const maxPayload = options.messageSizeLimit < 0 ? 0 : options.messageSizeLimit;
    this.onError = function (this: WebSocket, err: Error): void {
      const session = (this as LiveSocket).session;
      if (session === undefined) return;
      node.log.debug('websocket error', { client: session.clientId, error: err });
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        node.log.limited('warn', 'message-too-big', 'closing client: message too big', { client: session.clientId, limit: maxPayload });
      }
    };
    this.wss = new WebSocketServer({
      WebSocket: LiveSocket,
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload,
      // Centrifuge's subprotocols are selected when offered (the codec follows wantsProtobuf); others never.
      handleProtocols: (offered: Set<string>) => (offered.has(PROTOBUF_SUBPROTOCOL) ? PROTOBUF_SUBPROTOCOL : offered.has(JSON_SUBPROTOCOL) ? JSON_SUBPROTOCOL : false),
    });
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const outcome = await this.auth.authenticateRequest(req);
    // The client may have gone while a JWT waited for its keys.
    if (socket.destroyed) return;
    if (!outcome.ok && outcome.reason !== 'missing') return rejectUpgrade(socket, 401, 'Unauthorized');
    const origin = req.headers.origin;
    const explicitCredential = outcome.ok && outcome.credential !== 'none';
    if (!this.origins.allowed(origin, req.headers.host, explicitCredential)) {
      logRejectedOrigin(this.node.log, this.origins.policy, origin, req.headers.host);
      this.node.counters.originRejections++;
      return rejectUpgrade(socket, 403, 'Request Origin is not authorized');
    }
    const identity = outcome.ok ? outcome.identity : undefined;
    // No credential in the request (anonymous, or none): unauthenticated until a connect token says otherwise.
    const unauthenticatedFrom = explicitCredential ? undefined : clientAddress(peerAddress(req.socket));
    if (unauthenticatedFrom !== undefined && !this.node.unauthenticated.admitsPendingFrom(unauthenticatedFrom)) {
      if (this.addressLog.shouldLog(unauthenticatedFrom)) {
        this.node.log.warn('too many unauthenticated Live connections from one address, increase max_unauthenticated_connections_per_ip in [live] configuration section', {
          address: unauthenticatedFrom,
          limit: this.node.unauthenticated.maxPendingPerAddress,
        });
      }
      return rejectUpgrade(socket, 429, 'too many unauthenticated connections from this address', RETRY_AFTER_SECONDS);
    }
    const protobuf = wantsProtobuf(req);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      // ws now owns the socket's errors (it destroys the socket itself): drop the router's listener,
      // which would otherwise turn the socket's 'error' listeners into an array for its whole life.
      socket.removeListener('error', destroyOnError);
      this.accept(ws as LiveSocket, identity, unauthenticatedFrom, protobuf);
    });
  }

  private accept(ws: LiveSocket, identity: ClientSession['identity'] | undefined, unauthenticatedFrom: string | undefined, protobuf: boolean): void {
    const transport = protobuf ? new ProtobufWsClientTransport(ws) : new WsClientTransport(ws);
    const session = new ClientSession(this.node, transport, identity, this.auth, this.limits);
    ws.session = session;
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', this.onError);
    if (this.node.options.maxConnections === 0) {
      // Live is disabled: 3504 is terminal for centrifuge-js, so clients stop retrying.
      return session.disconnect(Disconnects.connectionLimit.code, 'Live is disabled');
    }
    session.open(unauthenticatedFrom);
  }

  close(): void {
    this.wss.close();
  }
}
