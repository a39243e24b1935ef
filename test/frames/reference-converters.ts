// Deliberately naive converters written straight from the spec (§6.2, §6.3) over the object view
// of a batch: dense columns of nulls, linear searches, no caches. Slow and quadratic on purpose —
// they are the yardstick the optimised converters must match byte for byte on small batches.

import type { Cell, FrameField, MeasurementFrame } from '../../src/frames/data-frame.js';
import { goFormatValue } from '../../src/frames/go-format.js';
import { cellOf, frameTypeOf } from '../../src/frames/line-fields.js';
import { compareUtf8 } from '../../src/influx/compare.js';
import { pointsOf } from '../../src/influx/points.js';
import type { Field, LineBatch, Point } from '../../src/influx/types.js';

/** A line's fields sorted by key (UTF-8 bytes), a repeated key keeping its last value. */
function sortedFields(point: Point): Field[] {
  const lastByKey = new Map<string, Field>();
  for (const f of point.fields) lastByKey.set(f.key, f);
  return [...lastByKey.values()].sort((a, b) => compareUtf8(a.key, b.key));
}

export function referenceLabelsColumn(batch: LineBatch): MeasurementFrame[] {
  const points = pointsOf(batch);
  const measurements: string[] = [];
  for (const p of points) if (!measurements.includes(p.measurement)) measurements.push(p.measurement);
  return measurements.map((measurement) => {
    const rows = points.filter((p) => p.measurement === measurement);
    const columns: FrameField[] = [];
    rows.forEach((p, row) => {
      for (const f of sortedFields(p)) {
        let column = columns.find((c) => c.name === f.key);
        if (column === undefined) {
          column = { name: f.key, type: frameTypeOf(f.kind, f.value), nullable: true, values: rows.map((): Cell => null) };
          columns.push(column);
        }
        let cell = cellOf(f.kind, f.value);
        if (column.type !== frameTypeOf(f.kind, f.value)) cell = column.type === 'string' && cell !== null ? goFormatValue(f.kind, f.value) : null;
        column.values[row] = cell;
      }
    });
    const fields: FrameField[] = [
      { name: 'labels', type: 'string', nullable: false, values: rows.map((p) => p.tags.map((t) => `${t.key}=${t.value}`).join(', ')) },
      { name: 'time', type: 'time', nullable: false, values: rows.map((p) => p.time.ms), nanos: rows.map((p) => p.time.nanos) },
      ...columns,
    ];
    return { measurement, frame: { name: measurement, fields } };
  });
}

export function referenceWide(batch: LineBatch): MeasurementFrame[] {
  const groups: { measurement: string; ms: number; nanos: number; points: Point[] }[] = [];
  for (const p of pointsOf(batch)) {
    let g = groups.find((x) => x.measurement === p.measurement && x.ms === p.time.ms && x.nanos === p.time.nanos);
    if (g === undefined) {
      g = { measurement: p.measurement, ms: p.time.ms, nanos: p.time.nanos, points: [] };
      groups.push(g);
    }
    g.points.push(p);
  }
  return groups.map((g) => {
    const fields: FrameField[] = [{ name: 'time', type: 'time', nullable: false, values: [g.ms], nanos: [g.nanos] }];
    for (const p of g.points) {
      const labels = p.tags.map((t) => [t.key, t.value] as const);
      for (const f of sortedFields(p)) fields.push({ name: f.key, type: frameTypeOf(f.kind, f.value), nullable: true, labels, values: [cellOf(f.kind, f.value)] });
    }
    return { measurement: g.measurement, frame: { name: g.measurement, fields } };
  });
}
