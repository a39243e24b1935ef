// `wide` mode (spec §6.3): one frame per (measurement, timestamp) in order of first appearance:
// a one-row time field, then for every line of that group each field (keys sorted) as its own
// one-row column carrying the line's tags as labels. Tag values therefore live in the schema.

import type { LineBatch } from '../influx/types.js';
import type { FrameField, Labels, MeasurementFrame } from './data-frame.js';
import { type FrameLimits, NO_FRAME_LIMITS, tooManyCells, tooManyFields } from './limits.js';
import { cellOf, FieldOrder, frameTypeOf } from './line-fields.js';
import { TagSetCache } from './tag-sets.js';

interface Group {
  ms: number;
  nanos: number;
  out: MeasurementFrame;
  /** Field count, then (second pass) the next free slot of `out.frame.fields`. */
  size: number;
}

/**
 * Groups per millisecond scanned before the rest of that millisecond's groups are looked up by an
 * exact key: lines without a timestamp all get the receive time, so one millisecond may hold every
 * measurement of a batch, and an unbounded scan would make the batch quadratic.
 */
const SAME_MS_SCAN = 8;

/** Key of a group: numbers without spaces, then the measurement, so it is unambiguous. */
function groupKey(ms: number, nanos: number, measurement: string): string {
  return ms + ' ' + nanos + ' ' + measurement;
}

export function toWideFrames(batch: LineBatch, limits: FrameLimits = NO_FRAME_LIMITS): MeasurementFrame[] {
  // Groups by epoch ms, then measurement and sub-ms remainder (few groups share one ms).
  const groups = new Map<number, Group[]>();
  const crowded = new Map<string, Group>();
  const frames: MeasurementFrame[] = [];
  const ordered: Group[] = [];
  const orders = new Map<string, FieldOrder>();
  const tagSets = new TagSetCache();
  const { maxFieldsPerFrame, maxCells } = limits;
  /** Cells of all frames so far: every field of a wide frame has one row. */
  let cells = 0;
  let last: Group | undefined;
  let lastOrder: FieldOrder | undefined;

  // First pass: group every line and remember its field order and labels, so each frame's field
  // list can be allocated at its final size (wide frames are many and long; growing them by push
  // was a large share of the allocation).
  const n = batch.length;
  const lineGroup: Group[] = new Array<Group>(n);
  const lineOrder: number[][] = new Array<number[]>(n);
  const lineLabels: Labels[] = new Array<Labels>(n);
  for (let i = 0; i < n; i++) {
    const measurement = batch.measurements[i]!;
    const ms = batch.timeMs[i]!;
    const nanos = batch.timeNanos[i]!;
    // Lines of one gather (same measurement and time) usually come together.
    let group =
      last !== undefined && last.ms === ms && last.nanos === nanos && last.out.measurement === measurement
        ? last
        : undefined;
    if (group === undefined) {
      let sameMs = groups.get(ms);
      if (sameMs === undefined) {
        sameMs = [];
        groups.set(ms, sameMs);
      }
      for (const g of sameMs) {
        if (g.nanos === nanos && g.out.measurement === measurement) {
          group = g;
          break;
        }
      }
      const key = group === undefined && sameMs.length >= SAME_MS_SCAN ? groupKey(ms, nanos, measurement) : undefined;
      if (key !== undefined) group = crowded.get(key);
      if (group === undefined) {
        group = { ms, nanos, out: { measurement, frame: { name: measurement, fields: [] } }, size: 1 };
        if (key === undefined) sameMs.push(group);
        else crowded.set(key, group);
        frames.push(group.out);
        ordered.push(group);
        cells++;
      }
      last = group;
      lastOrder = orders.get(measurement);
      if (lastOrder === undefined) {
        lastOrder = new FieldOrder();
        orders.set(measurement, lastOrder);
      }
    }
    lastOrder!.update(batch, batch.fieldStart[i]!, batch.fieldStart[i + 1]!);
    const order = lastOrder!.order;
    group.size += order.length;
    cells += order.length;
    if (group.size > maxFieldsPerFrame) tooManyFields(measurement, maxFieldsPerFrame);
    lineGroup[i] = group;
    lineOrder[i] = order;
    lineLabels[i] = tagSets.get(batch, i).labels;
  }

  if (cells > maxCells) tooManyCells(cells, maxCells);

  for (const g of ordered) {
    const fields = new Array<FrameField>(g.size);
    fields[0] = { name: 'time', type: 'time', nullable: false, values: [g.ms], nanos: [g.nanos] };
    g.out.frame.fields = fields;
    g.size = 1;
  }

  // Second pass: one single-row column per field, in line order within each frame.
  for (let i = 0; i < n; i++) {
    const group = lineGroup[i]!;
    const fields = group.out.frame.fields;
    const labels = lineLabels[i]!;
    const order = lineOrder[i]!;
    const f0 = batch.fieldStart[i]!;
    let slot = group.size;
    for (let k = 0; k < order.length; k++) {
      const f = f0 + order[k]!;
      const kind = batch.fieldKinds[f]!;
      const value = batch.fieldValues[f]!;
      fields[slot++] = {
        name: batch.fieldKeys[f]!,
        type: frameTypeOf(kind, value),
        nullable: true,
        labels,
        values: [cellOf(kind, value)],
      };
    }
    group.size = slot;
  }
  return frames;
}
