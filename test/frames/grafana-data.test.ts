// Decodes what livehub publishes with Grafana's own frontend library (@grafana/data): full frames
// through dataFrameFromJSON, and channel message sequences (full frame, then data-only messages,
// and a new full frame whenever the schema bytes change) through StreamingDataFrame, which throws
// "push message mismatch" when a data-only message does not fit the schema it holds.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';

import { projectRoot } from '../../harness/project-root.js';
import { convertToFrames } from '../../src/frames/convert.js';
import type { FrameFormat } from '../../src/frames/format.js';
import type { DataFrame } from '../../src/frames/data-frame.js';
import { encodeFrame } from '../../src/frames/json.js';
import { parseLineProtocol } from '../../src/influx/parser.js';
import { generateIngestBatch } from '../../bench/ingest-data.js';

/** The slice of @grafana/data's API these tests use. */
interface GField {
  name: string;
  type: string;
  labels?: Record<string, string>;
  values: unknown[];
  nanos?: number[];
}
interface GFrame {
  name?: string;
  length: number;
  fields: GField[];
}
interface StreamPacketInfo {
  schemaChanged: boolean;
  length: number;
}
interface GStreamingFrame extends GFrame {
  push(msg: unknown): StreamPacketInfo;
}
interface GrafanaData {
  dataFrameFromJSON(json: unknown): GFrame;
  StreamingDataFrame: { fromDataFrameJSON(json: unknown, opts?: { maxLength?: number }): GStreamingFrame };
}

// Its ESM build does not load on Node; the CommonJS build does.
const grafana = createRequire(import.meta.url)('@grafana/data') as GrafanaData;

const root = projectRoot();
const goldenDir = path.join(root, 'test/frames/golden');
const DEFAULT_TIME = 1616403099000000000n;

function goldenBatches(file: string): string[] {
  const golden = JSON.parse(readFileSync(path.join(goldenDir, file), 'utf8')) as { batches: { input: string[] }[] };
  return golden.batches.map((b) => b.input.join('\n'));
}

/** Our cells as @grafana/data holds them after decoding (NaN etc. restored from entities). */
function expectedValues(frame: DataFrame): unknown[][] {
  return frame.fields.map((f) => f.values.map((v) => (v === undefined ? null : v)));
}

function checkDecoded(frame: DataFrame, decoded: GFrame, what: string): void {
  assert.equal(decoded.name, frame.name, what);
  assert.deepEqual(
    decoded.fields.map((f) => [f.name, f.type, f.labels]),
    frame.fields.map((f) => [f.name, f.type, f.labels === undefined ? undefined : Object.fromEntries(f.labels)]),
    what,
  );
  assert.deepEqual(
    decoded.fields.map((f) => f.values),
    expectedValues(frame),
    what,
  );
  frame.fields.forEach((f, i) => {
    if (f.type === 'time' && f.nanos !== undefined && f.nanos.some((n) => n !== 0)) {
      assert.deepEqual(decoded.fields[i]!.nanos, f.nanos, `${what}: nanos of ${f.name}`);
    }
  });
}

/**
 * Feeds a channel's frames to one StreamingDataFrame the way livehub publishes them: the first as
 * the subscribe snapshot, then full when the schema bytes changed, else data only.
 */
class Subscriber {
  current: GStreamingFrame | undefined;
  private schema = '';
  fullMessages = 0;
  dataMessages = 0;

  receive(frame: DataFrame): GStreamingFrame {
    const enc = encodeFrame(frame);
    // labels_column rows are joined on time per label set: one packet row per distinct time.
    const labelsMode = frame.fields[0]!.name === 'labels';
    const rows = labelsMode ? new Set(frame.fields[1]!.values).size : frame.fields[0]!.values.length;
    if (this.current === undefined) {
      this.current = grafana.StreamingDataFrame.fromDataFrameJSON(JSON.parse(enc.full), { maxLength: 100_000 });
      this.fullMessages++;
    } else if (enc.schema !== this.schema) {
      const info = this.current.push(JSON.parse(enc.full));
      assert.equal(info.length, rows);
      this.fullMessages++;
    } else {
      const info = this.current.push(JSON.parse(enc.data));
      assert.equal(info.length, rows);
      this.dataMessages++;
    }
    this.schema = enc.schema;
    return this.current;
  }
}

