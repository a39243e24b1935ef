// Timestamp precision: the `precision` query parameter, scaling of written timestamps to
// nanoseconds with the reference parser's int64 range check, and the default time for lines
// without a timestamp. Results are `{ms, nanos}` so 19-digit nanosecond times stay exact.

import type { Precision, Timestamp } from './types.js';

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;
const NS_PER_MS = 1_000_000n;

/** Nanoseconds per unit. */
export const PRECISION_NS: Readonly<Record<Precision, bigint>> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
};

/**
 * Reads the HTTP `precision` query parameter. Absent or empty → `ns` (what Telegraf sends);
 * `ns`, `us`, `ms`, `s` (exact, lower case, as InfluxDB spells them) → that unit; anything else →
 * `undefined`, which the endpoint answers with 400.
 */
export function parsePrecision(value: string | null | undefined): Precision | undefined {
  if (value === null || value === undefined || value === '') return 'ns';
  switch (value) {
    case 'ns':
    case 'us':
    case 'ms':
    case 's':
      return value;
    default:
      return undefined;
  }
}

/** Splits exact nanoseconds into `{ms, nanos}` with floor semantics (nanos always ≥ 0). */
export function splitNanoseconds(ns: bigint): Timestamp {
  let ms = ns / NS_PER_MS; // truncates toward zero
  let rem = ns - ms * NS_PER_MS;
  if (rem < 0n) {
    ms -= 1n;
    rem += NS_PER_MS;
  }
  return { ms: Number(ms), nanos: Number(rem) };
}

/** Joins `{ms, nanos}` back into exact nanoseconds. */
export function toNanoseconds(t: Timestamp): bigint {
  return BigInt(t.ms) * NS_PER_MS + BigInt(t.nanos);
}

/**
 * The time given to lines without a timestamp: `defaultTime` floored to a multiple of the
 * precision unit (Go's `time.Truncate`, which rounds down), or now when not given.
 */
export function defaultTimestamp(defaultTime: bigint | undefined, precision: Precision): Timestamp {
  const ns = defaultTime ?? BigInt(Date.now()) * NS_PER_MS;
  const unit = PRECISION_NS[precision];
  let q = ns / unit;
  if (q * unit > ns) q -= 1n; // floor for negative times
  return splitNanoseconds(q * unit);
}

/**
 * Converts a timestamp written with the given precision (a signed decimal integer, already
 * validated as such by the caller) into nanoseconds. Returns undefined when the result leaves the
 * int64 nanosecond range (the reference parser's "value out of range").
 */
export function scaleTimestamp(digits: string, precision: Precision): Timestamp | undefined {
  const ns = BigInt(digits) * PRECISION_NS[precision];
  if (ns < INT64_MIN || ns > INT64_MAX) return undefined;
  return splitNanoseconds(ns);
}
