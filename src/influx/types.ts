// Shapes produced by the line-protocol parser. The batch is columnar (flat arrays plus per-point
// offsets) because that is what the frame converters iterate and it allocates far less than one
// object per tag and field; `Point` is the per-line view for callers that want objects.

/** Timestamp unit of the numbers written in the text (InfluxDB's `precision` parameter). */
export type Precision = 'ns' | 'us' | 'ms' | 's';

/** Value kinds of line protocol. Numeric codes keep the per-field kind array small and fast. */
export const FieldKind = {
  /** `1`, `-1.5`, `1e3` — a float64. */
  Float: 0,
  /** `42i` — signed 64-bit. */
  Int: 1,
  /** `42u` — unsigned 64-bit. */
  Uint: 2,
  /** `t`, `true`, `F`, … */
  Bool: 3,
  /** `"…"` */
  String: 4,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

/**
 * A field value. Float → number; Int and Uint → number when it is a safe integer (|v| ≤ 2^53 − 1),
 * otherwise bigint (so 64-bit values survive exactly); Bool → boolean; String → string.
 */
export type FieldValue = number | bigint | boolean | string;

/**
 * A point in time with nanosecond resolution, split so it stays exact without bigint:
 * `ms` = floor(ns / 10^6) (epoch milliseconds, what the frame JSON carries) and
 * `nanos` = ns − ms·10^6, always in [0, 999999].
 */
export interface Timestamp {
  ms: number;
  nanos: number;
}

/**
 * A parsed batch. Point `i` owns tags `[tagStart[i], tagStart[i+1])` and fields
 * `[fieldStart[i], fieldStart[i+1])` of the flat arrays; both offset arrays have `length + 1` entries.
 * Tags of a point are sorted by key (UTF-8 byte order, keys unique); fields keep input order
 * (duplicates kept, as the reference parser does).
 */
export interface LineBatch {
  /** Number of points. */
  length: number;
  measurements: string[];
  tagStart: number[];
  tagKeys: string[];
  tagValues: string[];
  fieldStart: number[];
  fieldKeys: string[];
  fieldKinds: FieldKind[];
  fieldValues: FieldValue[];
  /** Epoch milliseconds per point (floor of ns / 10^6). */
  timeMs: number[];
  /** Sub-millisecond remainder per point, 0…999999 ns. */
  timeNanos: number[];
}

export interface Tag {
  key: string;
  value: string;
}

export interface Field {
  key: string;
  kind: FieldKind;
  value: FieldValue;
}

/** Object view of one point (see `pointsOf`). */
export interface Point {
  measurement: string;
  /** Sorted by key, UTF-8 byte order. */
  tags: Tag[];
  /** Input order. */
  fields: Field[];
  time: Timestamp;
}

export interface ParseOptions {
  /** Unit of timestamps in the text; default `ns`. */
  precision?: Precision;
  /**
   * Time for lines without a timestamp, in nanoseconds since the epoch (bigint, exact).
   * It is truncated (floored) to `precision`, as the reference parser does. Default: now.
   */
  defaultTime?: bigint;
  /** At most this many lines (points); one more throws BatchLimitError `rows`. Default: unbounded. */
  maxPoints?: number;
  /**
   * At most this many tag and field pairs in the whole body; one more throws BatchLimitError
   * `values`. Default: unbounded.
   */
  maxValues?: number;
}
