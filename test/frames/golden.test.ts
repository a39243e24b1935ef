// Golden tests of line protocol → frames → wire JSON in both modes. Each file in
// test/frames/golden/ holds batches (pushed in order to one stream) with the exact frames each mode
// must publish and, per frame, whether its schema differs from the last frame cached for that
// channel (spec §6.6), i.e. whether subscribers get the full frame or only data.
// Regenerate after a deliberate change with UPDATE_GOLDEN=1, then review the diff.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { projectRoot } from '../../harness/project-root.js';
import { convertToFrames, lineProtocolToFrames } from '../../src/frames/convert.js';
import type { FrameFormat } from '../../src/frames/format.js';
import { encodeFrame } from '../../src/frames/json.js';
import { parseLineProtocol } from '../../src/influx/parser.js';

const root = projectRoot();
const goldenDir = path.join(root, 'test/frames/golden');
const update = process.env['UPDATE_GOLDEN'] === '1';
/** Receive time for lines without a timestamp. */
const DEFAULT_TIME = 1616403099000000000n;
const MODES: FrameFormat[] = ['labels_column', 'wide'];

interface GoldenFrame {
  measurement: string;
  schemaChanged: boolean;
  frame: unknown;
}

interface GoldenBatch {
  input: string[];
  labels_column?: GoldenFrame[];
  wide?: GoldenFrame[];
}

interface GoldenFile {
  description: string;
  batches: GoldenBatch[];
}

/** What one mode publishes for a sequence of batches, with the frame cache simulated. */
function publish(batches: GoldenBatch[], mode: FrameFormat): { measurement: string; schemaChanged: boolean; json: string }[][] {
  const cache = new Map<string, string>();
  return batches.map((b) =>
    convertToFrames(parseLineProtocol(b.input.join('\n'), { defaultTime: DEFAULT_TIME }), mode).map(({ measurement, frame }) => {
      const enc = encodeFrame(frame);
      const schemaChanged = cache.get(measurement) !== enc.schema;
      cache.set(measurement, enc.schema);
      return { measurement, schemaChanged, json: enc.full };
    }),
  );
}

const files = readdirSync(goldenDir).filter((f) => f.endsWith('.json'));

test('golden files exist', () => {
  assert.ok(files.length >= 8, `only ${files.length} golden files`);
});

for (const file of files) {
  test(`golden: ${file}`, () => {
    const full = path.join(goldenDir, file);
    const golden = JSON.parse(readFileSync(full, 'utf8')) as GoldenFile;
    assert.ok(golden.batches.length > 0);
    if (update) {
      for (const mode of MODES) {
        publish(golden.batches, mode).forEach((frames, i) => {
          golden.batches[i]![mode] = frames.map((f) => ({
            measurement: f.measurement,
            schemaChanged: f.schemaChanged,
            frame: JSON.parse(f.json) as unknown,
          }));
        });
      }
      writeFileSync(full, JSON.stringify(golden, null, 2) + '\n');
      return;
    }
    for (const mode of MODES) {
      const actual = publish(golden.batches, mode);
      actual.forEach((frames, i) => {
        const expected = golden.batches[i]![mode];
        assert.ok(expected !== undefined, `${file}: batch ${i} has no ${mode} frames`);
        assert.deepEqual(
          frames.map((f) => [f.measurement, f.schemaChanged]),
          expected.map((f) => [f.measurement, f.schemaChanged]),
          `${file} batch ${i} ${mode}: frames / schema changes`,
        );
        frames.forEach((f, j) => {
          // Byte comparison: the golden frames hold no -0 or \b/\f, so JSON.stringify gives the wire bytes.
          assert.equal(f.json, JSON.stringify(expected[j]!.frame), `${file} batch ${i} ${mode} frame ${j}`);
        });
      });
    }
  });
}

/** Spec §6.4 verbatim (whitespace between tokens removed). */
const SPEC_LABELS_COLUMN_CPU = `{"schema":{"name":"cpu","fields":[
  {"name":"labels","type":"string","typeInfo":{"frame":"string"}},
  {"name":"time","type":"time","typeInfo":{"frame":"time.Time"}},
  {"name":"usage_idle","type":"number","typeInfo":{"frame":"float64","nullable":true}},
  {"name":"usage_system","type":"number","typeInfo":{"frame":"float64","nullable":true}},
  {"name":"usage_iowait","type":"number","typeInfo":{"frame":"float64","nullable":true}}]},
 "data":{"values":[
  ["cpu=cpu0, host=h","cpu=cpu1, host=h","cpu=cpu0, host=h"],
  [1616403090000,1616403090000,1616403091000],
  [82,100,80],[6,0,null],[null,null,1.5]]}}`;

