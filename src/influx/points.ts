// Object view of a parsed batch: one `Point` per line with tag and field objects. Handy for tests,
// logging and callers that are not on the hot path; the frame converters read the batch directly.

import type { Field, LineBatch, Point, Tag } from './types.js';

/** The point at index `i` of the batch. */
export function pointAt(batch: LineBatch, i: number): Point {
  const tags: Tag[] = [];
  for (let t = batch.tagStart[i]!; t < batch.tagStart[i + 1]!; t++) {
    tags.push({ key: batch.tagKeys[t]!, value: batch.tagValues[t]! });
  }
  const fields: Field[] = [];
  for (let f = batch.fieldStart[i]!; f < batch.fieldStart[i + 1]!; f++) {
    fields.push({ key: batch.fieldKeys[f]!, kind: batch.fieldKinds[f]!, value: batch.fieldValues[f]! });
  }
  return {
    measurement: batch.measurements[i]!,
    tags,
    fields,
    time: { ms: batch.timeMs[i]!, nanos: batch.timeNanos[i]! },
  };
}

/** All points of the batch, in input order. */
export function pointsOf(batch: LineBatch): Point[] {
  const out: Point[] = [];
  for (let i = 0; i < batch.length; i++) out.push(pointAt(batch, i));
  return out;
}
