// Per-line field handling shared by both converters: Grafana sorts a line's fields by key before
// use, and its v1 parser keeps one value per key (a repeated key overwrites), while the v2 parser
// keeps every occurrence; plus the line-protocol → frame type mapping of §6.1.

import { compareUtf8 } from '../influx/compare.js';
import { FieldKind, type FieldValue, type LineBatch } from '../influx/types.js';
import type { Cell, FieldType } from './data-frame.js';

/** Longer field lists are sorted by Array#sort: insertion sort is quadratic on reversed input. */
const INSERTION_SORT_MAX = 16;

/**
 * Writes into `out` the indices of fields `[f0, f1)` ordered by key (UTF-8 byte order) with each
 * repeated key reduced to its last occurrence; returns how many were written.
 */
export function sortedFieldOrder(batch: LineBatch, f0: number, f1: number, out: number[]): number {
  const keys = batch.fieldKeys;
  const n = f1 - f0;
  if (n > INSERTION_SORT_MAX) {
    // Array#sort is stable, so equal keys keep input order here too.
    out.length = n;
    for (let i = 0; i < n; i++) out[i] = f0 + i;
    out.sort((a, b) => compareUtf8(keys[a]!, keys[b]!));
  } else {
    for (let i = 0; i < n; i++) {
      // Insertion sort, stable: equal keys stay in input order, so the last occurrence ends last.
      const f = f0 + i;
      const k = keys[f]!;
      let j = i - 1;
      while (j >= 0 && compareUtf8(keys[out[j]!]!, k) > 0) {
        out[j + 1] = out[j]!;
        j--;
      }
      out[j + 1] = f;
    }
  }
  let w = 0;
  for (let r = 0; r < n; r++) {
    if (r + 1 < n && keys[out[r + 1]!] === keys[out[r]!]) continue; // a later value wins
    out[w++] = out[r]!;
  }
  return w;
}

/**
 * The sorted order of a line's fields, remembered between lines of one measurement: Telegraf
 * repeats the same keys in the same order line after line, so the sort runs once per shape.
 */
export class FieldOrder {
  /** Relative indices (into the line's fields) in sorted, last-wins order. */
  order: number[] = [];
  private keys: string[] = [];
  private readonly scratch: number[] = [];

  /** Sets `order` for fields `[f0, f1)`; returns true when it is the previous line's order. */
  update(batch: LineBatch, f0: number, f1: number): boolean {
    const n = f1 - f0;
    const keys = batch.fieldKeys;
    const prev = this.keys;
    if (prev.length === n) {
      let j = 0;
      while (j < n && keys[f0 + j] === prev[j]) j++;
      if (j === n) return true;
    }
    const count = sortedFieldOrder(batch, f0, f1, this.scratch);
    const order: number[] = [];
    for (let k = 0; k < count; k++) order.push(this.scratch[k]! - f0);
    this.order = order;
    this.keys = keys.slice(f0, f1);
    return false;
  }
}

/** Frame type of a value: all numbers are float64, the string "NaN" is a float64 null. */
export function frameTypeOf(kind: FieldKind, value: FieldValue): FieldType {
  switch (kind) {
    case FieldKind.Bool:
      return 'boolean';
    case FieldKind.String:
      return value === 'NaN' ? 'number' : 'string';
    default:
      return 'number';
  }
}

/** Cell of a value in a column of its own type (see frameTypeOf). */
export function cellOf(kind: FieldKind, value: FieldValue): Cell {
  switch (kind) {
    case FieldKind.Float:
    case FieldKind.Bool:
      return value as number | boolean;
    case FieldKind.Int:
    case FieldKind.Uint:
      // 64-bit integers become float64 (nearest, ties to even, as Go's conversion).
      return typeof value === 'bigint' ? Number(value) : (value as number);
    default:
      return value === 'NaN' ? null : (value as string);
  }
}
