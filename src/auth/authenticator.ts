// Resolves who is calling from an HTTP request (or a Centrifuge connect token): API token, JWT or
// anonymous. A credential that is present but wrong is always a 401, never a silent fallback to
// anonymous, and the result says where the credential came from for the WebSocket origin rule.
// Asynchronous because a JWT may have to wait for the keys of `[auth.jwt] jwk_set_url`; everything
// else answers in the same turn.

import type { IncomingHttpHeaders } from 'node:http';
import type { LiveHubConfig } from '../config/types.js';
import { ApiTokenStore, isApiTokenText, type ApiTokenStoreOptions } from './api-tokens.js';
import type { Identity } from './identity.js';
import type { Logger } from '../log/logger.js';
import type { RemoteJwks } from './jwks-remote.js';
import { JwtVerifier } from './jwt.js';

/**
 * `credential` tells how the identity was established: 'none' (anonymous), 'header'
 * (`Authorization` / jwt `header_name`, or a connect-command token) or 'query' (`auth_token`).
 * Only 'header' and 'query' are explicit credentials a browser does not attach on its own, which is
 * what the Origin-less WebSocket rule needs (grafana-live.md §3.2).
 */
export type AuthResult =
  | { ok: true; identity: Identity; credential: 'none' | 'header' | 'query' }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired'; message: string };

export interface AuthRequest {
  headers: IncomingHttpHeaders;
  url?: string;
}

export interface AuthenticatorOptions {
  /** Clock in epoch ms, for JWT expiry in tests. */
  now?: () => number;
  /** Use this store instead of opening `[auth.api_tokens] file`. */
  tokenStore?: ApiTokenStore;
  /** Options for the store opened from the config (reload interval, warnings). */
  tokenStoreOptions?: ApiTokenStoreOptions;
  /** Where JWKS fetch problems are logged. */
  log?: Logger;
}

export const ANONYMOUS_USER_ID = '0';

/** The query parameter the Grafana frontend appends to the WebSocket URL. */
export const AUTH_TOKEN_QUERY_PARAM = 'auth_token';

type Credential = { token: string; via: 'header' | 'query' } | { error: string } | undefined;

export class Authenticator {
  readonly tokenStore: ApiTokenStore;
  private readonly jwt: JwtVerifier | undefined;
  private readonly anonymous: Identity | undefined;
  private readonly jwtHeader: string | undefined;

  /** Loads JWT keys and the token file now, so misconfiguration fails at startup (ConfigError / ApiTokenFileError). */
  constructor(config: LiveHubConfig, options: AuthenticatorOptions = {}) {
    this.tokenStore = options.tokenStore ?? new ApiTokenStore(config.apiTokens.file, options.tokenStoreOptions);
    this.jwt = config.jwt.enabled
      ? JwtVerifier.fromConfig(config.jwt, { ...(options.now ? { now: options.now } : {}), ...(options.log ? { log: options.log } : {}) })
      : undefined;
    const header = config.jwt.headerName.toLowerCase();
    this.jwtHeader = config.jwt.enabled && header !== 'authorization' ? header : undefined;
    this.anonymous = config.anonymous.enabled
      ? {
          userId: ANONYMOUS_USER_ID,
          login: 'anonymous',
          name: 'Anonymous',
          orgId: config.anonymous.orgId,
          role: config.anonymous.orgRole,
          authMethod: 'anonymous',
        }
      : undefined;
  }

  /** The keys of `[auth.jwt] jwk_set_url`, when configured (metrics, start-up fetch). */
  get remoteJwks(): RemoteJwks | undefined {
    return this.jwt?.remoteKeys;
  }

  /** Fetches the `jwk_set_url` keys now, so the first token does not wait; failures are logged, never thrown. */
  prefetchKeys(): Promise<void> {
    return this.remoteJwks?.refresh() ?? Promise.resolve();
  }

