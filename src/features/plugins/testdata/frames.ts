// The testdata frames: `Time` + `Value` (a random walk), and for the labeled stream a leading
// `labels` string column with one row per series, which the frontend pivots into one series each.

import type { DataFrame } from '../../../frames/index.js';

export const FRAME_NAME = 'testdata';
export const LABEL_SETS: readonly string[] = ['series=a', 'series=b', 'series=c'];

/** One tick: times in epoch ms, one value per row (one row, or one per label set). */
export function testFrame(labeled: boolean, timeMs: number, values: readonly number[]): DataFrame {
  const rows = values.length;
  const time = { name: 'Time', type: 'time' as const, nullable: false, values: Array.from({ length: rows }, () => timeMs) };
  const value = { name: 'Value', type: 'number' as const, nullable: false, values: [...values] };
  if (!labeled) return { name: FRAME_NAME, fields: [time, value] };
  const labels = { name: 'labels', type: 'string' as const, nullable: false, values: LABEL_SETS.slice(0, rows) };
  return { name: FRAME_NAME, fields: [labels, time, value] };
}

/** A frame with no rows: its schema is what subscribers and /api/live/list get. */
export function emptyTestFrame(labeled: boolean): DataFrame {
  return testFrame(labeled, 0, []);
}
