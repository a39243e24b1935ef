// Unit tests of the console's pure frame → series conversion and streaming buffer (web/src), run in
// Node on the transpiled sources: labels_column pivot, wide labels, schema reset, data append,
// mismatch refusal, the N-point window and the aligned columns uPlot draws.

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { importWebModule } from './web-module.js';

interface SeriesRows {
  key: string;
  field: string;
  labels: string;
  times: number[];
  values: (number | null)[];
}
interface FrameSeriesModule {
  parseFrameMessage(value: unknown): { schema?: unknown; data?: unknown } | undefined;
  frameToSeries(schema: unknown, data: unknown): { ok: true; series: SeriesRows[] } | { ok: false; error: string };
  formatLabels(labels: Record<string, string> | undefined): string;
  seriesLabel(field: string, labels: string): string;
}
type ApplyResult = { kind: 'reset' | 'append'; series: number } | { kind: 'ignored'; reason: string };
interface Store {
  apply(raw: unknown): ApplyResult;
  list(): { key: string; label: string; points: number }[];
  aligned(): [number[], ...(number | null)[][]];
  clear(): void;
}
interface SeriesStoreModule {
  SeriesStore: new (maxPoints?: number) => Store;
}

const num = { type: 'number', typeInfo: { frame: 'float64', nullable: true } };
const time = { name: 'time', type: 'time', typeInfo: { frame: 'time.Time' } };

// grafana-live.md §6.4, labels_column.
const labelsColumnFrame = {
  schema: {
    name: 'cpu',
    fields: [
      { name: 'labels', type: 'string', typeInfo: { frame: 'string' } },
      time,
      { name: 'usage_idle', ...num },
      { name: 'usage_system', ...num },
      { name: 'usage_iowait', ...num },
    ],
  },
  data: {
    values: [
      ['cpu=cpu0, host=h', 'cpu=cpu1, host=h', 'cpu=cpu0, host=h'],
      [1616403090000, 1616403090000, 1616403091000],
      [82, 100, 80],
      [6, 0, null],
      [null, null, 1.5],
    ],
  },
};

// grafana-live.md §6.4, wide.
const wideFrame = {
  schema: {
    name: 'cpu',
    fields: [
      time,
      { name: 'usage_idle', ...num, labels: { cpu: 'cpu0', host: 'h' } },
      { name: 'usage_system', ...num, labels: { cpu: 'cpu0', host: 'h' } },
      { name: 'usage_idle', ...num, labels: { cpu: 'cpu1', host: 'h' } },
      { name: 'usage_system', ...num, labels: { cpu: 'cpu1', host: 'h' } },
    ],
  },
  data: { values: [[1616403090000], [82], [6], [100], [0]] },
};

let fs: FrameSeriesModule;
let SeriesStore: SeriesStoreModule['SeriesStore'];

before(async () => {
  fs = await importWebModule<FrameSeriesModule>('frame-series');
  ({ SeriesStore } = await importWebModule<SeriesStoreModule>('series-store'));
});

