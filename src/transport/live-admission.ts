// Whether a request may open a Live connection, whatever its transport (the WebSocket upgrade, an
// HTTP-streaming POST, an SSE GET): authenticate it (bad credential → 401; none → anonymous if
// enabled, else a connect token must supply one), check its Origin (Grafana's rule → 403), and for a
// request without a credential the per-address cap of unauthenticated connections (→ 429). The
// transport answers a refusal in its own way (an HTTP answer on the raw socket or the response).

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Identity } from '../auth/identity.js';
import type { RequestAuthenticator } from '../http/auth-port.js';
import { clientAddress } from '../live/admission.js';
import type { ClientSession, SessionLimits } from '../live/client.js';
import type { LiveNode } from '../live/node.js';
import type { RateLimit } from '../live/rate-limit.js';
import { RateLimitedLog } from '../log/logger.js';
import { Disconnects } from '../protocol/codes.js';
import { logRejectedOrigin, type OriginChecker } from './origin.js';

/** What every Live endpoint takes from the configuration. */
export interface LiveEndpointOptions {
  /** [live] message_size_limit: inbound messages (WebSocket messages, stream request bodies, emulation data); -1 = unlimited. */
  readonly messageSizeLimit: number;
  /** [live] client_command_rate / client_command_burst (rate 0 = unlimited). */
  readonly commandRate?: RateLimit;
  /** [server] max_json_depth for published data. */
  readonly maxJsonDepth?: number;
}

/** A session's abuse limits, shared by every session of an endpoint. */
export function sessionLimits(options: LiveEndpointOptions): SessionLimits {
  return {
    ...(options.commandRate !== undefined ? { commandRate: options.commandRate } : {}),
    ...(options.maxJsonDepth !== undefined ? { maxJsonDepth: options.maxJsonDepth } : {}),
  };
}

/** Registers a new session with its node (3504 when Live is disabled or a connection cap is reached). */
export function openSession(node: LiveNode, session: ClientSession, unauthenticatedFrom: string | undefined): boolean {
  if (node.options.maxConnections === 0) {
    // Live is disabled: 3504 is terminal for centrifuge-js, so clients stop retrying.
    session.disconnect(Disconnects.connectionLimit.code, 'Live is disabled');
    return false;
  }
  return session.open(unauthenticatedFrom);
}

/** Retry-After of a 429: a legitimate client's pending socket is gone within a round trip. */
const RETRY_AFTER_SECONDS = 1;

export type LiveAdmission =
  | {
    readonly ok: true;
    /** From the request (header, auth_token, anonymous); a connect token may supply or replace it. */
    readonly identity: Identity | undefined;
    /** No credential in the request: the client address it counts against (admission.ts). */
    readonly unauthenticatedFrom: string | undefined;
  }
  | { readonly ok: false; readonly status: number; readonly message: string; readonly retryAfterSeconds?: number };

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

export class LiveRequestAdmission {
  /** One "too many from this address" line per address and minute. */
  private readonly addressLog = new RateLimitedLog(60_000);

  constructor(
    private readonly node: LiveNode,
    private readonly auth: RequestAuthenticator,
    readonly origins: OriginChecker,
  ) {}

  async admit(req: IncomingMessage): Promise<LiveAdmission> {
    const outcome = await this.auth.authenticateRequest(req);
    if (!outcome.ok && outcome.reason !== 'missing') return { ok: false, status: 401, message: 'Unauthorized' };
    const origin = req.headers.origin;
    const explicitCredential = outcome.ok && outcome.credential !== 'none';
    if (!this.origins.allowed(origin, req.headers.host, explicitCredential)) {
      logRejectedOrigin(this.node.log, this.origins.policy, origin, req.headers.host);
      this.node.counters.originRejections++;
      return { ok: false, status: 403, message: 'Request Origin is not authorized' };
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
      return { ok: false, status: 429, message: 'too many unauthenticated connections from this address', retryAfterSeconds: RETRY_AFTER_SECONDS };
    }
    return { ok: true, identity, unauthenticatedFrom };
  }
}
