// The keys of `[auth.jwt] jwk_set_url`, kept in memory and refreshed on demand:
//  - they go stale after `cache_ttl` (or a shorter `Cache-Control: max-age`, as Grafana does);
//    `cache_ttl = 0` keeps nothing, so every verification waits for a fetch;
//  - a token naming an unknown `kid` triggers one refetch, at most once per
//    `jwk_set_refetch_cooldown`, so a flood of tokens with random kids costs the IdP nothing more;
//  - concurrent needs share one request in flight;
//  - a failed, timed-out or garbage response keeps the last good keys, is logged at most once a
//    minute per reason, and the next attempt waits for the cooldown.
// Memory is bounded by `jwk_set_max_bytes` (the only keys held are those of one response).

import { readFileSync } from 'node:fs';
import type { Logger } from '../log/logger.js';
import { RateLimitedLog } from '../log/logger.js';
import { fetchJwks, JwksFetchError } from './jwks-fetch.js';
import { parseJwksDocument, type JwtPublicKey } from './jwt-keys.js';

export interface RemoteJwksOptions {
  readonly url: URL;
  readonly cacheTtlMs: number;
  readonly cooldownMs: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly bearerTokenFile?: string;
  /** PEM CA bundle (the content of `tls_client_ca`). */
  readonly ca?: string;
  readonly rejectUnauthorized: boolean;
  readonly log?: Logger;
  /** Clock in epoch ms; injectable for tests. */
  readonly now?: () => number;
}

export type JwksFetchResult = 'ok' | 'timeout' | 'http' | 'too_large' | 'network' | 'invalid' | 'token_file';

export const JWKS_FETCH_RESULTS: readonly JwksFetchResult[] = ['ok', 'timeout', 'http', 'too_large', 'network', 'invalid', 'token_file'];

export interface RemoteJwksCounters {
  /** Fetches by outcome. */
  readonly fetches: Record<JwksFetchResult, number>;
  /** Unknown-kid refetches not made because one happened within the cooldown. */
  refetchesSuppressed: number;
}

const FAILURE_LOG_INTERVAL_MS = 60_000;

/** Grafana's jwk_set_bearer_token_file: trimmed, `Bearer ` added when missing; re-read per fetch (short-lived tokens rotate). */
export function readBearerToken(path: string): string {
  const text = readFileSync(path, 'utf8').trim();
  if (text === '') throw new Error(`jwk_set_bearer_token_file ${path} is empty`);
  return text.startsWith('Bearer ') ? text : `Bearer ${text}`;
}

export class RemoteJwks {
  readonly counters: RemoteJwksCounters = {
    fetches: { ok: 0, timeout: 0, http: 0, too_large: 0, network: 0, invalid: 0, token_file: 0 },
    refetchesSuppressed: 0,
  };
  private current: readonly JwtPublicKey[] = [];
  /** When the current keys go stale; 0 before the first successful fetch. */
  private staleAt = 0;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastFailed = false;
  private inFlight: Promise<void> | undefined;
  private readonly failureLog = new RateLimitedLog(FAILURE_LOG_INTERVAL_MS, 16);
  private readonly now: () => number;

  constructor(private readonly options: RemoteJwksOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The keys of the last good response (none before the first). */
  get keys(): readonly JwtPublicKey[] {
    return this.current;
  }

  get url(): string {
    return this.options.url.href;
  }

  /** Waits until the keys are not stale, unless the last attempt failed within the cooldown (then the last good keys serve). */
  async ensureFresh(): Promise<void> {
    const now = this.now();
    if (this.staleAt !== 0 && now < this.staleAt) return;
    if (this.lastFailed && now - this.lastAttemptAt < this.options.cooldownMs) return;
    await this.refresh();
  }

  /** A token named a kid the keys lack: refetch once, unless a fetch started within the cooldown. True when keys were refetched. */
  async refreshForUnknownKid(): Promise<boolean> {
    if (this.inFlight === undefined && this.now() - this.lastAttemptAt < this.options.cooldownMs) {
      this.counters.refetchesSuppressed++;
      return false;
    }
    await this.refresh();
    return true;
  }

  /** Starts a fetch (or joins the one in flight); never rejects. */
  refresh(): Promise<void> {
    if (this.inFlight === undefined) {
      this.lastAttemptAt = this.now();
      this.inFlight = this.fetchOnce().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async fetchOnce(): Promise<void> {
    const { options } = this;
    let authorization: string | undefined;
    if (options.bearerTokenFile !== undefined) {
      try {
        authorization = readBearerToken(options.bearerTokenFile);
      } catch (err) {
        return this.failed('token_file', (err as Error).message);
      }
    }
    let body: string;
    let maxAgeSeconds: number | undefined;
    try {
      ({ body, maxAgeSeconds } = await fetchJwks(options.url, {
        timeoutMs: options.timeoutMs,
        maxBytes: options.maxBytes,
        rejectUnauthorized: options.rejectUnauthorized,
        ...(authorization !== undefined ? { authorization } : {}),
        ...(options.ca !== undefined ? { ca: options.ca } : {}),
      }));
    } catch (err) {
      return this.failed(err instanceof JwksFetchError ? err.kind : 'network', (err as Error).message);
    }
    let parsed;
    try {
      parsed = parseJwksDocument(body, this.url);
    } catch (err) {
      return this.failed('invalid', (err as Error).message);
    }
    const changed = kidsOf(parsed.keys) !== kidsOf(this.current) || this.lastFailed || this.staleAt === 0;
    this.current = parsed.keys;
    this.counters.fetches.ok++;
    this.lastFailed = false;
    let ttl = options.cacheTtlMs;
    // Grafana: a shorter max-age wins; with cache_ttl = 0 nothing is cached whatever the header says.
    if (ttl > 0 && maxAgeSeconds !== undefined && maxAgeSeconds * 1000 < ttl) ttl = maxAgeSeconds * 1000;
    this.staleAt = this.now() + ttl;
    if (changed) {
      options.log?.info('JWKS fetched', { url: this.url, keys: parsed.keys.length, kids: kidsOf(parsed.keys), cacheMs: ttl });
    }
    for (const problem of parsed.skipped) {
      if (this.failureLog.shouldLog(`skipped:${problem}`)) options.log?.warn('JWKS entry skipped', { url: this.url, error: problem });
    }
  }

  private failed(kind: JwksFetchResult, message: string): void {
    this.counters.fetches[kind]++;
    this.lastFailed = true;
    if (this.failureLog.shouldLog(kind)) {
      this.options.log?.error('JWKS fetch failed; keeping the last good keys', {
        url: this.url,
        reason: kind,
        error: message,
        keptKeys: this.current.length,
        retryAfterMs: this.options.cooldownMs,
      });
    }
  }
}

function kidsOf(keys: readonly JwtPublicKey[]): string {
  return keys.map((k) => k.kid ?? '-').join(',');
}
