// GET /api/live/ws: authenticate the upgrade, check its Origin and, for a socket without a
// credential, the per-address cap of unauthenticated connections (HTTP 429), upgrade without
// compression, enforce the inbound size limit (ws closes 1009), and hand the socket to a
// ClientSession with its abuse limits (command rate → 3013). Identity is taken from the HTTP request;
// a connect token may supply or replace it. The codec is JSON (text frames) unless the client asks
// for protobuf (binary frames) as Centrifuge defines it: the subprotocol `centrifuge-protobuf`
// (centrifuge-js's protobuf build) or `?format=protobuf`.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { ClientSession, PONG_TEXT, type SessionLimits } from '../live/client.js';
import type { LiveNode } from '../live/node.js';
import { openSession, sessionLimits, type LiveEndpointOptions, type LiveRequestAdmission } from './live-admission.js';
import { rejectUpgrade } from './reject.js';
import { destroyOnError } from './upgrade-router.js';
import { ProtobufWsClientTransport, WsClientTransport } from './ws-transport.js';

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

function onClose(this: WebSocket, code: number): void {
  (this as LiveSocket).session?.onTransportClosed(code);
}

export class LiveWebSocketEndpoint {
  private readonly wss: WebSocketServer;
  private readonly limits: SessionLimits;
  /** Shared by all of this endpoint's sockets (see LiveSocket). */
  private readonly onError: (this: WebSocket, err: Error) => void;

  constructor(
    private readonly node: LiveNode,
    private readonly auth: RequestAuthenticator,
    private readonly admission: LiveRequestAdmission,
    options: LiveEndpointOptions,
  ) {
    this.limits = sessionLimits(options);
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
    const admission = await this.admission.admit(req);
    // The client may have gone while a JWT waited for its keys.
    if (socket.destroyed) return;
    if (!admission.ok) return rejectUpgrade(socket, admission.status, admission.message, admission.retryAfterSeconds);
    const { identity, unauthenticatedFrom } = admission;
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
    openSession(this.node, session, unauthenticatedFrom);
  }

  close(): void {
    this.wss.close();
  }
}
