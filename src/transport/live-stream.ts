// The unidirectional Live transports with bidirectional emulation, as centrifuge-js uses them when a
// WebSocket cannot be had (a proxy that blocks or buffers upgrades):
//
//   POST /api/live/http_stream   body: the client's first commands (its connect), JSON lines or —
//                                with Content-Type application/octet-stream — protobuf; the answer
//                                is a stream of replies in the same codec.
//   GET  /api/live/sse?cf_connect=<JSON command>   an EventSource stream of JSON replies.
//
// Later commands arrive through POST /api/live/emulation (emulation-endpoint.ts) with the session id
// and node id of the connect reply. Admission is the WebSocket's (live-admission.ts: credential,
// Origin, unauthenticated caps); limits too: message_size_limit for the first commands, the command
// rate, max_connections, client_queue_max_size (3008), pings and pong/connect deadlines — a session
// is a ClientSession on a StreamClientTransport.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { BodyError, readBody, sendMessage } from '../http/respond.js';
import type { RouteContext } from '../http/router.js';
import { ClientSession, type SessionLimits, type TransportName } from '../live/client.js';
import type { LiveNode } from '../live/node.js';
import { Disconnects } from '../protocol/codes.js';
import type { ProtocolCodec } from '../protocol/codec.js';
import { JSON_CODEC } from '../protocol/json-codec.js';
import type { Framing } from '../protocol/outbound-message.js';
import { PROTOBUF_CODEC } from '../protocol/protobuf/protobuf-codec.js';
import { corsHeaders } from './cors.js';
import type { EmulationSessions } from './emulation-sessions.js';
import { openSession, sessionLimits, type LiveEndpointOptions, type LiveRequestAdmission } from './live-admission.js';
import { LINE_FRAMING, SSE_FRAMING, StreamClientTransport } from './stream-transport.js';

/** The query parameter of an SSE request that carries the client's connect command (Centrifuge's name). */
export const SSE_CONNECT_PARAM = 'cf_connect';

/** Proxies must pass a stream through as it is written (nginx: X-Accel-Buffering), and never cache it. */
const STREAM_HEADERS: Record<string, string> = {
  'Cache-Control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  Pragma: 'no-cache',
  Expires: '0',
  'X-Accel-Buffering': 'no',
};

export function isProtobufBody(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/octet-stream';
}

export class LiveStreamEndpoint {
  private readonly limits: SessionLimits;
  private readonly messageSizeLimit: number;

  constructor(
    private readonly node: LiveNode,
    private readonly auth: RequestAuthenticator,
    private readonly admission: LiveRequestAdmission,
    private readonly sessions: EmulationSessions,
    options: LiveEndpointOptions,
  ) {
    this.limits = sessionLimits(options);
    this.messageSizeLimit = options.messageSizeLimit < 0 ? Infinity : options.messageSizeLimit;
  }

  /** POST /api/live/http_stream */
  readonly httpStream = async ({ req, res }: RouteContext): Promise<void> => {
    const protobuf = isProtobufBody(req);
    let body: Buffer;
    try {
      body = await readBody(req, this.messageSizeLimit);
    } catch (err) {
      if (err instanceof BodyError) return sendMessage(res, err.status, err.message, corsHeaders(req, this.admission.origins));
      throw err;
    }
    if (body.length === 0) return sendMessage(res, 400, 'no connect command in the request body', corsHeaders(req, this.admission.origins));
    await this.start(req, res, 'http_stream', protobuf ? PROTOBUF_CODEC : JSON_CODEC, LINE_FRAMING, protobuf ? body : body.toString('utf8'));
  };

  /** GET /api/live/sse */
  readonly sse = async ({ req, res, url }: RouteContext): Promise<void> => {
    const cors = corsHeaders(req, this.admission.origins);
    if (url.searchParams.get('cf_protocol') === 'protobuf') return sendMessage(res, 400, 'SSE carries JSON only: use http_stream for protobuf', cors);
    const connect = url.searchParams.get(SSE_CONNECT_PARAM);
    if (connect === null || connect === '') return sendMessage(res, 400, `no connect command: the ${SSE_CONNECT_PARAM} query parameter is missing`, cors);
    if (Buffer.byteLength(connect) > this.messageSizeLimit) return sendMessage(res, 413, `connect command over ${this.messageSizeLimit} bytes ([live] message_size_limit)`, cors);
    await this.start(req, res, 'sse', JSON_CODEC, SSE_FRAMING, connect);
  };

  private async start(req: IncomingMessage, res: ServerResponse, name: TransportName, codec: ProtocolCodec, framing: Framing, commands: string | Buffer): Promise<void> {
    const cors = corsHeaders(req, this.admission.origins);
    const admission = await this.admission.admit(req);
    // The client may have gone while a JWT waited for its keys (the request itself is done: its body was read).
    if (res.destroyed || res.socket === null || res.socket.destroyed) return;
    if (!admission.ok) {
      const headers: Record<string, string> = { ...cors };
      if (admission.retryAfterSeconds !== undefined) headers['Retry-After'] = String(admission.retryAfterSeconds);
      return sendMessage(res, admission.status, admission.message, headers);
    }
    const id = this.sessions.newId();
    const transport = new StreamClientTransport(res, name, codec, framing, id);
    const session = new ClientSession(this.node, transport, admission.identity, this.auth, this.limits);
    res.writeHead(200, {
      ...STREAM_HEADERS,
      ...cors,
      'Content-Type': name === 'sse' ? 'text/event-stream; charset=utf-8' : codec.binary ? 'application/octet-stream' : 'application/json',
      ...(req.httpVersionMajor === 1 ? { Connection: 'keep-alive' } : {}),
    });
    res.flushHeaders();
    this.sessions.add(id, session);
    res.on('close', () => {
      this.sessions.remove(id);
      // The client went away (or the socket broke): nothing can be written any more.
      if (!transport.endedByServer) session.onTransportClosed(Disconnects.connectionClosed.code);
    });
    if (!openSession(this.node, session, admission.unauthenticatedFrom)) return;
    if (typeof commands === 'string') session.onMessage(commands);
    else session.onBinary(commands);
  }
}
