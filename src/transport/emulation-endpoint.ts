// POST /api/live/emulation: the commands of an HTTP-streaming or SSE session (centrifuge-js sends
// every command after connect here, pongs included). The body names the session and the node that
// holds it, as the connect reply gave them:
//
//   JSON      {"session": "<id>", "node": "<node id>", "data": "<the commands, JSON lines>"}
//   protobuf  EmulationRequest{node, session, data} with Content-Type application/octet-stream
//
// Behind a load balancer the request may reach another node than the session's: it is then handed to
// that node through the engine (Cluster.askNode, op `live_emulation`: in Redis a message on that
// node's own channel) and answered once that node took the commands. Answers: 204 taken; 404 session
// (or its node) unknown — centrifuge-js then closes its stream and reconnects; 400 malformed; 413 data
// over [live] message_size_limit; 503 too many requests waiting for other nodes
// ([live] emulation_max_forwards). Replies to the commands travel on the session's stream, not here.
//
// The session id is a secret only the client holds (a random UUID, never shown to other clients), so
// it is what authorises a request; the Origin rule of the Live endpoints applies as well (a cross-site
// page cannot post commands into someone's session), and the router's CSRF guard before it.

import type { ServerResponse } from 'node:http';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { BodyError, readBody, sendEmpty, sendMessage } from '../http/respond.js';
import type { RouteContext } from '../http/router.js';
import type { LiveNode } from '../live/node.js';
import { pb } from '../protocol/protobuf/messages.js';
import { corsHeaders } from './cors.js';
import type { EmulationDelivery, EmulationSessions } from './emulation-sessions.js';
import { isProtobufBody } from './live-stream.js';
import type { OriginChecker } from './origin.js';

/** The survey operation other nodes answer with their local delivery. */
export const EMULATION_OP = 'live_emulation';
/** How long a request waits for the session's node (centrifuge-js times a command out after 5 s). */
const FORWARD_TIMEOUT_MS = 3_000;
/** JSON escaping may grow the commands text; the envelope's size is bounded by this many times the data limit. */
const JSON_ESCAPE_FACTOR = 6;
const ENVELOPE_OVERHEAD = 1024;

interface EmulationRequest {
  readonly session: string;
  readonly node: string;
  readonly data: string | Uint8Array;
}

export type EmulationOutcome = EmulationDelivery | 'forwarded' | 'unknown_node' | 'busy' | 'bad_request' | 'too_large' | 'forbidden';

export class EmulationCounters {
  /** Requests by outcome (`livehub_live_emulation_requests_total`). */
  readonly outcomes = new Map<EmulationOutcome, number>();
  /** Requests waiting for another node now. */
  pendingForwards = 0;

  count(outcome: EmulationOutcome): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }
}

/** The other node's answer to a forwarded request. */
interface ForwardPayload {
  readonly s: string;
  /** JSON commands... */
  readonly t?: string;
  /** ...or protobuf commands, base64. */
  readonly b?: string;
}

export interface EmulationEndpointOptions {
  /** [live] message_size_limit: the commands' bytes; -1 = unlimited. */
  readonly messageSizeLimit: number;
  /** [live] emulation_max_forwards: requests of this node waiting for another node at once. */
  readonly maxForwards: number;
}

export class EmulationEndpoint {
  readonly counters = new EmulationCounters();
  private readonly dataLimit: number;

  constructor(
    private readonly node: LiveNode,
    private readonly sessions: EmulationSessions,
    private readonly auth: RequestAuthenticator,
    private readonly origins: OriginChecker,
    private readonly options: EmulationEndpointOptions,
  ) {
    this.dataLimit = options.messageSizeLimit < 0 ? Infinity : options.messageSizeLimit;
    // Requests other nodes received for this node's sessions.
    node.onSurvey(EMULATION_OP, async (payload) => this.deliverForwarded(payload));
  }

