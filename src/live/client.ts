// One client connection speaking Centrifuge protocol v2 — over a WebSocket, or an HTTP-streaming / SSE
// response with commands arriving through the emulation endpoint; in JSON or protobuf: its state machine (connecting ->
// connected -> closed), in-order command processing with connect first, keepalive (ping/pong), the
// credential's expiry (3005), the outbound queue limit, and the non-subscribe commands.
// Subscribe/unsubscribe live in subscribe-commands.ts, presence/history in presence-history-commands.ts.
// The session sees its node through SessionNodePort (session-port.ts) and its socket through
// ClientTransport, so it can be built without either (a unit test's fakes). Everything it writes is
// built by the transport's codec (protocol/codec.ts).

import { randomUUID } from 'node:crypto';
import type { Identity } from '../auth/identity.js';
import { EngineUnavailableError, type ClientInfo } from '../engine/engine.js';
import { Disconnects, Errors, type ProtocolError } from '../protocol/codes.js';
import type { ProtocolCodec } from '../protocol/codec.js';
import { decodeCommands, type Command, type DecodeResult, type PublishRequest } from '../protocol/commands.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../protocol/json-text.js';
import type { OutboundMessage } from '../protocol/outbound-message.js';
import { countDelimited, decodeProtobufCommands, isProtobufPong } from '../protocol/protobuf/commands.js';
import type { SharedPush } from '../protocol/shared-push.js';
import { ANONYMOUS_SESSION } from './admission.js';
import { flattenString, type Subscription } from './channel-subscription.js';
import { engineError } from './engine-error.js';
import type { KeepaliveTarget } from './keepalive.js';
import { handleHistory, handlePresence, handlePresenceStats, type ReadingSession } from './presence-history-commands.js';
import { countCommands, limited, takeTokens, type RateLimit } from './rate-limit.js';
import type { NodeClient, SessionNodePort } from './session-port.js';
import { SessionSubscriptions } from './session-subscriptions.js';
import { handleSubscribe, handleUnsubscribe, removeAllSubscriptions, removeSubscription, type SubscribingSession } from './subscribe-commands.js';

/** How a client is connected (metrics, the console's clients view). */
export type TransportName = 'websocket' | 'http_stream' | 'sse';

/** What the session needs from the socket. */
export interface ClientTransport {
  readonly name: TransportName;
  /** The codec of everything written to and read from this transport. */
  readonly codec: ProtocolCodec;
  /**
   * Emulation transports (HTTP-streaming, SSE) only: the secret session id the client sends its
   * commands with (POST /api/live/emulation); the connect reply carries it with the node id.
   */
  readonly emulationSession?: string;
  write(message: OutboundMessage): void;
  /** Bytes written but not yet flushed to the kernel. */
  readonly bufferedBytes: number;
  close(code: number, reason: string): void;
}

export type TokenCheck =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'expired'; readonly message: string };

/** Asynchronous: a JWT may wait for the keys of `[auth.jwt] jwk_set_url`. */
export interface TokenVerifier {
  authenticateToken(token: string): Promise<TokenCheck>;
}

/** Abuse limits of one connection (configured per endpoint). */
export interface SessionLimits {
  /** [live] client_command_rate / client_command_burst; absent or rate 0 = unlimited. */
  readonly commandRate?: RateLimit;
  /** Commands decoded but not yet run; a client that piles up more is closed with 3013. */
  readonly maxQueuedCommands?: number;
  /** [server] max_json_depth: deeper published data is answered 400 (default DEFAULT_MAX_JSON_DEPTH). */
  readonly maxJsonDepth?: number;
}

/** Commands may wait behind a slow handler; beyond this many the client is flooding. */
export const DEFAULT_MAX_QUEUED_COMMANDS = 1024;

type State = 'connecting' | 'connected' | 'closed';

/** A client's refresh should arrive before its credential expires: it is asked this much earlier... */
const MIN_REFRESH_LEAD_MS = 1000;
/** ...a tenth of the remaining lifetime, but never more than a minute. */
const MAX_REFRESH_LEAD_MS = 60_000;