describe('frame-series: frame → series', () => {
  it('pivots a labels_column frame into one series per labels value × numeric field', () => {
    const result = fs.frameToSeries(labelsColumnFrame.schema, labelsColumnFrame.data);
    assert.ok(result.ok);
    const byKey = new Map(result.series.map((s) => [`${s.field} {${s.labels}}`, s]));
    assert.equal(result.series.length, 6); // 2 label sets × 3 fields
    assert.deepEqual(byKey.get('usage_idle {cpu=cpu0, host=h}')?.times, [1616403090000, 1616403091000]);
    assert.deepEqual(byKey.get('usage_idle {cpu=cpu0, host=h}')?.values, [82, 80]);
    assert.deepEqual(byKey.get('usage_idle {cpu=cpu1, host=h}')?.values, [100]);
    assert.deepEqual(byKey.get('usage_system {cpu=cpu0, host=h}')?.values, [6, null]);
    assert.deepEqual(byKey.get('usage_iowait {cpu=cpu0, host=h}')?.values, [null, 1.5]);
  });

  it('keeps wide fields apart by their labels objects', () => {
    const result = fs.frameToSeries(wideFrame.schema, wideFrame.data);
    assert.ok(result.ok);
    assert.deepEqual(
      result.series.map((s) => [fs.seriesLabel(s.field, s.labels), s.values]),
      [
        ['usage_idle {cpu=cpu0, host=h}', [82]],
        ['usage_system {cpu=cpu0, host=h}', [6]],
        ['usage_idle {cpu=cpu1, host=h}', [100]],
        ['usage_system {cpu=cpu1, host=h}', [0]],
      ],
    );
  });

  it('names unlabelled series by the field alone and renders labels sorted', () => {
    assert.equal(fs.seriesLabel('used', ''), 'used');
    assert.equal(fs.formatLabels({ host: 'h', cpu: 'cpu0' }), 'cpu=cpu0, host=h');
    assert.equal(fs.formatLabels({}), '');
  });

  it('refuses a data block whose column count differs from the schema', () => {
    const result = fs.frameToSeries(labelsColumnFrame.schema, { values: [[1], [2]] });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : '', /push message mismatch/);
  });

  it('needs a time field and skips rows without a usable time; non-numbers become null', () => {
    assert.equal(fs.frameToSeries({ fields: [{ name: 'v', ...num }] }, { values: [[1]] }).ok, false);
    const result = fs.frameToSeries({ fields: [time, { name: 'v', ...num }] }, { values: [[1000, null, 3000], ['x', 2, 3]] });
    assert.ok(result.ok);
    assert.deepEqual(result.series[0]?.times, [1000, 3000]);
    assert.deepEqual(result.series[0]?.values, [null, 3]);
  });

  it('validates untrusted JSON', () => {
    assert.equal(fs.parseFrameMessage(null), undefined);
    assert.equal(fs.parseFrameMessage({ text: 'a broadcast' }), undefined);
    assert.equal(fs.parseFrameMessage({ schema: { fields: 'no' } }), undefined);
    assert.equal(fs.parseFrameMessage({ data: { values: [1, 2] } }), undefined);
    assert.ok(fs.parseFrameMessage({ data: { values: [[1], [2]] } }));
    assert.ok(fs.parseFrameMessage(labelsColumnFrame));
  });
});

describe('series-store: streaming buffer', () => {
  it('starts from the initial frame, appends data-only messages, resets on a new schema', () => {
    const store = new SeriesStore(300);
    assert.deepEqual(store.apply(labelsColumnFrame), { kind: 'reset', series: 6 });
    const next = { data: { values: [['cpu=cpu0, host=h'], [1616403092000], [70], [7], [2]] } };
    assert.deepEqual(store.apply(next), { kind: 'append', series: 6 });
    assert.equal(store.list().find((s) => s.label === 'usage_idle {cpu=cpu0, host=h}')?.points, 3);

    assert.deepEqual(store.apply(wideFrame), { kind: 'reset', series: 4 });
    assert.deepEqual(
      store.list().map((s) => s.points),
      [1, 1, 1, 1],
    );
  });

  it('ignores data before any schema, foreign JSON and mismatching data, keeping its state', () => {
    const store = new SeriesStore();
    assert.equal(store.apply({ data: { values: [[1], [2]] } }).kind, 'ignored');
    store.apply(wideFrame);
    assert.equal(store.apply({ text: 'hello' }).kind, 'ignored');
    const mismatch = store.apply({ data: { values: [[1616403099000], [1]] } });
    assert.equal(mismatch.kind, 'ignored');
    assert.match(mismatch.kind === 'ignored' ? mismatch.reason : '', /mismatch/);
    assert.equal(store.list().length, 4);
  });

  it('keeps only the last N points per series', () => {
    const store = new SeriesStore(5);
    store.apply({ schema: { fields: [time, { name: 'v', ...num }] }, data: { values: [[0], [0]] } });
    for (let i = 1; i <= 20; i++) store.apply({ data: { values: [[i * 1000], [i]] } });
    const [times, values] = store.aligned();
    assert.deepEqual(times, [16000, 17000, 18000, 19000, 20000]);
    assert.deepEqual(values, [16, 17, 18, 19, 20]);
  });

  it('aligns series on the sorted union of their times with nulls for gaps', () => {
    const store = new SeriesStore();
    store.apply(labelsColumnFrame);
    const [times, ...columns] = store.aligned();
    assert.deepEqual(times, [1616403090000, 1616403091000]);
    const labels = store.list().map((s) => s.label);
    const cpu1Idle = columns[labels.indexOf('usage_idle {cpu=cpu1, host=h}')];
    assert.deepEqual(cpu1Idle, [100, null]);
    assert.equal(columns.length, labels.length);
  });
});