  readonly route = async ({ req, res }: RouteContext): Promise<void> => {
    const cors = corsHeaders(req, this.origins);
    if (!this.origins.allowed(req.headers.origin, req.headers.host, this.auth.hasCredential(req))) {
      req.resume();
      return this.answer(res, 'forbidden', 403, 'Request Origin is not authorized', cors);
    }
    const protobuf = isProtobufBody(req);
    let request: EmulationRequest | string;
    try {
      request = parse(await readBody(req, this.envelopeLimit(protobuf)), protobuf);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      return this.answer(res, err.status === 413 ? 'too_large' : 'bad_request', err.status, err.message, cors);
    }
    if (typeof request === 'string') return this.answer(res, 'bad_request', 400, request, cors);
    const size = typeof request.data === 'string' ? Buffer.byteLength(request.data) : request.data.length;
    if (size > this.dataLimit) return this.answer(res, 'too_large', 413, `commands over ${this.dataLimit} bytes ([live] message_size_limit)`, cors);
    if (request.node === this.node.nodeId) return this.answerDelivery(res, this.sessions.deliver(request.session, request.data), cors);
    await this.forward(res, request, cors);
  };

  private envelopeLimit(protobuf: boolean): number {
    if (this.dataLimit === Infinity) return Infinity;
    return (protobuf ? this.dataLimit : this.dataLimit * JSON_ESCAPE_FACTOR) + ENVELOPE_OVERHEAD;
  }

  /** Hands the request to the node holding the session and answers with what became of it. */
  private async forward(res: ServerResponse, request: EmulationRequest, cors: Record<string, string>): Promise<void> {
    if (this.counters.pendingForwards >= this.options.maxForwards) {
      this.node.log.limited('warn', 'emulation-busy', 'too many emulation requests waiting for other nodes, increase emulation_max_forwards in [live] configuration section', { limit: this.options.maxForwards });
      return this.answer(res, 'busy', 503, 'too many emulation requests waiting for other nodes', { ...cors, 'Retry-After': '1' });
    }
    const payload: ForwardPayload = typeof request.data === 'string'
      ? { s: request.session, t: request.data }
      : { s: request.session, b: Buffer.from(request.data).toString('base64') };
    this.counters.pendingForwards++;
    let answer: string | undefined;
    try {
      answer = await this.node.askNode(request.node, EMULATION_OP, JSON.stringify(payload), FORWARD_TIMEOUT_MS);
    } finally {
      this.counters.pendingForwards--;
    }
    if (answer === undefined) return this.answer(res, 'unknown_node', 404, 'the session\'s node is not known or did not answer', cors);
    return this.answerDelivery(res, answer as EmulationDelivery, cors, 'forwarded');
  }

  /** Another node's request for one of this node's sessions: the delivery outcome is the answer. */
  private deliverForwarded(payload: string): string {
    const forwarded = JSON.parse(payload) as ForwardPayload;
    const data = forwarded.t ?? Buffer.from(forwarded.b ?? '', 'base64');
    return this.sessions.deliver(forwarded.s, data);
  }

  /** 204 when the session took the commands (counted as `taken`: here, or forwarded to its node). */
  private answerDelivery(res: ServerResponse, delivery: EmulationDelivery, cors: Record<string, string>, taken: 'delivered' | 'forwarded' = 'delivered'): void {
    if (delivery === 'delivered') {
      this.counters.count(taken);
      for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
      return sendEmpty(res, 204);
    }
    if (delivery === 'wrong_codec') return this.answer(res, delivery, 400, 'the commands are not in the session\'s codec', cors);
    return this.answer(res, delivery, 404, 'session not found', cors);
  }

  private answer(res: ServerResponse, outcome: EmulationOutcome, status: number, message: string, cors: Record<string, string>): void {
    this.counters.count(outcome);
    sendMessage(res, status, message, cors);
  }
}

/** The request, or what is wrong with it. */
function parse(body: Buffer, protobuf: boolean): EmulationRequest | string {
  if (protobuf) {
    try {
      const request = pb.EmulationRequest.decode(body);
      return { session: request.session ?? '', node: request.node ?? '', data: request.data ?? new Uint8Array(0) };
    } catch {
      return 'malformed EmulationRequest';
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'the body is not JSON';
  }
  if (typeof value !== 'object' || value === null) return 'the body must be an object';
  const { session, node, data } = value as Record<string, unknown>;
  if (typeof session !== 'string' || typeof node !== 'string' || typeof data !== 'string') return 'session, node and data must be strings';
  return { session, node, data };
}
