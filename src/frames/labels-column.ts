// `labels_column` mode (Grafana's default, spec §6.2): one frame per measurement per batch with
// columns labels, time, then every field key in order of first appearance; one row per line;
// missing values and type conflicts become null, except that a string column takes Go's `%v` text.
//
// Cost: the frame is dense (rows × fields cells), but a batch whose lines each bring new keys would
// make that product huge from a small body. So columns are laid out at their final length up front
// only while all of them together stay within twice the batch's values and lines — the usual
// Telegraf batch, where every line of a measurement has every field, fits entirely and is written
// cell by cell in place — and past that a column collects its cells sparsely (row numbers and
// values). Work and memory stay linear in the values present; the frame sizes are checked against
// the limits before any sparse column is laid out.

import type { LineBatch } from '../influx/types.js';
import type { Cell, FieldType, FrameField, MeasurementFrame } from './data-frame.js';
import { goFormatValue } from './go-format.js';
import { type FrameLimits, NO_FRAME_LIMITS, tooManyCells, tooManyFields } from './limits.js';
import { cellOf, FieldOrder, frameTypeOf } from './line-fields.js';
import { TagSetCache } from './tag-sets.js';

/**
 * A field column while the batch is collected: laid out (`dense`, one cell per row of the frame,
 * nulls where no line has a value), or sparse (the row and value of each cell written).
 */
export interface SparseColumn {
  readonly name: string;
  readonly type: FieldType;
  readonly dense: Cell[] | null;
  readonly rows: number[];
  readonly cells: Cell[];
}

/** One measurement's frame while the batch is collected. */
export interface SparseFrame {
  readonly measurement: string;
  /** Rows of this measurement in the batch (first pass), then the next row to fill. */
  rows: number;
  row: number;
  labels: Cell[];
  times: Cell[];
  nanos: number[];
  /** Field columns in order of first appearance, and by name. */
  readonly columns: SparseColumn[];
  readonly byName: Map<string, SparseColumn>;
  /** Sorted field order of the measurement's latest line shape, and the column of each entry. */
  readonly fieldOrder: FieldOrder;
  planColumns: SparseColumn[];
}

/** Fields of the finished frame: `labels`, `time`, then the field columns. */
export function frameFieldCount(frame: SparseFrame): number {
  return frame.columns.length + 2;
}

/** A column of `rows` nulls: cells are then written by row, so missing values need no padding. */
function nulls(rows: number): Cell[] {
  return new Array<Cell>(rows).fill(null);
}

function write(column: SparseColumn, row: number, cell: Cell): void {
  if (column.dense !== null) {
    column.dense[row] = cell;
  } else {
    column.rows.push(row);
    column.cells.push(cell);
  }
}

/** The values of a column in a frame of `rows` rows. */
export function denseValues(column: SparseColumn, rows: number): Cell[] {
  if (column.dense !== null) return column.dense;
  const values = nulls(rows);
  const { rows: at, cells } = column;
  for (let i = 0; i < cells.length; i++) values[at[i]!] = cells[i]!;
  return values;
}

/**
 * Collects a batch into sparse frames, in order of first appearance. Throws BatchLimitError as soon
 * as a frame passes `maxFieldsPerFrame`, and before returning when the dense frames would pass
 * `maxCells`.
 */
export function collectLabelsColumn(batch: LineBatch, limits: FrameLimits = NO_FRAME_LIMITS): SparseFrame[] {
  const builders = new Map<string, SparseFrame>();
  const order: SparseFrame[] = [];
  const tagSets = new TagSetCache();
  const n = batch.length;
  const maxColumns = limits.maxFieldsPerFrame - 2;
  /** Cells columns may still be laid out up front: linear in the batch, whatever its shape. */
  let layoutBudget = 2 * (batch.fieldKeys.length + n);

  // First pass: one builder per measurement with its row count, so the labels and time columns are
  // allocated once at their final length (growing them by push was a large share of the allocation).
  const lineBuilder: SparseFrame[] = new Array<SparseFrame>(n);
  let last: SparseFrame | undefined;
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
  let cells = 0;
  for (const b of order) {
    b.labels = new Array<Cell>(b.rows);
    b.times = new Array<Cell>(b.rows);
    b.nanos = new Array<number>(b.rows);
    cells += 2 * b.rows;
  }
  if (cells > limits.maxCells) tooManyCells(cells, limits.maxCells);

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
        if (b.columns.length >= maxColumns) tooManyFields(b.measurement, limits.maxFieldsPerFrame);
        const name = batch.fieldKeys[f]!;
        const laidOut = b.rows <= layoutBudget;
        if (laidOut) layoutBudget -= b.rows;
        column = { name, type, dense: laidOut ? nulls(b.rows) : null, rows: [], cells: [] };
        b.byName.set(name, column);
        b.columns.push(column);
      } else if (column.type !== type) {
        // Type conflict: a string column keeps the value as Go `%v` text, others get null.
        cell = column.type === 'string' && cell !== null ? goFormatValue(kind, value) : null;
      }
      if (!planned) b.planColumns.push(column);
      write(column, row, cell);
    }
  }

  cells = 0;
  for (const b of order) cells += b.rows * frameFieldCount(b);
  if (cells > limits.maxCells) tooManyCells(cells, limits.maxCells);
  return order;
}

/** The frame of a collected measurement, each column laid out once at its final length. */
export function layOut(b: SparseFrame): MeasurementFrame {
  const fields: FrameField[] = [
    { name: 'labels', type: 'string', nullable: false, values: b.labels },
    { name: 'time', type: 'time', nullable: false, values: b.times, nanos: b.nanos },
  ];
  for (const column of b.columns) {
    fields.push({ name: column.name, type: column.type, nullable: true, values: denseValues(column, b.rows) });
  }
  return { measurement: b.measurement, frame: { name: b.measurement, fields } };
}

export function toLabelsColumnFrames(batch: LineBatch, limits: FrameLimits = NO_FRAME_LIMITS): MeasurementFrame[] {
  return collectLabelsColumn(batch, limits).map(layOut);
}