function publishAll(bodies: (string | Buffer)[], mode: FrameFormat): Map<string, Subscriber> {
  const subscribers = new Map<string, Subscriber>();
  for (const body of bodies) {
    for (const { measurement, frame } of convertToFrames(parseLineProtocol(body, { defaultTime: DEFAULT_TIME }), mode)) {
      let s = subscribers.get(measurement);
      if (s === undefined) {
        s = new Subscriber();
        subscribers.set(measurement, s);
      }
      s.receive(frame);
    }
  }
  return subscribers;
}

const goldenFiles = readdirSync(goldenDir).filter((f) => f.endsWith('.json'));

test('dataFrameFromJSON decodes every golden frame with its values', () => {
  let frames = 0;
  for (const file of goldenFiles) {
    for (const body of goldenBatches(file)) {
      for (const mode of ['labels_column', 'wide'] as const) {
        for (const { frame } of convertToFrames(parseLineProtocol(body, { defaultTime: DEFAULT_TIME }), mode)) {
          checkDecoded(frame, grafana.dataFrameFromJSON(JSON.parse(encodeFrame(frame).full)), `${file} ${mode}`);
          frames++;
        }
      }
    }
  }
  assert.ok(frames > 40);
});

test('dataFrameFromJSON restores NaN/±Inf from entities and keeps nanos', () => {
  const frame: DataFrame = {
    name: 'special',
    fields: [
      { name: 'time', type: 'time', nullable: false, values: [1616403090000, 1616403090001, 1616403090002], nanos: [0, 5, 999999] },
      { name: 'v', type: 'number', nullable: true, values: [NaN, Infinity, -Infinity] },
      { name: 'w', type: 'number', nullable: true, values: [1, null, -0.5] },
    ],
  };
  const decoded = grafana.dataFrameFromJSON(JSON.parse(encodeFrame(frame).full));
  checkDecoded(frame, decoded, 'special');
  assert.ok(Number.isNaN(decoded.fields[1]!.values[0]));
});

test('StreamingDataFrame follows every golden stream in wide mode without a mismatch', () => {
  for (const file of goldenFiles) {
    const subs = publishAll(goldenBatches(file), 'wide');
    assert.ok(subs.size > 0, file);
  }
});

test('StreamingDataFrame follows the labels_column golden streams that keep their fields', () => {
  for (const file of goldenFiles) {
    if (file === 'changing_schema.json') continue; // field added: see the next test
    const subs = publishAll(goldenBatches(file), 'labels_column');
    assert.ok(subs.size > 0, file);
  }
});

test('StreamingDataFrame, labels_column: new label set → data only; added field → full frame', () => {
  const [b0, b1, b2, b3] = goldenBatches('changing_schema.json').map(
    (body) => convertToFrames(parseLineProtocol(body), 'labels_column')[0]!.frame,
  );
  const live = new Subscriber();
  live.receive(b0!);
  // Upstream limitation (@grafana/data StreamingDataFrame, labels mode): a new schema resets the
  // fields but not the label sets already seen, so with two or more of them the new full frame
  // throws. Grafana's own server sends the same full frame here; a re-subscribing client (which
  // gets the cached full frame) recovers. This assertion flags the day the library fixes it.
  assert.throws(() => live.receive(b1!), /push message mismatch/);

  const resubscribed = new Subscriber();
  resubscribed.receive(b1!);
  resubscribed.receive(b2!); // host=c is a new label set only: data-only message
  const frame = resubscribed.receive(b3!);
  assert.equal(resubscribed.fullMessages, 1);
  assert.equal(resubscribed.dataMessages, 2);
  assert.deepEqual(
    frame.fields.filter((f) => f.name === 'usage_idle').map((f) => [f.labels, f.values]),
    [
      [{ host: 'a' }, [91, 92, 93]],
      [{ host: 'b' }, [81, 82, 83]],
      [{ host: 'c' }, [undefined, 70, 71]],
    ],
  );
  assert.deepEqual(frame.fields.find((f) => f.type === 'time')!.values, [1616403091000, 1616403092000, 1616403093000]);

  // With a single label set the added field's full frame is accepted in place.
  const single = (body: string): DataFrame => convertToFrames(parseLineProtocol(body), 'labels_column')[0]!.frame;
  const one = new Subscriber();
  one.receive(single('cpu,host=a usage_idle=90 1616403090000000000'));
  const grown = one.receive(single('cpu,host=a usage_idle=91,usage_steal=1 1616403091000000000'));
  assert.equal(one.fullMessages, 2);
  assert.deepEqual(
    grown.fields.map((f) => [f.name, f.values]),
    [
      ['time', [1616403091000]],
      ['usage_idle', [91]],
      ['usage_steal', [1]],
    ],
  );
});

