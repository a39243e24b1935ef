// The small data-frame model livehub publishes: Grafana's frame reduced to what the Telegraf path
// produces (time, float64, bool and string columns; field labels). Values are column-major like
// the wire format, so encoding is a straight walk.

/** Frame field kinds (the JSON `type`); each maps to one Go item type (`typeInfo.frame`). */
export type FieldType = 'time' | 'number' | 'boolean' | 'string';

/** `typeInfo.frame` of each field type. */
export const FRAME_ITEM_TYPE: Readonly<Record<FieldType, string>> = {
  time: 'time.Time',
  number: 'float64',
  boolean: 'bool',
  string: 'string',
};

/**
 * Field labels as `[key, value]` pairs, sorted by key in UTF-8 byte order with unique keys (the
 * order Go writes a label map in). An array keeps that order explicit and has none of the
 * prototype pitfalls an object keyed by user data has (`__proto__`). Treat a labels array as
 * immutable: converters share one per tag set and the encoder memoises its JSON by identity.
 */
export type Labels = ReadonlyArray<readonly [key: string, value: string]>;

/** One cell: epoch milliseconds for time fields, a float64 (NaN/±Inf allowed), bool or string. */
export type Cell = number | boolean | string | null;

export interface FrameField {
  name: string;
  type: FieldType;
  nullable: boolean;
  /** Present → written as `"labels":{…}` (even when empty, as wide mode does for untagged lines). */
  labels?: Labels;
  values: Cell[];
  /**
   * Time fields only: per-row sub-millisecond remainder in ns (0…999999), written as the data's
   * `nanos` entry when any is non-zero.
   */
  nanos?: number[];
}

export interface DataFrame {
  /** Frame name (the measurement); omitted from JSON when empty. */
  name: string;
  fields: FrameField[];
}

/** A converted frame and the measurement it came from (channel `stream/<streamId>/<measurement>`). */
export interface MeasurementFrame {
  measurement: string;
  frame: DataFrame;
}

/** Number of rows (length of the first field; the converters keep all fields equally long). */
export function rowCount(frame: DataFrame): number {
  return frame.fields.length === 0 ? 0 : frame.fields[0]!.values.length;
}
