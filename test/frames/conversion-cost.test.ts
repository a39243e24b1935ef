// The cost of converting a batch is linear in the values it holds, whatever their pattern — checked
// by counting (array lengths, key reads, cache entries), never by time. The pattern of issue 13:
// 12,000 lines each with a new field key, which the old dense layout turned into 144 million cells.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectLabelsColumn, frameFieldCount, layOut } from '../../src/frames/labels-column.js';
import { sortedFieldOrder } from '../../src/frames/line-fields.js';
import { TagSetCache } from '../../src/frames/tag-sets.js';
import { toWideFrames } from '../../src/frames/wide.js';
import { BatchLimitError } from '../../src/influx/errors.js';
import { parseLineProtocol } from '../../src/influx/parser.js';
import type { LineBatch } from '../../src/influx/types.js';

const LINES = 12_000;
const distinctFields = (n: number): string => Array.from({ length: n }, (_, i) => `sp f${i}=1`).join('\n');

/** Cells and row numbers a collected batch holds (what its memory and work are made of). */
function heldSlots(frames: ReturnType<typeof collectLabelsColumn>): number {
  let slots = 0;
  for (const f of frames) {
    slots += f.labels.length + f.times.length + f.nanos.length;
    for (const c of f.columns) slots += (c.dense?.length ?? 0) + c.cells.length + c.rows.length;
  }
  return slots;
}

/**
 * The most a collected batch may hold: labels, time and nanos per line; columns laid out up front
 * within twice its values and lines; a row number and a cell per value otherwise.
 */
function linearBound(batch: LineBatch): number {
  const values = batch.fieldKeys.length;
  return 3 * batch.length + 2 * (values + batch.length) + 2 * values;
}

test('12,000 lines with 12,000 distinct field keys: collecting holds a few slots per line, not rows × fields', () => {
  const batch = parseLineProtocol(distinctFields(LINES));
  const frames = collectLabelsColumn(batch);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.columns.length, LINES);
  // 4 columns laid out up front (4 × 12,000 = the budget), 11,996 sparse ones (a row and a cell each).
  assert.equal(frames[0]!.columns.filter((c) => c.dense !== null).length, 4);
  assert.equal(heldSlots(frames), 3 * LINES + 4 * LINES + 2 * (LINES - 4));
  assert.ok(heldSlots(frames) <= linearBound(batch));
  // What a dense layout of this frame would be: the old converter allocated it up front.
  assert.equal(frames[0]!.rows * frameFieldCount(frames[0]!), 12_000 * 12_002);
});

test('the limits refuse that frame before any column is laid out', () => {
  const batch = parseLineProtocol(distinctFields(LINES));
  assert.throws(() => collectLabelsColumn(batch, { maxFieldsPerFrame: 1000, maxCells: Infinity }), (err: unknown) => {
    assert.ok(err instanceof BatchLimitError);
    assert.equal(err.limit, 'frame_fields');
    assert.equal(err.max, 1000);
    assert.match(err.message, /measurement "sp" would have more than 1000 fields/);
    return true;
  });
  assert.throws(() => collectLabelsColumn(batch, { maxFieldsPerFrame: Infinity, maxCells: 1_000_000 }), (err: unknown) => {
    assert.ok(err instanceof BatchLimitError);
    assert.equal(err.limit, 'values');
    assert.match(err.message, /144024000 values/);
    return true;
  });
  // wide: one frame (no timestamps: one receive time) of 12,001 one-row fields.
  assert.throws(() => toWideFrames(batch, { maxFieldsPerFrame: 1000, maxCells: Infinity }), { name: 'BatchLimitError', message: /more than 1000 fields/ });
  const wide = toWideFrames(batch);
  assert.equal(wide.length, 1);
  assert.equal(wide[0]!.frame.fields.reduce((n, f) => n + f.values.length, 0), LINES + 1);
});

test('a field cycling through 100 keys over 10,000 rows: sparse while collected, dense only when laid out', () => {
  const rows = 10_000;
  const batch = parseLineProtocol(Array.from({ length: rows }, (_, i) => `m f${i % 100}=${i}`).join('\n'));
  const frames = collectLabelsColumn(batch);
  assert.ok(heldSlots(frames) <= linearBound(batch), `${heldSlots(frames)} slots`);
  assert.throws(() => collectLabelsColumn(batch, { maxFieldsPerFrame: 1000, maxCells: 1_000_000 }), { name: 'BatchLimitError', message: /1020000 values/ });
  const frame = layOut(frames[0]!).frame;
  assert.equal(frame.fields.length, 102);
  assert.deepEqual(frame.fields[2]!.values.slice(0, 201).filter((v) => v !== null), [0, 100, 200]);
});

test('a usual batch is laid out in place as it is collected: no copy at the end', () => {
  const batch = parseLineProtocol('m a=1,b=2\nm a=3,b=4\nm a=5');
  const [collected] = collectLabelsColumn(batch);
  const [a, b] = collected!.columns;
  assert.ok(a!.dense !== null && b!.dense !== null);
  const frame = layOut(collected!).frame;
  assert.equal(frame.fields[2]!.values, a!.dense);
  assert.deepEqual(frame.fields[3]!.values, [2, 4, null]);
});

/** The batch with its field or tag key arrays wrapped to count element reads. */
function counting(batch: LineBatch, which: 'fieldKeys' | 'tagValues'): { batch: LineBatch; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(batch[which], {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && /^[0-9]+$/.test(prop)) reads++;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { batch: { ...batch, [which]: proxy }, reads: () => reads };
}

test('a line with 4,000 fields in reverse order is sorted in O(n log n) key reads', () => {
  const n = 4000;
  const line = `m ${Array.from({ length: n }, (_, i) => `f${String(n - i).padStart(5, '0')}=1`).join(',')}`;
  const { batch, reads } = counting(parseLineProtocol(line), 'fieldKeys');
  const out: number[] = [];
  assert.equal(sortedFieldOrder(batch, 0, n, out), n);
  assert.equal(batch.fieldKeys[out[0]!], 'f00001');
  // Insertion sort read ~n²/2 = 8 million keys here.
  assert.ok(reads() < 4 * n * Math.log2(n), `${reads()} key reads for ${n} fields`);
});

test('tag sets that collide in the cheap hash are found by exact key: reads stay linear, sets stay shared', () => {
  // 4,096 distinct values of one length with the same middle and last character: one hash bucket.
  const values = Array.from({ length: 4096 }, (_, i) => `Q${i.toString(16).padStart(3, '0').slice(0, 1)}7${i.toString(16).padStart(3, '0').slice(1)}Z`);
  const text = [...values, ...values].map((v) => `m,t=${v} f=1`).join('\n');
  const { batch, reads } = counting(parseLineProtocol(text), 'tagValues');
  const cache = new TagSetCache();
  const first = values.map((_, i) => cache.get(batch, i));
  const second = values.map((_, i) => cache.get(batch, values.length + i));
  second.forEach((set, i) => assert.equal(set, first[i], `set ${i} is shared`));
  // A bucket holds 8 sets; the rest are read a bounded number of times each (scan of 8 + key).
  assert.ok(reads() < 40 * 2 * values.length, `${reads()} tag value reads for ${2 * values.length} lines`);
});
