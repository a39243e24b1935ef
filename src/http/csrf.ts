// Grafana's CSRF check ([security] csrf_trusted_origins, csrf_additional_headers, csrf_always_check;
// Grafana's pkg/middleware/csrf): a request whose Origin host name is neither the server's own nor
// trusted is refused with 403. Pure: the guard answers and logs.
//
// Grafana checks only requests that carry its login cookie, the credential a browser attaches on its
// own. livehub has no cookie; its ambient authority is anonymous access (an intranet page reachable
// from any site the victim visits). So a request is checked when it has no explicit credential
// (Authorization header, JWT header, auth_token) — or always with csrf_always_check. As in Grafana,
// HEAD, OPTIONS and TRACE pass, a request without Origin passes (Telegraf, curl), ports are ignored.
// livehub additions: root_url's host counts as the server's own (a proxy that rewrites Host), and a
// state-changing request without Origin is judged by its Referer (browsers before Origin-on-POST).

import type { IncomingHttpHeaders } from 'node:http';
import type { SecurityConfig } from '../config/types.js';

const SAFE_METHODS: ReadonlySet<string> = new Set(['HEAD', 'OPTIONS', 'TRACE']);
const STATE_CHANGING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type CsrfVerdict = { readonly ok: true } | { readonly ok: false; readonly origin: string; readonly reason: string };

/** Host name of a Host-style value ("h", "h:3000", "[::1]:3000"), lower case; "" when absent. */
function hostName(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  try {
    return new URL(`http://${value.trim()}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** Host name of an Origin or Referer URL; undefined for "null" and anything unparseable. */
function urlHostName(value: string): string | undefined {
  try {
    const host = new URL(value).hostname.toLowerCase();
    return host === '' ? undefined : host;
  } catch {
    return undefined;
  }
}

export class CsrfPolicy {
  private readonly trusted: ReadonlySet<string>;
  private readonly rootHost: string;

  constructor(
    private readonly config: SecurityConfig,
    rootUrl: string,
  ) {
    this.trusted = new Set(config.csrfTrustedOrigins);
    this.rootHost = urlHostName(rootUrl) ?? '';
  }

  /** `explicitCredential`: the request names its caller itself (see the file comment). */
  check(method: string, headers: IncomingHttpHeaders, explicitCredential: boolean): CsrfVerdict {
    if (SAFE_METHODS.has(method)) return { ok: true };
    if (explicitCredential && !this.config.csrfAlwaysCheck) return { ok: true };
    let source = single(headers.origin);
    if (source === undefined && STATE_CHANGING.has(method)) source = single(headers.referer);
    if (source === undefined || source === '') return { ok: true };
    const origin = urlHostName(source);
    if (origin === undefined) return { ok: false, origin: source, reason: 'origin not allowed' };
    if (origin === hostName(single(headers.host)) || origin === this.rootHost || this.trusted.has(origin)) return { ok: true };
    for (const header of this.config.csrfAdditionalHeaders) {
      if (origin === hostName(single(headers[header]))) return { ok: true };
    }
    return { ok: false, origin: source, reason: 'origin not allowed' };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