/**
 * The `ttl` of a connect/refresh reply: seconds after which centrifuge-js fetches a new token
 * (getToken) and sends `refresh`. livehub closes the session when the credential expires (no grace
 * period, unlike Centrifuge's 25 s), so the client is asked to refresh ahead of the expiry; at least
 * 1 s, so a client handed an almost expired token does not refresh in a loop.
 */
export function refreshTtlSeconds(expiresAt: number, now: number): number {
  const remaining = expiresAt - now;
  const lead = Math.min(MAX_REFRESH_LEAD_MS, Math.max(MIN_REFRESH_LEAD_MS, remaining / 10));
  return Math.max(1, Math.floor((remaining - lead) / 1000));
}

/** The client's answer to a ping: an empty command. */
export const PONG_TEXT = '{}';
const NO_LIMITS: SessionLimits = {};

// Memory per idle connection matters (thousands of sessions per node; docs/performance.md "memory"),
// so a session is a flat object: no per-session closures, the rate limiter's state is one number,
// the command queue exists only while commands wait, and subscriptions sit in a small array.
export class ClientSession implements NodeClient, SubscribingSession, ReadingSession, KeepaliveTarget {
  // randomUUID() returns a tree of cons strings (~490 bytes) until its characters are read once.
  readonly clientId = flattenString(randomUUID());
  keepaliveSlot = -1;
  readonly subscriptions = new SessionSubscriptions();
  private state: State = 'connecting';
  private currentIdentity: Identity | undefined;
  private clientInfo: ClientInfo | undefined;
  /** Commands decoded but not yet run; undefined when none wait (an idle session keeps no array). */
  private queue: Command[] | undefined;
  private processing = false;
  private awaitingPong = false;
  /** Next ping, or while a pong is awaited its deadline (the next ping follows from it). */
  private keepaliveAt = 0;
  /** Command rate limiter state: when the token bucket is full again (rate-limit.ts; 0 = full). */
  private bucketFullAt = 0;
  /**
   * How the socket counts against the caps of unauthenticated connections (admission.ts): its client
   * address while it has no credential and has not connected, ANONYMOUS_SESSION once connected
   * without one, undefined when it has a credential (not counted).
   */
  private admissionKey: string | undefined = undefined;

  constructor(
    readonly node: SessionNodePort,
    private readonly transport: ClientTransport,
    identity: Identity | undefined,
    private readonly tokens: TokenVerifier,
    /** Shared by every session of an endpoint. */
    private readonly limits: SessionLimits = NO_LIMITS,
  ) {
    this.currentIdentity = identity;
  }

  get userId(): string | undefined {
    return this.currentIdentity?.userId;
  }

  get identity(): Identity {
    if (this.currentIdentity === undefined) throw new Error('session has no identity yet');
    return this.currentIdentity;
  }

