// Rate limits of the HTTP APIs ([http_rate_limit]): token buckets per route group and caller — an
// identity (API token or user), or for anonymous callers their client address — for requests and for
// body bytes. Body bytes are reserved when a request is admitted (its Content-Length, or the route's
// body limit when the size is unknown or gzip-encoded) and settled with the decoded size once the
// answer is written, so concurrent requests cannot all pass on the same tokens.
//
// The table of buckets is bounded: at `max_keys` the least recently used bucket is dropped, and one
// shared timer drops buckets that refilled (a full bucket is the same as none), so the table empties
// once the load stops. Over a limit: 429 with Retry-After.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../auth/identity.js';
import type { HttpRateLimitConfig, RateConfig } from '../config/types.js';
import { chargeTokens, waitForTokens, type RateLimit } from '../live/rate-limit.js';
import type { Logger } from '../log/logger.js';
import { clientAddressKey } from './client-address.js';
import { bodyBytesRead, sendMessage } from './respond.js';

/** Route groups with buckets of their own: a flood of publishes does not block dashboard saves. */
export type RateGroup = 'publish' | 'push' | 'dashboards';
export type CallerClass = 'identity' | 'anonymous';
export type LimitKind = 'requests' | 'bytes';

/** How often refilled buckets are dropped. */
const SWEEP_INTERVAL_MS = 10_000;

interface Bucket {
  /** GCRA states (rate-limit.ts): when each bucket is full again; 0 = full. */
  requestsFullAt: number;
  bytesFullAt: number;
}

interface Limits {
  readonly requests: RateLimit | undefined;
  readonly bytes: RateLimit | undefined;
}

function limitOf(rate: RateConfig): RateLimit | undefined {
  return rate.perSecond > 0 ? { ratePerSecond: rate.perSecond, burst: rate.burst } : undefined;
}

export class HttpRateCounters {
  /** Requests answered 429, by "group caller kind". */
  readonly rejected = new Map<string, number>();
  /** Buckets dropped because the table was full. */
  evictions = 0;
}

export class HttpRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly limits: Record<CallerClass, Limits>;
  private readonly maxKeys: number;
  private timer: NodeJS.Timeout | undefined;
  readonly counters = new HttpRateCounters();

  constructor(
    config: HttpRateLimitConfig,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.limits = {
      identity: { requests: limitOf(config.requests), bytes: limitOf(config.bytes) },
      anonymous: { requests: limitOf(config.anonymousRequests), bytes: limitOf(config.anonymousBytes) },
    };
    this.maxKeys = config.maxKeys;
  }

  /** Buckets held now (a gauge). */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Admits one request of `identity` to `group`, or answers 429 with Retry-After and returns false.
   * `bodyLimit`: the most body bytes the route reads (reserved when the size is not known up front).
   */
  admit(req: IncomingMessage, res: ServerResponse, group: RateGroup, identity: Identity, bodyLimit: number): boolean {
    const caller: CallerClass = identity.authMethod === 'anonymous' ? 'anonymous' : 'identity';
    const limits = this.limits[caller];
    if (limits.requests === undefined && limits.bytes === undefined) return true;
    const who = caller === 'anonymous' ? `ip ${clientAddressKey(req.socket.remoteAddress)}` : `${identity.authMethod} ${identity.orgId} ${identity.userId}`;
    const key = `${group} ${who}`;
    const now = this.now();
    const bucket = this.touch(key);
    const reserve = limits.bytes === undefined ? 0 : Math.min(expectedBodyBytes(req, bodyLimit), limits.bytes.burst);
    const requestWait = limits.requests === undefined ? 0 : waitForTokens(limits.requests, bucket.requestsFullAt, now, 1);
    const bytesWait = limits.bytes === undefined ? 0 : waitForTokens(limits.bytes, bucket.bytesFullAt, now, reserve);
    if (requestWait > 0 || bytesWait > 0) {
      const kind: LimitKind = requestWait >= bytesWait ? 'requests' : 'bytes';
      this.reject(req, res, { group, caller, kind, who, waitMs: Math.max(requestWait, bytesWait), limit: kind === 'requests' ? limits.requests! : limits.bytes! });
      return false;
    }
    if (limits.requests !== undefined) bucket.requestsFullAt = chargeTokens(limits.requests, bucket.requestsFullAt, now, 1);
    const bytes = limits.bytes;
    if (bytes !== undefined) {
      bucket.bytesFullAt = chargeTokens(bytes, bucket.bytesFullAt, now, reserve);
      // Settled with what was actually read (after gzip decoding) once the answer is out.
      res.once('close', () => {
        const settled = this.buckets.get(key);
        if (settled !== undefined) settled.bytesFullAt = chargeTokens(bytes, settled.bytesFullAt, this.now(), bodyBytesRead(req) - reserve);
      });
    }
    return true;
  }

  /** The bucket of `key`, now the most recently used; the least recently used goes when the table is full. */
  private touch(key: string): Bucket {
    let bucket = this.buckets.get(key);
    if (bucket !== undefined) {
      // Map keeps insertion order: re-inserting moves the key to the end (most recent).
      this.buckets.delete(key);
    } else {
      bucket = { requestsFullAt: 0, bytesFullAt: 0 };
      while (this.buckets.size >= this.maxKeys) {
        this.buckets.delete(this.buckets.keys().next().value!);
        this.counters.evictions++;
      }
    }
    this.buckets.set(key, bucket);
    this.timer ??= setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
    return bucket;
  }

  /** Drops refilled buckets; stops the timer once the table is empty. */
  sweep(now = this.now()): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.requestsFullAt <= now && bucket.bytesFullAt <= now) this.buckets.delete(key);
    }
    if (this.buckets.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private reject(
    req: IncomingMessage,
    res: ServerResponse,
    r: { group: RateGroup; caller: CallerClass; kind: LimitKind; who: string; waitMs: number; limit: RateLimit },
  ): void {
    const label = `${r.group} ${r.caller} ${r.kind}`;
    this.counters.rejected.set(label, (this.counters.rejected.get(label) ?? 0) + 1);
    const retryAfter = Math.max(1, Math.ceil(r.waitMs / 1000));
    const unit = r.kind === 'requests' ? 'requests' : 'body bytes';
    this.log.limited('warn', `rate-limited ${label}`, 'HTTP request over the rate limit', {
      route: r.group, caller: r.caller, limit: r.kind, who: r.who, retryAfterSeconds: retryAfter,
    });
    // The body is not read: drained (bounded by [server] read_timeout) so the connection stays usable.
    req.resume();
    sendMessage(res, 429, `Too Many Requests: over ${r.limit.ratePerSecond} ${unit} per second (burst ${r.limit.burst}); retry after ${retryAfter} s`, {
      'Retry-After': String(retryAfter),
    });
  }
}

/** Decoded bytes the request may bring: its Content-Length, or the route's limit when unknown or compressed. */
function expectedBodyBytes(req: IncomingMessage, bodyLimit: number): number {
  const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') return bodyLimit;
  const declared = Number(req.headers['content-length'] ?? NaN);
  // Over the limit: readBody answers 413 without reading, so nothing is reserved.
  if (Number.isFinite(declared) && declared >= 0) return declared > bodyLimit ? 0 : declared;
  // No Content-Length: chunked, or no body at all (GET, DELETE).
  return req.headers['transfer-encoding'] === undefined ? 0 : bodyLimit;
}
