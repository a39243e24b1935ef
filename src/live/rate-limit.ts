// A token bucket per connection: `rate` tokens per second refill a bucket of `burst` tokens, each
// inbound command takes one. Two numbers and a timestamp per connection, a few float operations per
// message — cheap enough to run on every frame. Time comes from a monotonic clock.

export interface RateLimit {
  /** Average commands per second; 0 disables the limit. */
  readonly ratePerSecond: number;
  /** Bucket size: how many commands may arrive at once. */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(
    readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = limit.burst;
    this.last = now();
    this.perMs = limit.ratePerSecond / 1000;
  }

  /** Takes `n` tokens; false (and nothing taken) when the bucket holds fewer. */
  take(n = 1): boolean {
    const now = this.now();
    const elapsed = now - this.last;
    this.last = now;
    if (elapsed > 0) this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.perMs);
    // The epsilon forgives float rounding for a client sending exactly at the rate.
    if (this.tokens + 1e-6 < n) return false;
    this.tokens = Math.max(0, this.tokens - n);
    return true;
  }

  /** Tokens available now (for tests and metrics). */
  get available(): number {
    const elapsed = this.now() - this.last;
    return Math.min(this.limit.burst, this.tokens + Math.max(0, elapsed) * this.perMs);
  }
}

/** A bucket for the limit, or undefined when the limit is disabled (rate 0). */
export function tokenBucket(limit: RateLimit | undefined): TokenBucket | undefined {
  if (limit === undefined || limit.ratePerSecond <= 0) return undefined;
  return new TokenBucket(limit);
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
