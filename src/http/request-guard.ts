// Checks every HTTP request passes before its route runs: Grafana's CSRF rule (csrf.ts; 403) and, on
// routes that read a JSON body, the content type (415). A cross-site page can send a "simple" request
// — text/plain, a form encoding — without a CORS preflight; a JSON API that refuses those types can
// only be called cross-site after a preflight, which livehub never grants.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import type { RequestAuthenticator } from './auth-port.js';
import type { CsrfPolicy } from './csrf.js';
import { sendMessage } from './respond.js';

export interface RouteOptions {
  /** The route reads a JSON body: a body of another declared type is refused with 415. */
  readonly jsonBody?: boolean;
  /**
   * The media types the route reads (e.g. JSON or protobuf for the Live streams): a body of another
   * declared type is refused with 415. None of them is a type a cross-site form may send.
   */
  readonly bodyTypes?: readonly string[];
}

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

export class GuardCounters {
  csrfRejections = 0;
  contentTypeRejections = 0;
}

/**
 * JSON or a `+json` type (`application/merge-patch+json`), parameters allowed. A request without
 * Content-Type passes: curl and scripts often send none, and a browser sends none only for a typeless
 * Blob — and then it sends Origin, which the CSRF check judges.
 */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return true;
  const media = header.split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^application\/[!#$&^_.+\-a-z0-9]+\+json$/.test(media);
}

/** A declared media type among `types` (parameters allowed); no Content-Type passes, as for JSON. */
function isOneOf(header: string | undefined, types: readonly string[]): boolean {
  if (header === undefined) return true;
  return types.includes(header.split(';')[0]!.trim().toLowerCase());
}

export class RequestGuard {
  readonly counters = new GuardCounters();

  constructor(
    private readonly csrf: CsrfPolicy,
    private readonly auth: RequestAuthenticator,
    private readonly log: Logger,
  ) {}

  /** True when the route may run; otherwise the answer is written. */
  admit(req: IncomingMessage, res: ServerResponse, path: string, options: RouteOptions): boolean {
    const method = req.method ?? 'GET';
    const verdict = this.csrf.check(method, req.headers, this.auth.hasCredential(req));
    if (!verdict.ok) {
      this.counters.csrfRejections++;
      this.log.limited('warn', 'csrf', 'cross-site request refused', { method, path, origin: verdict.origin, host: req.headers.host ?? '' });
      return refuse(req, res, 403, `Forbidden: ${verdict.reason} (the Origin is neither this server nor in [security] csrf_trusted_origins)`);
    }
    const bodyTypes = options.bodyTypes;
    if (bodyTypes !== undefined && BODY_METHODS.has(method) && !isOneOf(req.headers['content-type'], bodyTypes)) {
      this.counters.contentTypeRejections++;
      this.log.limited('warn', 'content-type', 'request with an unexpected body type refused', { method, path, contentType: req.headers['content-type'] ?? '' });
      return refuse(req, res, 415, `Unsupported Media Type: this endpoint takes Content-Type ${bodyTypes.join(' or ')}`);
    }
    if (options.jsonBody === true && BODY_METHODS.has(method) && !isJsonContentType(req.headers['content-type'])) {
      this.counters.contentTypeRejections++;
      this.log.limited('warn', 'content-type', 'request with a non-JSON body refused', { method, path, contentType: req.headers['content-type'] ?? '' });
      return refuse(req, res, 415, 'Unsupported Media Type: this API takes Content-Type: application/json');
    }
    return true;
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, message: string): false {
  // The body is not read: drained (bounded by [server] read_timeout) so the connection stays usable.
  req.resume();
  sendMessage(res, status, message);
  return false;
}
