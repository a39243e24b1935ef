// Frame JSON encoder details the golden files cannot show through JSON.stringify (entities, -0,
// Go's string escapes, omitted names), Go `%v` formatting, and the frame-format parameter.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseFrameFormat } from '../../src/frames/format.js';
import type { DataFrame } from '../../src/frames/data-frame.js';
import { goFormatFloat, goFormatValue } from '../../src/frames/go-format.js';
import { encodeData, encodeFrame, encodeSchema, jsonNumber, jsonString } from '../../src/frames/json.js';
import { FieldKind } from '../../src/influx/types.js';

test('NaN and ±Inf are written as null and listed in entities', () => {
  const frame: DataFrame = {
    name: 'f',
    fields: [
      { name: 'time', type: 'time', nullable: false, values: [1, 2, 3, 4], nanos: [0, 0, 0, 0] },
      { name: 'a', type: 'number', nullable: true, values: [NaN, 1, Infinity, -Infinity] },
      { name: 'b', type: 'number', nullable: true, values: [null, 2, 3, 4] },
      { name: 'c', type: 'number', nullable: true, values: [Infinity, NaN, NaN, 0] },
      { name: 'd', type: 'string', nullable: true, values: ['NaN', null, 'x', 'y'] },
    ],
  };
  assert.equal(
    encodeData(frame),
    '{"values":[[1,2,3,4],[null,1,null,null],[null,2,3,4],[null,null,null,0],["NaN",null,"x","y"]],' +
      '"entities":[null,{"NaN":[0],"Inf":[2],"NegInf":[3]},null,{"NaN":[1,2],"Inf":[0]},null]}',
  );
  // No special values → no entities key at all.
  assert.equal(encodeData({ name: '', fields: [frame.fields[2]!] }), '{"values":[[null,2,3,4]]}');
});

test('nanos: only time fields with a remainder, full rows, after entities', () => {
  const frame: DataFrame = {
    name: 'n',
    fields: [
      { name: 'v', type: 'number', nullable: true, values: [NaN, 1] },
      { name: 'time', type: 'time', nullable: false, values: [1616403090000, 1616403090001], nanos: [0, 500] },
      { name: 'time2', type: 'time', nullable: false, values: [5, 6], nanos: [0, 0] },
    ],
  };
  assert.equal(
    encodeData(frame),
    '{"values":[[null,1],[1616403090000,1616403090001],[5,6]],"entities":[{"NaN":[0]},null,null],"nanos":[null,[0,500],null]}',
  );
});

test('numbers and strings are written with Go bytes', () => {
  assert.equal(jsonNumber(-0), '-0');
  assert.equal(jsonNumber(0), '0');
  assert.equal(jsonNumber(1e21), '1e+21');
  assert.equal(jsonNumber(1e20), '100000000000000000000');
  assert.equal(jsonNumber(1e-7), '1e-7');
  assert.equal(jsonNumber(0.000001), '0.000001');
  assert.equal(jsonNumber(-1.5e-300), '-1.5e-300');
  assert.equal(jsonNumber(2 ** 63), '9223372036854776000');
  assert.equal(jsonString('plain'), '"plain"');
  assert.equal(jsonString('q"b\\n\nr\rt\tb\bf\fz\u0000\u001f'), '"q\\"b\\\\n\\nr\\rt\\tb\\u0008f\\u000cz\\u0000\\u001f"');
  // No HTML escaping, no escaping of DEL, U+2028 or non-ASCII (the SDK's jsoniter WriteString).
  assert.equal(jsonString('<a&b>\u007f\u2028é😀'), '"<a&b>\u007f\u2028é😀"');
  const frame: DataFrame = {
    name: 'm',
    fields: [{ name: 'v', type: 'number', nullable: true, values: [-0, 0.1] }],
  };
  assert.equal(encodeData(frame), '{"values":[[-0,0.1]]}');
});

test('schema key order, omitted names, labels written even when empty', () => {
  const frame: DataFrame = {
    name: '',
    fields: [
      { name: '', type: 'time', nullable: false, values: [] },
      { name: 'b', type: 'boolean', nullable: true, labels: [], values: [] },
      { name: 's', type: 'string', nullable: false, labels: [['a"', 'x\\'], ['b', '']], values: [] },
    ],
  };
  assert.equal(
    encodeSchema(frame),
    '{"fields":[{"type":"time","typeInfo":{"frame":"time.Time"}},' +
      '{"name":"b","type":"boolean","typeInfo":{"frame":"bool","nullable":true},"labels":{}},' +
      '{"name":"s","type":"string","typeInfo":{"frame":"string"},"labels":{"a\\"":"x\\\\","b":""}}]}',
  );
  assert.equal(encodeData(frame), '{"values":[[],[],[]]}');
});

test('encodeFrame builds full, schema-only and data-only messages from one encoding', () => {
  const frame: DataFrame = {
    name: 'cpu',
    fields: [
      { name: 'time', type: 'time', nullable: false, values: [1000], nanos: [0] },
      { name: 'v', type: 'boolean', nullable: true, values: [null] },
    ],
  };
  const enc = encodeFrame(frame);
  const s = encodeSchema(frame);
  const d = encodeData(frame);
  assert.equal(enc.schema, `{"schema":${s}}`);
  assert.equal(enc.data, `{"data":${d}}`);
  assert.equal(enc.full, `{"schema":${s},"data":${d}}`);
  assert.equal(
    enc.full,
    '{"schema":{"name":"cpu","fields":[{"name":"time","type":"time","typeInfo":{"frame":"time.Time"}},' +
      '{"name":"v","type":"boolean","typeInfo":{"frame":"bool","nullable":true}}]},"data":{"values":[[1000],[null]]}}',
  );
});

test('Go %v of floats: shortest digits, exponent from 1e+06 and below 1e-04', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-2.5, '-2.5'],
    [100000, '100000'],
    [123456.7, '123456.7'],
    [999999, '999999'],
    [1e6, '1e+06'],
    [1234567.8, '1.2345678e+06'],
    [0.0001, '0.0001'],
    [0.00012, '0.00012'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [0.1 + 0.2, '0.30000000000000004'],
    [2 ** 63, '9.223372036854776e+18'],
    [NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
  ];
  for (const [v, text] of cases) assert.equal(goFormatFloat(v), text, String(v));
  assert.equal(goFormatValue(FieldKind.Int, -9223372036854775808n), '-9223372036854775808');
  assert.equal(goFormatValue(FieldKind.Uint, 18446744073709551615n), '18446744073709551615');
  assert.equal(goFormatValue(FieldKind.Int, 42), '42');
  assert.equal(goFormatValue(FieldKind.Bool, false), 'false');
  assert.equal(goFormatValue(FieldKind.Float, 1e6), '1e+06');
});

test('parseFrameFormat: case-insensitive, empty → labels_column, unknown → undefined', () => {
  assert.equal(parseFrameFormat(null), 'labels_column');
  assert.equal(parseFrameFormat(''), 'labels_column');
  assert.equal(parseFrameFormat('labels_column'), 'labels_column');
  assert.equal(parseFrameFormat('LABELS_COLUMN'), 'labels_column');
  assert.equal(parseFrameFormat('Wide'), 'wide');
  assert.equal(parseFrameFormat('wide '), undefined);
  assert.equal(parseFrameFormat('labels'), undefined);
  assert.equal(parseFrameFormat('json'), undefined);
});
