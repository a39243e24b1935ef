// A token bucket per connection: `rate` tokens per second refill a bucket of `burst` tokens, each
// inbound command takes one. The state is ONE number — the time at which the bucket is full again
// (a GCRA formulation of the same bucket) — so a session keeps it in a field of its own instead of a
// bucket object and a clock closure (~150 bytes per idle connection, docs/performance.md "memory").
// A few float operations per message; time comes from a monotonic clock.

export interface RateLimit {
  /** Average commands per second; 0 disables the limit. */
  readonly ratePerSecond: number;
  /** Bucket size: how many commands may arrive at once. */
  readonly burst: number;
}

/** Tokens in the bucket at `now`, given the time it is full again. */
function tokensAt(limit: RateLimit, fullAt: number, now: number): number {
  const missing = fullAt > now ? ((fullAt - now) * limit.ratePerSecond) / 1000 : 0;
  return Math.max(0, limit.burst - missing);
}

/**
 * Takes `n` tokens from a bucket whose state is `fullAt` (0 = full): the new state, or NaN (and
 * nothing taken) when the bucket holds fewer than `n`.
 */
export function takeTokens(limit: RateLimit, fullAt: number, now: number, n = 1): number {
  const tokens = tokensAt(limit, fullAt, now);
  // The epsilon forgives float rounding for a client sending exactly at the rate.
  if (tokens + 1e-6 < n) return Number.NaN;
  const left = Math.max(0, tokens - n);
  return now + ((limit.burst - left) * 1000) / limit.ratePerSecond;
}

/** True when the limit is on (rate > 0). */
export function limited(limit: RateLimit | undefined): limit is RateLimit {
  return limit !== undefined && limit.ratePerSecond > 0;
}

/** The same bucket as an object (tests, and callers that do not keep the state themselves). */
export class TokenBucket {
  private fullAt = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes `n` tokens; false (and nothing taken) when the bucket holds fewer. */
  take(n = 1): boolean {
    const next = takeTokens(this.limit, this.fullAt, this.now(), n);
    if (Number.isNaN(next)) return false;
    this.fullAt = next;
    return true;
  }

  /** Tokens available now (for tests and metrics). */
  get available(): number {
    return tokensAt(this.limit, this.fullAt, this.now());
  }
}

/** A bucket for the limit, or undefined when the limit is disabled (rate 0). */
export function tokenBucket(limit: RateLimit | undefined): TokenBucket | undefined {
  return limited(limit) ? new TokenBucket(limit) : undefined;
}

/** Commands in one inbound text message without decoding it: its `\n`-separated lines. */
export function countCommands(text: string): number {
  let n = 1;
  let from = 0;
  for (;;) {
    const nl = text.indexOf('\n', from);
    if (nl < 0 || nl === text.length - 1) return n;
    n++;
    from = nl + 1;
  }
}

// ---- buckets that may go into debt (HTTP body bytes: reserved up front, settled once read) ----

/** Milliseconds until a bucket in state `fullAt` holds `n` tokens (0 = now). `n` at most the burst. */
export function waitForTokens(limit: RateLimit, fullAt: number, now: number, n: number): number {
  return Math.max(0, fullAt - now - ((limit.burst - n) * 1000) / limit.ratePerSecond);
}

/**
 * Takes `n` tokens (a negative `n` gives them back) without checking: the bucket may go below zero,
 * and then refills from there. Used for amounts known only afterwards, such as a body's decoded size.
 */
export function chargeTokens(limit: RateLimit, fullAt: number, now: number, n: number): number {
  return Math.max(fullAt, now) + (n * 1000) / limit.ratePerSecond;
}