  get info(): ClientInfo {
    this.clientInfo ??= { user: this.identity.userId, client: this.clientId };
    return this.clientInfo;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  get credentialId(): string | undefined {
    return this.currentIdentity?.credentialId;
  }

  /**
   * Registers with the node; closes with 3504 when max_connections is reached or, for a socket
   * without a credential (`unauthenticatedFrom`: its client address), when the node's cap of
   * unauthenticated connections is.
   */
  open(unauthenticatedFrom?: string): boolean {
    const outcome = this.node.addClient(this, unauthenticatedFrom);
    if (outcome === 'added') {
      this.admissionKey = unauthenticatedFrom;
      this.scheduleKeepalive(Date.now() + this.node.options.connectTimeoutMs);
      return true;
    }
    if (outcome === 'unauthenticatedLimit') {
      // An abuse limit a flood hits thousands of times: one line per [log] repeat_interval.
      if (!this.node.isClosing) {
        this.node.log.limited('warn', 'unauthenticated-limit', 'Max number of unauthenticated Live connections reached, increase max_unauthenticated_connections in [live] configuration section', {
          client: this.clientId,
          limit: this.node.unauthenticated.maxTotal,
        });
      }
    } else if (!this.node.isClosing) {
      this.node.log.limited('warn', 'max-connections', 'Max number of Live connections reached, increase max_connections in [live] configuration section', {
        user: this.currentIdentity?.userId ?? '',
        client: this.clientId,
        limit: this.node.options.maxConnections,
      });
    }
    this.closeWith(Disconnects.connectionLimit.code, Disconnects.connectionLimit.reason, false);
    return false;
  }

  // ---- inbound -------------------------------------------------------------------------------

  /** A JSON message (a WebSocket text message, a JSON stream's commands). */
  onMessage(text: string): void {
    if (this.state === 'closed') return;
    if (this.transport.codec.binary) return this.badMessage('text message on a protobuf connection');
    // Counted before decoding, so a flood costs a newline scan, not JSON parsing.
    if (!this.admitCommands(text, countCommands)) return;
    // The pong of an idle connection with nothing queued before it is handled right here: no
    // decoding, no queue, no promise. A node with 20,000 idle connections gets ~800 a second; that
    // garbage alone kept V8's allocation rate above the point where it releases the idle half of
    // its young generation (16 MiB of RSS; docs/performance.md, "memory").
    if (text === PONG_TEXT && this.queue === undefined && !this.processing) return this.onPong();
    this.enqueue(decodeCommands(text));
  }

  /** A protobuf message: varint-length-delimited Commands (a WebSocket binary message, a stream's commands). */
  onBinary(bytes: Uint8Array): void {
    if (this.state === 'closed') return;
    if (!this.transport.codec.binary) return this.badMessage('binary message on a JSON connection');
    // The length prefixes alone say how many commands there are.
    if (!this.admitCommands(bytes, countDelimited)) return;
    if (isProtobufPong(bytes) && this.queue === undefined && !this.processing) return this.onPong();
    this.enqueue(decodeProtobufCommands(bytes));
  }

  /** The command rate limit; false when the session was closed for exceeding it. */
  private admitCommands<T>(message: T, count: (message: T) => number): boolean {
    const rate = this.limits.commandRate;
    if (!limited(rate)) return true;
    const fullAt = takeTokens(rate, this.bucketFullAt, performance.now(), Math.max(1, count(message)));
    if (Number.isNaN(fullAt)) {
      this.tooManyRequests('command rate exceeded', { rate: rate.ratePerSecond, burst: rate.burst });
      return false;
    }
    this.bucketFullAt = fullAt;
    return true;
  }

  private badMessage(error: string): void {
    this.node.log.limited('info', 'bad-message', 'bad client message', { client: this.clientId, error });
    this.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
  }

  private enqueue(decoded: DecodeResult): void {
    if (!decoded.ok) return this.badMessage(decoded.error);
    const queue = this.queue;
    const waiting = queue === undefined ? 0 : queue.length;
    const maxQueued = this.limits.maxQueuedCommands ?? DEFAULT_MAX_QUEUED_COMMANDS;
    if (waiting + decoded.commands.length > maxQueued) {
      return this.tooManyRequests('too many commands waiting', { queued: waiting + decoded.commands.length, limit: maxQueued });
    }
    // The decoder's fresh array becomes the queue when none waits (no copy, no array kept afterwards).
    if (queue === undefined) this.queue = decoded.commands;
    // A loop, not push(...commands): an unlimited message may hold more commands than a call takes arguments.
    else for (const command of decoded.commands) queue.push(command);
    if (!this.processing) void this.drain();
  }

  private tooManyRequests(why: string, details: Record<string, unknown>): void {
    // A flood repeats this thousands of times: one line per reason and [log] repeat_interval.
    this.node.log.limited('warn', `closing client: ${why}`, `closing client: ${why}`, { client: this.clientId, user: this.currentIdentity?.userId ?? '', ...details });
    this.disconnect(Disconnects.tooManyRequests.code, Disconnects.tooManyRequests.reason);
  }

  /** Commands run one at a time, in arrival order, so connect always precedes what follows it. */
  private async drain(): Promise<void> {
    this.processing = true;
    try {
      for (let queue = this.queue; queue !== undefined && queue.length > 0 && this.state !== 'closed'; queue = this.queue) {
        const command = queue.shift()!;
        // Emptied: drop the array (its backing store would stay allocated for the connection's life).
        if (queue.length === 0) this.queue = undefined;
        try {
          await this.dispatch(command);
        } catch (err) {
          this.node.log.error('command failed', { client: this.clientId, method: command.method, error: err });
          if (command.id > 0) this.replyError(command.id, engineError(err));
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private async dispatch(command: Command): Promise<void> {
    if (command.method === 'pong') return this.onPong();
    if (this.state === 'connecting') {
      if (command.method !== 'connect') return this.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
      return this.connect(command.id, command.params.token);
    }
    switch (command.method) {
      case 'connect':
        return this.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
      case 'send':
        return this.onSend(command.params.data);
      case 'refresh':
        return this.refresh(command.id, command.params.token);
      case 'ping':
        return this.replyError(command.id, Errors.notAvailable);
      case 'unsubscribe':
        return handleUnsubscribe(this, command.id, command.params.channel);
      default:
    }
    if (this.expiredReply(command.id)) return;
    switch (command.method) {
      case 'subscribe':
        return handleSubscribe(this, command.id, command.params);
      case 'publish':
        return this.publish(command.id, command.params);
      case 'presence':
        return handlePresence(this, command.id, command.params.channel);
      case 'presence_stats':
        return handlePresenceStats(this, command.id, command.params.channel);
      case 'history':
        return handleHistory(this, command.id, command.params);
      case 'rpc':
        return this.rpc(command.id, command.params.method, command.params.data);
      case 'sub_refresh':
        // Subscription tokens are not used: subscriptions never expire client-side.
        return this.replyError(command.id, Errors.notAvailable);
    }
  }

  // ---- connect, refresh, expiry --------------------------------------------------------------

  private async connect(id: number, token: string | undefined): Promise<void> {
    // Only a credential the client sent in `connect` is one it can refresh (centrifuge-js getToken);
    // one from the upgrade request (header, auth_token) is renewed by reconnecting, so its expiry is
    // handled server-side: no expires/ttl in the reply, close 3005 at expiry.
    let refreshable = false;
    if (token !== undefined) {
      // Later commands wait in the queue meanwhile (drain awaits this), so connect still comes first.
      const check = await this.tokens.authenticateToken(token);
      if (this.state === 'closed') return;
      if (!check.ok) {
        if (check.reason === 'expired') {
          this.replyError(id, Errors.tokenExpired);
          return this.disconnect(Disconnects.expired.code, Disconnects.expired.reason);
        }
        return this.disconnect(Disconnects.invalidToken.code, Disconnects.invalidToken.reason);
      }
      this.currentIdentity = check.identity;
      refreshable = true;
    }
    if (this.currentIdentity === undefined) {
      this.replyError(id, Errors.unauthorized);
      return this.disconnect(Disconnects.invalidToken.code, Disconnects.invalidToken.reason);
    }
    const now = Date.now();
    const expiresAt = this.currentIdentity.expiresAt;
    if (expiresAt !== undefined && now >= expiresAt) {
      // The upgrade's credential expired before the client sent connect.
      this.replyError(id, Errors.tokenExpired);
      return this.disconnect(Disconnects.expired.code, Disconnects.expired.reason);
    }
    this.state = 'connected';
    this.settleAdmission();
    this.node.addUser(this.currentIdentity.userId);
    const opts = this.node.options;
    const session = this.transport.emulationSession;
    this.send(this.codec.connect(id, {
      client: this.clientId,
      version: opts.version,
      ...(refreshable && expiresAt !== undefined ? { ttl: refreshTtlSeconds(expiresAt, now) } : {}),
      ping: Math.max(1, Math.round(opts.pingIntervalMs / 1000)),
      pong: true,
      ...(session !== undefined ? { session, node: this.node.nodeId } : {}),
    }));
    // First ping at a random point in [interval/2, interval) spreads pings of a reconnect storm.
    const interval = opts.pingIntervalMs;
    this.keepaliveAt = now + interval / 2 + Math.random() * (interval / 2);
    this.scheduleKeepalive(this.keepaliveAt);
  }

  private async refresh(id: number, token: string): Promise<void> {
    const check = await this.tokens.authenticateToken(token);
    if (this.state === 'closed') return;
    if (!check.ok) {
      if (check.reason === 'expired') return this.replyError(id, Errors.tokenExpired);
      return this.disconnect(Disconnects.invalidToken.code, Disconnects.invalidToken.reason);
    }
    if (check.identity.userId !== this.identity.userId || check.identity.orgId !== this.identity.orgId) {
      // A refresh may extend a session, never turn it into someone else's.
      return this.disconnect(Disconnects.invalidToken.code, Disconnects.invalidToken.reason);
    }
    // The new credential replaces the old one: its expiry, its role, its credential id (revocation).
    this.currentIdentity = check.identity;
    this.settleAdmission();
    this.scheduleKeepalive(this.keepaliveAt);
    const expiresAt = check.identity.expiresAt;
    this.send(this.codec.refresh(id, {
      client: this.clientId,
      version: this.node.options.version,
      ...(expiresAt !== undefined ? { ttl: refreshTtlSeconds(expiresAt, Date.now()) } : {}),
    }));
  }

  /** The credential expired without a refresh: close 3005 (centrifuge-js reconnects with a fresh session). */
  private expire(): void {
    this.node.log.debug('closing client: credential expired', { client: this.clientId, user: this.currentIdentity?.userId ?? '' });
    this.disconnect(Disconnects.expired.code, Disconnects.expired.reason);
  }

  /** A connected socket with a credential stops counting as unauthenticated; an anonymous one stops being pending. */
  private settleAdmission(): void {
    const key = this.admissionKey;
    if (key === undefined) return;
    if (this.currentIdentity !== undefined && this.currentIdentity.authMethod !== 'anonymous') return this.releaseAdmission();
    if (key === ANONYMOUS_SESSION) return;
    this.node.unauthenticated.connectedAnonymously(key);
    this.admissionKey = ANONYMOUS_SESSION;
  }

  private releaseAdmission(): void {
    if (this.admissionKey === undefined) return;
    this.node.unauthenticated.remove(this.admissionKey);
    this.admissionKey = undefined;
  }

  /** A session whose credential expired gets 110 and is closed with 3005 (the client reconnects). */
  expiredReply(id: number): boolean {
    const expiresAt = this.currentIdentity?.expiresAt;
    if (expiresAt === undefined || Date.now() < expiresAt) return false;
    this.replyError(id, Errors.expired);
    this.disconnect(Disconnects.expired.code, Disconnects.expired.reason);
    return true;
  }

  // ---- publish, rpc, send --------------------------------------------------------------------

  private async publish(id: number, { channel, data, rawData, depth }: PublishRequest): Promise<void> {
    if (channel === '') return this.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
    const resolved = this.node.resolve(this.identity, channel);
    if (!resolved.ok) return this.replyError(id, resolved.error);
    // Too deep for handlers and storage to walk safely: a bad request, not a temporary failure the
    // client would retry forever. What is published is `rawData`, the client's exact text.
    if (depth > (this.limits.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH)) return this.replyError(id, Errors.badRequest);
    let result;
    try {
      result = await resolved.handler.onPublish({ ...resolved, identity: this.identity, data, rawData });
    } catch (err) {
      // The broadcast handler stores the last message in the engine: during a Redis outage that is
      // a temporary error the client may retry, not a bug to log per publish.
      if (err instanceof EngineUnavailableError) return this.replyError(id, engineError(err));
      this.node.log.error('publish handler failed', { channel, error: err });
      return this.replyError(id, Errors.internal);
    }
    if (result.badRequest !== undefined) return this.replyError(id, Errors.httpBadRequest);
    if (result.status === 'not_found') return this.replyError(id, Errors.notFound);
    if (result.status === 'permission_denied') return this.replyError(id, Errors.forbidden);
    if (result.data !== undefined) {
      try {
        await this.node.publish(resolved.fullChannel, result.data, { info: this.info, history: result.history === true });
      } catch (err) {
        return this.replyError(id, engineError(err));
      }
    }
    this.send(this.codec.empty(id, 'publish'));
  }

  private async rpc(id: number, method: string, data: unknown): Promise<void> {
    const handler = this.node.rpcMethod(method);
    if (handler === undefined) return this.replyError(id, Errors.methodNotFound);
    const result = await handler(this.identity, data);
    this.send(this.codec.rpc(id, result));
  }

  private onSend(data: unknown): void {
    const handler = this.node.messageHandler;
    if (handler === undefined) return this.disconnect(Disconnects.notAvailable.code, Disconnects.notAvailable.reason);
    handler(this.identity, this.clientId, data);
  }

  // ---- keepalive -----------------------------------------------------------------------------

  /**
   * The session's one entry in the node's timing wheel serves the connect deadline, pings, the pong
   * deadline and the credential's expiry: it is scheduled at the earliest of them (no timer, no
   * field of its own for expiry; it sits in the identity).
   */
  private scheduleKeepalive(at: number): void {
    const expiresAt = this.currentIdentity?.expiresAt;
    this.node.scheduleKeepalive(this, expiresAt !== undefined && expiresAt < at ? expiresAt : at);
  }

  onKeepaliveDue(now: number): void {
    if (this.state === 'closed') return;
    const expiresAt = this.currentIdentity?.expiresAt;
    if (expiresAt !== undefined && now >= expiresAt) return this.expire();
    // The wheel never fires early, so a connecting session woken before its expiry met its connect deadline.
    if (this.state === 'connecting') return this.disconnect(Disconnects.stale.code, Disconnects.stale.reason);
    if (this.awaitingPong) {
      // keepaliveAt is the pong deadline.
      if (now >= this.keepaliveAt) return this.disconnect(Disconnects.noPong.code, Disconnects.noPong.reason);
      return this.scheduleKeepalive(this.keepaliveAt);
    }
    if (now < this.keepaliveAt) return this.scheduleKeepalive(this.keepaliveAt);
    this.send(this.codec.ping);
    this.awaitingPong = true;
    this.keepaliveAt = now + this.node.options.pongTimeoutMs;
    this.scheduleKeepalive(this.keepaliveAt);
  }

  private onPong(): void {
    if (this.state !== 'connected' || !this.awaitingPong) {
      // A pong nobody asked for is a protocol violation.
      return this.disconnect(Disconnects.badRequest.code, Disconnects.badRequest.reason);
    }
    this.awaitingPong = false;
    // The ping was sent at deadline − pong timeout; the next one is one interval after it.
    const opts = this.node.options;
    this.keepaliveAt = this.keepaliveAt - opts.pongTimeoutMs + opts.pingIntervalMs;
    this.scheduleKeepalive(this.keepaliveAt);
  }

  // ---- outbound ------------------------------------------------------------------------------

  send(message: OutboundMessage): void {
    if (this.state === 'closed') return;
    this.transport.write(message);
    const buffered = this.transport.bufferedBytes;
    if (buffered > this.node.options.clientQueueMaxSize) {
      this.node.slowClient(this.clientId, buffered);
      this.node.log.warn('closing slow client', { client: this.clientId, queued: buffered, limit: this.node.options.clientQueueMaxSize });
      this.disconnect(Disconnects.slow.code, Disconnects.slow.reason);
    }
  }

  /** A push shared with other sessions, in this session's codec. */
  sendPush(push: SharedPush): void {
    this.send(push.in(this.transport.codec));
  }

  /** The codec replies are built with (the transport's). */
  get codec(): ProtocolCodec {
    return this.transport.codec;
  }

  /** How the client is connected. */
  get transportName(): TransportName {
    return this.transport.name;
  }

  get connectionKind(): string {
    return `${this.transport.name} ${this.transport.codec.name}`;
  }

  replyError(id: number, error: ProtocolError): void {
    this.node.counters.countReplyError(error.code);
    this.send(this.codec.error(id, error));
  }

  overflow(): void {
    this.disconnect(Disconnects.slow.code, Disconnects.slow.reason);
  }

  dropSubscription(subscription: Subscription, code: number, reason: string): void {
    if (this.subscriptions.get(subscription.channel) !== subscription) return;
    removeSubscription(this, subscription);
    this.send(this.codec.unsubscribePush(subscription.channel, code, reason));
  }

  // ---- closing -------------------------------------------------------------------------------

  /** Server-initiated close with a protocol disconnect code. */
  disconnect(code: number, reason: string): void {
    this.closeWith(code, reason, true);
  }

  /** The socket closed (by either side): release everything the session holds. */
  onTransportClosed(code: number): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.release(code);
  }

  private closeWith(code: number, reason: string, registered: boolean): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.node.counters.countDisconnect(code);
    this.transport.close(code, reason);
    if (registered) this.release(code);
  }

  private release(code: number): void {
    this.node.cancelKeepalive(this);
    this.releaseAdmission();
    this.queue = undefined;
    removeAllSubscriptions(this);
    this.node.removeClient(this, code);
  }
}
