// `wide` mode (spec §6.3): one frame per (measurement, timestamp) in order of first appearance:
// a one-row time field, then for every line of that group each field (keys sorted) as its own
// one-row column carrying the line's tags as labels. Tag values therefore live in the schema.

import type { LineBatch } from '../influx/types.js';
import type { FrameField, MeasurementFrame } from './frame.js';
import { cellOf, FieldOrder, frameTypeOf } from './line-fields.js';
import { TagSetCache } from './tag-sets.js';

interface Group {
  ms: number;
  nanos: number;
  out: MeasurementFrame;
}

export function toWideFrames(batch: LineBatch): MeasurementFrame[] {
  // Groups by epoch ms, then measurement and sub-ms remainder (few groups share one ms).
  const groups = new Map<number, Group[]>();
  const frames: MeasurementFrame[] = [];
  const orders = new Map<string, FieldOrder>();
  const tagSets = new TagSetCache();
  let last: Group | undefined;
  let lastOrder: FieldOrder | undefined;

  for (let i = 0; i < batch.length; i++) {
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
      if (group === undefined) {
        const time: FrameField = { name: 'time', type: 'time', nullable: false, values: [ms], nanos: [nanos] };
        group = { ms, nanos, out: { measurement, frame: { name: measurement, fields: [time] } } };
        sameMs.push(group);
        frames.push(group.out);
      }
      last = group;
      lastOrder = orders.get(measurement);
      if (lastOrder === undefined) {
        lastOrder = new FieldOrder();
        orders.set(measurement, lastOrder);
      }
    }
    const labels = tagSets.get(batch, i).labels;
    const fields = group.out.frame.fields;
    const f0 = batch.fieldStart[i]!;
    lastOrder!.update(batch, f0, batch.fieldStart[i + 1]!);
    const fieldOrder = lastOrder!.order;
    for (let k = 0; k < fieldOrder.length; k++) {
      const f = f0 + fieldOrder[k]!;
      const kind = batch.fieldKinds[f]!;
      const value = batch.fieldValues[f]!;
      fields.push({
        name: batch.fieldKeys[f]!,
        type: frameTypeOf(kind, value),
        nullable: true,
        labels,
        values: [cellOf(kind, value)],
      });
    }
  }
  return frames;
}
