// The optimised converters (sparse collection, planned field orders, tag-set and group caches,
// bounded scans) publish exactly what the naive spec-derived converters do, byte for byte, on
// random batches built to hit every path: columns that start late or have gaps, type conflicts,
// repeated keys, long field and tag lists (sorted by Array#sort), tag values that collide in the
// tag-set hash, and more groups in one millisecond than the wide converter scans.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { convertToFrames } from '../../src/frames/convert.js';
import type { FrameFormat } from '../../src/frames/format.js';
import { encodeFrame } from '../../src/frames/json.js';
import type { MeasurementFrame } from '../../src/frames/data-frame.js';
import { parseLineProtocol } from '../../src/influx/parser.js';
import { params } from '../fuzz/runs.js';
import { referenceLabelsColumn, referenceWide } from './reference-converters.js';

const pool = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);
const xy = ['x', 'y'];
// Same length, middle and last character: one bucket of the tag-set hash.
const collidingValues = xy.flatMap((a) => xy.flatMap((b) => xy.flatMap((c) => xy.map((d) => `v${a}${b}m${c}${d}z`))));

const tag = fc.tuple(fc.constantFrom(...pool('t', 20)), fc.constantFrom(...collidingValues, 'a', 'b'));
const tags = fc.oneof(
  fc.uniqueArray(tag, { maxLength: 20, selector: ([key]) => key }),
  // One tag whose values all share a hash bucket: past 8 sets the exact-key map takes over.
  fc.constantFrom(...collidingValues).map((v) => [['t00', v] as [string, string]]),
);
const value = fc.constantFrom('1.5', '-2', '3i', '4u', 't', 'false', '"s"', '"NaN"', '"x y"', '0', '-0');
const fields = fc.array(fc.tuple(fc.constantFrom(...pool('f', 30)), value), { minLength: 1, maxLength: 24 });
const time = fc.constantFrom('', ' 1616403090000000000', ' 1616403090000000001', ' 1616403091000000000');
const line = fc.record({ measurement: fc.constantFrom(...pool('m', 12)), tags, fields, time }).map(
  (l) => `${l.measurement}${l.tags.map(([k, v]) => `,${k}=${v}`).join('')} ${l.fields.map(([k, v]) => `${k}=${v}`).join(',')}${l.time}`,
);
const body = fc.array(line, { minLength: 1, maxLength: 120, size: 'max' }).map((lines) => lines.join('\n'));

function wire(frames: MeasurementFrame[]): [string, string][] {
  return frames.map((f) => [f.measurement, encodeFrame(f.frame).full]);
}

const REFERENCE: Record<FrameFormat, typeof referenceWide> = { labels_column: referenceLabelsColumn, wide: referenceWide };

for (const mode of ['labels_column', 'wide'] as const) {
  test(`${mode}: the converter publishes exactly what the naive reference does`, () => {
    fc.assert(
      fc.property(body, (text) => {
        const batch = parseLineProtocol(text, { defaultTime: 1616403099000000000n });
        assert.deepEqual(wire(convertToFrames(batch, mode)), wire(REFERENCE[mode](batch)));
      }),
      params(150),
    );
  });
}

test('long tag lists in any order are sorted by key; a repeated key is still an error naming it', () => {
  const keys = pool('k', 40);
  const shuffled = [...keys].sort((a, b) => (a.charCodeAt(2) * 7 + a.charCodeAt(1)) % 11 - (b.charCodeAt(2) * 7 + b.charCodeAt(1)) % 11 || (a < b ? 1 : -1));
  const batch = parseLineProtocol(`m,${shuffled.map((k) => `${k}=${k.toUpperCase()}`).join(',')} f=1`);
  assert.deepEqual(batch.tagKeys, keys);
  assert.deepEqual(batch.tagValues, keys.map((k) => k.toUpperCase()));
  const withDuplicate = [...shuffled, 'k07'].reverse();
  assert.throws(() => parseLineProtocol(`m,${withDuplicate.map((k) => `${k}=v`).join(',')} f=1`), {
    name: 'LineProtocolError',
    message: /duplicate tag key "k07"/,
  });
});
