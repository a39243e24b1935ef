// Every Centrifuge protocol v2 code livehub sends, defined once: reply error codes, WebSocket close
// (disconnect) codes and unsubscribe push codes. Values and texts follow centrifuge-protocol.md §6–7.

export interface ProtocolError {
  readonly code: number;
  readonly message: string;
  /** Temporary errors make centrifuge-js retry (resubscribe / reconnect) with back-off. */
  readonly temporary?: boolean;
}

export const Errors = {
  internal: { code: 100, message: 'internal server error', temporary: true },
  unauthorized: { code: 101, message: 'unauthorized' },
  unknownChannel: { code: 102, message: 'unknown channel' },
  permissionDenied: { code: 103, message: 'permission denied' },
  methodNotFound: { code: 104, message: 'method not found' },
  alreadySubscribed: { code: 105, message: 'already subscribed' },
  limitExceeded: { code: 106, message: 'limit exceeded' },
  badRequest: { code: 107, message: 'bad request' },
  notAvailable: { code: 108, message: 'not available' },
  tokenExpired: { code: 109, message: 'token expired' },
  expired: { code: 110, message: 'expired' },
  tooManyRequests: { code: 111, message: 'too many requests', temporary: true },
  unrecoverablePosition: { code: 112, message: 'unrecoverable position' },
  // Grafana reuses HTTP numbers as protocol codes; livehub uses them for permanent failures.
  invalidChannel: { code: 400, message: 'invalid channel ID' },
  httpBadRequest: { code: 400, message: 'Bad Request' },
  forbidden: { code: 403, message: 'Forbidden' },
  notFound: { code: 404, message: 'Not Found' },
} as const satisfies Record<string, ProtocolError>;

/** A temporary failure of a dependency (e.g. Redis down): the client retries by itself. */
export function temporaryError(message: string): ProtocolError {
  return { code: Errors.internal.code, message, temporary: true };
}

export interface DisconnectCode {
  readonly code: number;
  readonly reason: string;
}

/** 3000–3499 make centrifuge-js reconnect; 3500–3999 are terminal. Reasons are plain text. */
export const Disconnects = {
  connectionClosed: { code: 3000, reason: 'connection closed' },
  shutdown: { code: 3001, reason: 'shutdown' },
  internal: { code: 3004, reason: 'internal server error' },
  expired: { code: 3005, reason: 'connection expired' },
  /** Outbound queue over client_queue_max_size; also a push WebSocket that does not read its error answers. */
  slow: { code: 3008, reason: 'slow' },
  writeError: { code: 3009, reason: 'write error' },
  insufficientState: { code: 3010, reason: 'insufficient state' },
  forceReconnect: { code: 3011, reason: 'force reconnect' },
  /**
   * livehub: the API token of the session (or push socket) now stands for another name, org or role.
   * Reconnecting: the client comes back with what the token grants now, never the old role's rights.
   */
  credentialChanged: { code: 3011, reason: 'credential changed' },
  noPong: { code: 3012, reason: 'no pong' },
  /**
   * livehub: a connection over [live] client_command_rate / client_command_burst (token bucket), or
   * with more commands queued behind a slow handler than it may have waiting. Reconnecting (3000–3499):
   * centrifuge-js backs off and comes back with a fresh bucket.
   */
  tooManyRequests: { code: 3013, reason: 'too many requests' },
  invalidToken: { code: 3500, reason: 'invalid token' },
  /** livehub: the API token of the session (or push socket) was deleted or replaced; terminal like 3500. */
  tokenRevoked: { code: 3500, reason: 'token revoked' },
  badRequest: { code: 3501, reason: 'bad request' },
  stale: { code: 3502, reason: 'stale' },
  forceDisconnect: { code: 3503, reason: 'force disconnect' },
  connectionLimit: { code: 3504, reason: 'connection limit' },
  channelLimit: { code: 3505, reason: 'channel limit' },
  inappropriateProtocol: { code: 3506, reason: 'inappropriate protocol' },
  permissionDenied: { code: 3507, reason: 'permission denied' },
  notAvailable: { code: 3508, reason: 'not available' },
  tooManyErrors: { code: 3509, reason: 'too many errors' },
  /** WebSocket's own "message too big"; centrifuge-js then stays disconnected. */
  messageTooBig: { code: 1009, reason: 'message too big' },
} as const satisfies Record<string, DisconnectCode>;

/** True when centrifuge-js reconnects after this close code. */
export function reconnects(code: number): boolean {
  if (code >= 3500 && code < 4000) return false;
  if (code >= 4500 && code < 5000) return false;
  return code !== 1009;
}

export interface UnsubscribeCode {
  readonly code: number;
  readonly reason: string;
}

/** < 2500: the subscription ends; >= 2500: the client resubscribes (and recovers). */
export const Unsubscribes = {
  server: { code: 2000, reason: 'server unsubscribe' },
  streamEnded: { code: 2000, reason: 'stream ended' },
  insufficientState: { code: 2500, reason: 'insufficient state' },
  expired: { code: 2501, reason: 'subscription expired' },
  stateInvalidated: { code: 2502, reason: 'state invalidated' },
} as const satisfies Record<string, UnsubscribeCode>;

/** Maximum subscriptions per connection (Centrifuge/Grafana): the next one gets 106. */
export const MAX_CHANNELS_PER_CONNECTION = 128;
/** Maximum full (prefixed) channel length in bytes: longer gets 107. */
export const MAX_FULL_CHANNEL_BYTES = 255;
