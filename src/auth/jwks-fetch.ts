// One GET of a JWKS endpoint with hard bounds: a deadline from connect to the last byte, a body
// size cap, no redirects, and the TLS trust of `[auth.jwt] tls_client_ca` /
// `tls_skip_verify_insecure`. Parsing and caching are the caller's (jwks-remote.ts).

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface JwksFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Full `Authorization` header value, when the endpoint wants one. */
  readonly authorization?: string;
  /** PEM CA bundle trusted in addition to nothing else (replaces the system CAs, as Go's RootCAs does). */
  readonly ca?: string;
  readonly rejectUnauthorized: boolean;
}

export interface JwksResponse {
  readonly body: string;
  /** `Cache-Control: max-age` in seconds, when the response carries one. */
  readonly maxAgeSeconds?: number;
}

/** Why a fetch failed; `kind` feeds the fetch counter's label. */
export class JwksFetchError extends Error {
  constructor(readonly kind: 'timeout' | 'http' | 'too_large' | 'network', message: string) {
    super(message);
    this.name = 'JwksFetchError';
  }
}

/** Grafana reads the first `max-age=` directive; `no-store`/`no-cache` are ignored. */
export function cacheControlMaxAge(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(',')) {
    const m = /^\s*max-age\s*=\s*"?(\d+)"?\s*$/i.exec(part);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export function fetchJwks(url: URL, options: JwksFetchOptions): Promise<JwksResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: JwksResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    const headers: Record<string, string> = { accept: 'application/json, application/jwk-set+json', 'user-agent': 'livehub' };
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'GET',
      headers,
      // A connection per fetch: fetches are minutes apart, and no idle socket outlives a stop.
      agent: false,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: options.rejectUnauthorized, ...(options.ca !== undefined ? { ca: options.ca } : {}) } : {}),
    }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        res.resume();
        return finish(new JwksFetchError('http', `HTTP ${res.statusCode ?? 0} from the JWKS endpoint (expected 200)`));
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        return finish(new JwksFetchError('too_large', `JWKS response of ${declared} bytes exceeds jwk_set_max_bytes (${options.maxBytes})`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) return finish(new JwksFetchError('too_large', `JWKS response exceeds jwk_set_max_bytes (${options.maxBytes})`));
        chunks.push(chunk);
      });
      res.on('end', () => {
        const maxAge = cacheControlMaxAge(res.headers['cache-control']);
        finish(undefined, { body: Buffer.concat(chunks).toString('utf8'), ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}) });
      });
      res.on('error', (err) => finish(new JwksFetchError('network', err.message)));
    });
    const deadline = setTimeout(
      () => finish(new JwksFetchError('timeout', `no complete JWKS response within jwk_set_timeout (${options.timeoutMs} ms)`)),
      options.timeoutMs,
    );
    req.on('error', (err) => finish(new JwksFetchError('network', err.message)));
    req.end();
  });
}
