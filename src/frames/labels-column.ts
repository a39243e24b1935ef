// `labels_column` mode (Grafana's default, spec §6.2): one frame per measurement per batch with
// columns labels, time, then every field key in order of first appearance; one row per line;
// missing values and type conflicts become null, except that a string column takes Go's `%v` text.

import type { LineBatch } from '../influx/types.js';
import type { Cell, FieldType, FrameField, MeasurementFrame } from './frame.js';
import { goFormatValue } from './go-format.js';
import { cellOf, FieldOrder, frameTypeOf } from './line-fields.js';
import { TagSetCache } from './tag-sets.js';

interface Builder {
  measurement: string;
  /** Rows of this measurement in the batch (first pass), then the next row to fill. */
  rows: number;
  row: number;
  labels: Cell[];
  times: Cell[];
  nanos: number[];
  /** Field columns in order of first appearance, and by name. */
  columns: FrameField[];
  byName: Map<string, FrameField>;
  /** Sorted field order of the measurement's latest line shape, and the column of each entry. */
  fieldOrder: FieldOrder;
  planColumns: FrameField[];
}

/** A column of `rows` nulls: cells are then written by row, so missing values need no padding. */
function nulls(rows: number): Cell[] {
  return new Array<Cell>(rows).fill(null);
}

export function toLabelsColumnFrames(batch: LineBatch): MeasurementFrame[] {
  const builders = new Map<string, Builder>();
  const order: Builder[] = [];
  const tagSets = new TagSetCache();
  const n = batch.length;

  // First pass: one builder per measurement with its row count, so every column is allocated
  // once at its final length (growing columns by push was a large share of the allocation).
  const lineBuilder: Builder[] = new Array<Builder>(n);
  let last: Builder | undefined;
  for (let i = 0; i < n; i++) {
    const measurement = batch.measurements[i]!;
    // Lines of one measurement usually come together: try the previous line's builder first.
    let b = last !== undefined && last.measurement === measurement ? last : builders.get(measurement);
    if (b === undefined) {
      b = {
        measurement,
        rows: 0,
        row: 0,
        labels: [],
        times: [],
        nanos: [],
        columns: [],
        byName: new Map(),
        fieldOrder: new FieldOrder(),
        planColumns: [],
      };
      builders.set(measurement, b);
      order.push(b);
    }
    b.rows++;
    lineBuilder[i] = b;
    last = b;
  }
  for (const b of order) {
    b.labels = new Array<Cell>(b.rows);
    b.times = new Array<Cell>(b.rows);
    b.nanos = new Array<number>(b.rows);
  }

  for (let i = 0; i < n; i++) {
    const b = lineBuilder[i]!;
    const row = b.row++;
    b.labels[row] = tagSets.get(batch, i).text;
    b.times[row] = batch.timeMs[i]!;
    b.nanos[row] = batch.timeNanos[i]!;

    const f0 = batch.fieldStart[i]!;
    const planned = b.fieldOrder.update(batch, f0, batch.fieldStart[i + 1]!);
    const fieldOrder = b.fieldOrder.order;
    if (!planned) b.planColumns = [];
    for (let k = 0; k < fieldOrder.length; k++) {
      const f = f0 + fieldOrder[k]!;
      const kind = batch.fieldKinds[f]!;
      const value = batch.fieldValues[f]!;
      const type: FieldType = frameTypeOf(kind, value);
      let cell = cellOf(kind, value);
      let column = planned ? b.planColumns[k] : b.byName.get(batch.fieldKeys[f]!);
      if (column === undefined) {
        const name = batch.fieldKeys[f]!;
        column = { name, type, nullable: true, values: nulls(b.rows) };
        b.byName.set(name, column);
        b.columns.push(column);
      } else if (column.type !== type) {
        // Type conflict: a string column keeps the value as Go `%v` text, others get null.
        cell = column.type === 'string' && cell !== null ? goFormatValue(kind, value) : null;
      }
      if (!planned) b.planColumns.push(column);
      column.values[row] = cell;
    }
  }

  const frames: MeasurementFrame[] = [];
  for (const b of order) {
    const fields: FrameField[] = [
      { name: 'labels', type: 'string', nullable: false, values: b.labels },
      { name: 'time', type: 'time', nullable: false, values: b.times, nanos: b.nanos },
    ];
    for (const column of b.columns) fields.push(column);
    frames.push({ measurement: b.measurement, frame: { name: b.measurement, fields } });
  }
  return frames;
}