const SPEC_WIDE_FIRST = `{"schema":{"name":"cpu","fields":[
  {"name":"time","type":"time","typeInfo":{"frame":"time.Time"}},
  {"name":"usage_idle","type":"number","typeInfo":{"frame":"float64","nullable":true},"labels":{"cpu":"cpu0","host":"h"}},
  {"name":"usage_system","type":"number","typeInfo":{"frame":"float64","nullable":true},"labels":{"cpu":"cpu0","host":"h"}},
  {"name":"usage_idle","type":"number","typeInfo":{"frame":"float64","nullable":true},"labels":{"cpu":"cpu1","host":"h"}},
  {"name":"usage_system","type":"number","typeInfo":{"frame":"float64","nullable":true},"labels":{"cpu":"cpu1","host":"h"}}]},
 "data":{"values":[[1616403090000],[82],[6],[100],[0]]}}`;

/** Drops the layout whitespace of the spec excerpts (none of it is inside a string). */
function compact(text: string): string {
  return text.replace(/\s+/g, (ws, offset: number, all: string) => {
    const before = all.slice(0, offset);
    return (before.split('"').length - 1) % 2 === 1 ? ws : '';
  });
}

const WORKED_EXAMPLE = [
  'cpu,host=h,cpu=cpu0 usage_system=6,usage_idle=82 1616403090000000000',
  'cpu,cpu=cpu1,host=h usage_idle=100i,usage_system=0 1616403090000000000',
  'mem,host=h used_percent=41.5 1616403090000000000',
  'cpu,cpu=cpu0,host=h usage_idle=80,usage_iowait=1.5 1616403091000000000',
].join('\n');

test('worked example of spec §6.4, byte for byte', () => {
  const lc = convertToFrames(parseLineProtocol(WORKED_EXAMPLE), 'labels_column');
  assert.deepEqual(
    lc.map((f) => f.measurement),
    ['cpu', 'mem'],
  );
  assert.equal(encodeFrame(lc[0]!.frame).full, compact(SPEC_LABELS_COLUMN_CPU));
  const mem = JSON.parse(encodeFrame(lc[1]!.frame).full) as { schema: { fields: { name: string }[] }; data: unknown };
  assert.deepEqual(
    mem.schema.fields.map((f) => f.name),
    ['labels', 'time', 'used_percent'],
  );
  assert.deepEqual(mem.data, { values: [['host=h'], [1616403090000], [41.5]] });

  const wide = convertToFrames(parseLineProtocol(WORKED_EXAMPLE), 'wide');
  assert.deepEqual(
    wide.map((f) => f.measurement),
    ['cpu', 'mem', 'cpu'],
  );
  assert.equal(encodeFrame(wide[0]!.frame).full, compact(SPEC_WIDE_FIRST));
  const third = JSON.parse(encodeFrame(wide[2]!.frame).full) as {
    schema: { fields: { name: string; labels?: Record<string, string> }[] };
  };
  assert.deepEqual(
    third.schema.fields.map((f) => [f.name, f.labels]),
    [
      ['time', undefined],
      ['usage_idle', { cpu: 'cpu0', host: 'h' }],
      ['usage_iowait', { cpu: 'cpu0', host: 'h' }],
    ],
  );
});

test('lineProtocolToFrames: one bad line yields an error and no frames', () => {
  const good = 'cpu,host=a v=1 1616403090000000000\nmem,host=a v=2 1616403090000000000';
  assert.equal(lineProtocolToFrames(good, 'labels_column').length, 2);
  assert.equal(lineProtocolToFrames(Buffer.from(good), 'wide', { precision: 'ns' }).length, 2);
  assert.throws(() => lineProtocolToFrames(`${good}\ncpu,host=b v=oops`, 'labels_column'), {
    name: 'LineProtocolError',
    message: /^line 3, column 14: /,
  });
});
