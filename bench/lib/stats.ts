// Small statistics helpers for the benchmark scenarios: percentiles, least-squares slope, rounding.

/** The p-th percentile (0–100) of `xs` by nearest rank; NaN when empty. Sorts a copy. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

export interface LinearFit {
  /** Change of y per unit of x. */
  readonly slope: number;
  readonly intercept: number;
  /** Coefficient of determination. */
  readonly r2: number;
}

/** Ordinary least squares y = slope·x + intercept (needs ≥ 2 distinct x). */
export function leastSquares(points: ReadonlyArray<readonly [number, number]>): LinearFit {
  const n = points.length;
  if (n < 2) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN };
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return { slope: Number.NaN, intercept: Number.NaN, r2: Number.NaN };
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** Rounds to `digits` decimals (for JSON output that stays readable). */
export function round(x: number, digits = 0): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** a / b, or NaN when b is 0 or not finite. */
export function ratio(a: number, b: number): number {
  return b === 0 || !Number.isFinite(b) || !Number.isFinite(a) ? Number.NaN : a / b;
}

export interface LatencySummary {
  readonly samples: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samplesMs: readonly number[]): LatencySummary {
  let max = Number.NaN;
  for (const x of samplesMs) if (!(x <= max)) max = x;
  return {
    samples: samplesMs.length,
    p50: round(percentile(samplesMs, 50), 2),
    p90: round(percentile(samplesMs, 90), 2),
    p99: round(percentile(samplesMs, 99), 2),
    max: round(max, 2),
  };
}
