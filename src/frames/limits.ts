// Size bounds of one conversion. Both converters check them while they collect a batch, before
// any frame is materialised: a labels_column frame is dense (rows × fields cells, nulls included),
// so its size is known, and refused, before a single column of that size is allocated.

import { BatchLimitError } from '../influx/errors.js';

export interface FrameLimits {
  /** Fields (schema entries, `labels` and `time` included) one frame may have. */
  readonly maxFieldsPerFrame: number;
  /** Cells (rows × fields, nulls included) all frames of one batch may have together. */
  readonly maxCells: number;
}

export const NO_FRAME_LIMITS: FrameLimits = { maxFieldsPerFrame: Infinity, maxCells: Infinity };

/** Longest measurement name quoted in a limit message (names are not bounded until channel validation). */
const QUOTE_MAX = 100;

export function tooManyFields(measurement: string, max: number): never {
  const name = measurement.length > QUOTE_MAX ? `${measurement.slice(0, QUOTE_MAX)}…` : measurement;
  throw new BatchLimitError('frame_fields', max, `the frame of measurement ${JSON.stringify(name)} would have more than ${max} fields`);
}

export function tooManyCells(cells: number, max: number): never {
  throw new BatchLimitError('values', max, `the frames of the push would have ${cells} values (rows × fields, nulls included), more than ${max}`);
}