test('StreamingDataFrame, wide: added field and new label set → full frames, repeated shape → data only', () => {
  const subs = publishAll(goldenBatches('changing_schema.json'), 'wide');
  const cpu = subs.get('cpu')!;
  assert.equal(cpu.fullMessages, 3);
  assert.equal(cpu.dataMessages, 1);
  const frame = cpu.current!;
  assert.deepEqual(
    frame.fields.map((f) => [f.name, f.labels]),
    [
      ['time', undefined],
      ['usage_idle', { host: 'a' }],
      ['usage_steal', { host: 'a' }],
      ['usage_user', { host: 'a' }],
      ['usage_idle', { host: 'b' }],
      ['usage_steal', { host: 'b' }],
      ['usage_user', { host: 'b' }],
      ['usage_idle', { host: 'c' }],
      ['usage_steal', { host: 'c' }],
      ['usage_user', { host: 'c' }],
    ],
  );
  // StreamingDataFrame carries old values over by field name only, so columns that share a name
  // (wide mode) share history after a schema change; the time column and the newest packet are
  // exact.
  assert.deepEqual(frame.fields[0]!.values.slice(-2), [1616403092000, 1616403093000]);
  assert.equal(frame.length, 4);
});

test('Telegraf-like batches: decodable frames and long data-only streams in both modes', () => {
  const bodies = [1, 2, 3].map((seed) => generateIngestBatch(1000, seed).body);
  for (const mode of ['labels_column', 'wide'] as const) {
    for (const { frame } of convertToFrames(parseLineProtocol(bodies[0]!), mode)) {
      checkDecoded(frame, grafana.dataFrameFromJSON(JSON.parse(encodeFrame(frame).full)), `bench batch ${mode}`);
    }
  }
  // labels_column: tag values are data, so the five agents' batches repeat one schema per channel.
  let data = 0;
  let full = 0;
  for (const s of publishAll(bodies, 'labels_column').values()) {
    data += s.dataMessages;
    full += s.fullMessages;
  }
  assert.equal(full, 7); // one per measurement
  assert.equal(data, 14);
  // wide: tags are schema; one agent's stream repeats its shapes, so most messages are data only.
  data = 0;
  full = 0;
  for (const s of publishAll([1, 2, 3].map((seed) => generateIngestBatch(1000, seed, 1).body), 'wide').values()) {
    data += s.dataMessages;
    full += s.fullMessages;
  }
  assert.ok(data > 10 * full, `wide: ${data} data-only vs ${full} full messages`);
  // labels_column: StreamingDataFrame joins the label sets on time, one row per distinct time.
  const cpuFrames = bodies.map(
    (b) => convertToFrames(parseLineProtocol(b), 'labels_column').find((f) => f.measurement === 'cpu')!.frame,
  );
  const cpu = publishAll(bodies, 'labels_column').get('cpu')!.current!;
  assert.equal(cpu.length, cpuFrames.reduce((n, f) => n + new Set(f.fields[1]!.values).size, 0));
  // One of the series came through value for value.
  const label = 'cpu=cpu3, dc=eu-west-1a, host=db-01';
  const userIndex = cpuFrames[0]!.fields.findIndex((f) => f.name === 'usage_user');
  const expected = cpuFrames.flatMap((f) =>
    f.fields[0]!.values.flatMap((l, row) => (l === label ? [f.fields[userIndex]!.values[row]] : [])),
  );
  const series = cpu.fields.find((f) => f.name === 'usage_user' && f.labels?.['host'] === 'db-01' && f.labels['cpu'] === 'cpu3')!;
  assert.deepEqual(
    series.values.filter((v) => v !== undefined),
    expected,
  );
  assert.ok(expected.length >= 3);
});