  async authenticateRequest(req: AuthRequest): Promise<AuthResult> {
    try {
      const credential = this.findCredential(req);
      if (credential === undefined) return this.noCredential();
      if ('error' in credential) return { ok: false, reason: 'invalid', message: credential.error };
      return await this.verify(credential.token, credential.via);
    } catch {
      // Nothing above should throw; if it does (a bug), deny rather than crash the request.
      return { ok: false, reason: 'invalid', message: 'invalid credentials' };
    }
  }

  /**
   * True when the request names its caller itself — an Authorization or JWT header, or auth_token —
   * valid or not. A browser never attaches these on its own, so such a request carries no ambient
   * authority (the CSRF check, docs/authorization.md).
   */
  hasCredential(req: AuthRequest): boolean {
    try {
      return this.findCredential(req) !== undefined;
    } catch {
      return true;
    }
  }

  /** For the token of a Centrifuge `connect` command; an empty token counts as no credential. */
  async authenticateToken(token: string): Promise<AuthResult> {
    try {
      if (typeof token !== 'string' || token.trim() === '') return this.noCredential();
      return await this.verify(token.trim(), 'header');
    } catch {
      return { ok: false, reason: 'invalid', message: 'invalid credentials' };
    }
  }

  private noCredential(): AuthResult {
    return this.anonymous
      ? { ok: true, identity: this.anonymous, credential: 'none' }
      : { ok: false, reason: 'missing', message: 'Unauthorized' };
  }

  private async verify(token: string, via: 'header' | 'query'): Promise<AuthResult> {
    if (isApiTokenText(token)) {
      const identity = this.tokenStore.lookup(token);
      return identity ? { ok: true, identity, credential: via } : { ok: false, reason: 'invalid', message: 'invalid API token' };
    }
    if (!this.jwt) return { ok: false, reason: 'invalid', message: 'invalid token (JWT authentication is disabled)' };
    const result = await this.jwt.verifyFresh(token);
    return result.ok ? { ok: true, identity: result.identity, credential: via } : { ok: false, reason: result.reason, message: result.message };
  }

  /**
   * Header first (`Authorization: Bearer`, then the jwt `header_name`), then `?auth_token=`. When a
   * header credential is present the query parameter is not looked at.
   */
  private findCredential(req: AuthRequest): Credential {
    const authorization = singleHeader(req.headers.authorization);
    // An empty header (some proxies send one) carries no credential.
    if (authorization !== undefined && (authorization === null || authorization.trim() !== '')) {
      if (authorization === null) return { error: 'multiple Authorization headers' };
      const bearer = /^Bearer\s+(.*)$/is.exec(authorization.trim());
      if (!bearer) return { error: 'unsupported Authorization scheme (use "Bearer <token>")' };
      const token = bearer[1]!.trim();
      return token === '' ? { error: 'empty bearer token' } : { token, via: 'header' };
    }
    if (this.jwtHeader) {
      const value = singleHeader(req.headers[this.jwtHeader]);
      if (value === null) return { error: `multiple ${this.jwtHeader} headers` };
      if (value !== undefined && value.trim() !== '') {
        const token = value.trim().replace(/^Bearer\s+/i, '').trim();
        return token === '' ? { error: `empty ${this.jwtHeader} header` } : { token, via: 'header' };
      }
    }
    const fromQuery = queryToken(req.url);
    return fromQuery === undefined ? undefined : { token: fromQuery, via: 'query' };
  }
}

/** undefined when absent, null when repeated (ambiguous), else the value. */
function singleHeader(value: string | string[] | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 1 ? value[0]! : value.length === 0 ? undefined : null;
  return value;
}

function queryToken(url: string | undefined): string | undefined {
  if (!url || !url.includes(AUTH_TOKEN_QUERY_PARAM)) return undefined;
  let params: URLSearchParams;
  try {
    params = new URL(url, 'http://localhost').searchParams;
  } catch {
    return undefined;
  }
  // An empty `auth_token=` is what a frontend without a token sends: treat it as absent.
  const token = params.get(AUTH_TOKEN_QUERY_PARAM)?.trim();
  return token ? token : undefined;
}
