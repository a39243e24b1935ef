// Fuzz / property tests of the line-protocol parser (src/influx/parser.ts), which reads every
// Telegraf push body: it throws nothing but LineProtocolError (whose message names line and
// column), finishes quickly on bounded input, and parses back exactly what an encoder wrote.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { LineProtocolError } from '../../src/influx/errors.js';
import { parseLineProtocol } from '../../src/influx/parser.js';
import { pointsOf } from '../../src/influx/points.js';
import { FieldKind, type Field, type Point, type Precision } from '../../src/influx/types.js';
import { params, timed } from './runs.js';

const T = 1_616_403_090_000_000_000n;

/** Parses; any throw other than a well-formed LineProtocolError fails the property. */
function parseChecked(input: string | Buffer, precision: Precision = 'ns'): Point[] | LineProtocolError {
  try {
    return timed('parseLineProtocol', 2000, () => pointsOf(parseLineProtocol(input, { defaultTime: T, precision })));
  } catch (err) {
    assert.ok(err instanceof LineProtocolError, `unexpected ${String(err)}`);
    assert.ok(Number.isInteger(err.line) && err.line >= 1, `line ${err.line}`);
    assert.ok(Number.isInteger(err.column) && err.column >= 1, `column ${err.column}`);
    assert.ok(err.reason.length > 0, 'a reason');
    assert.equal(err.message, `line ${err.line}, column ${err.column}: ${err.reason}`);
    return err;
  }
}

// ---- garbage in ------------------------------------------------------------------------------------

const lpChar = fc.constantFrom(...'ab09 ,=\\"\n\r\t#-+.eEiu_TtFf\u00e9\u0000\u007f'.split(''));
const lpLike = fc.oneof(
  fc.array(lpChar, { maxLength: 300 }).map((cs) => cs.join('')),
  fc.string({ maxLength: 300, unit: 'binary' }),
);

test('arbitrary text and bytes: a batch or a LineProtocolError naming line and column', () => {
  fc.assert(
    fc.property(lpLike, fc.constantFrom<Precision>('ns', 'us', 'ms', 's'), (text, precision) => {
      parseChecked(text, precision);
    }),
    params(3000),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      parseChecked(Buffer.from(bytes));
    }),
    params(1500),
  );
});

// ---- round trip --------------------------------------------------------------------------------------

// Token characters: plain ones plus the characters that need escaping in each section.
const plain = 'abcXYZ019_-.:/é中';
const measurement = fc
  .array(fc.constantFrom(...[...plain, ' ', ',', '=']), { minLength: 1, maxLength: 12 })
  .map((cs) => cs.join(''))
  .filter((m) => !m.startsWith('#'));
const key = fc.array(fc.constantFrom(...[...plain, ' ', ',', '=']), { minLength: 1, maxLength: 10 }).map((cs) => cs.join(''));

const escMeasurement = (s: string): string => s.replace(/[ ,]/g, (c) => `\\${c}`);
const escKey = (s: string): string => s.replace(/[ ,=]/g, (c) => `\\${c}`);
const escString = (s: string): string => s.replace(/["\\]/g, (c) => `\\${c}`);

type GenField = { key: string; text: string; field: Field };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const exact = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

const fieldValue: fc.Arbitrary<{ text: string; kind: FieldKind; value: Field['value'] }> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => ({ text: String(v), kind: FieldKind.Float, value: Object.is(v, -0) ? 0 : v })),
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((v) => ({ text: `${v}i`, kind: FieldKind.Int, value: exact(v) })),
  fc.bigInt({ min: 0n, max: UINT64_MAX }).map((v) => ({ text: `${v}u`, kind: FieldKind.Uint, value: exact(v) })),
  fc.constantFrom(['t', true], ['T', true], ['true', true], ['True', true], ['TRUE', true], ['f', false], ['F', false], ['false', false], ['False', false], ['FALSE', false])
    .map(([text, value]) => ({ text: text as string, kind: FieldKind.Bool, value: value as boolean })),
  fc.string({ maxLength: 20, unit: 'binary' }).map((v) => ({ text: `"${escString(v)}"`, kind: FieldKind.String, value: v })),
);

const genField: fc.Arbitrary<GenField> = fc.tuple(key, fieldValue).map(([k, v]) => ({
  key: k,
  text: `${escKey(k)}=${v.text}`,
  field: { key: k, kind: v.kind, value: v.value },
}));

const genPoint = fc
  .tuple(
    measurement,
    fc.uniqueArray(fc.tuple(key, key), { maxLength: 5, selector: ([k]) => k }),
    fc.array(genField, { minLength: 1, maxLength: 5 }),
    fc.option(fc.bigInt({ min: 0n, max: INT64_MAX }), { nil: undefined }),
  )
  .map(([m, tags, fields, ns]) => {
    const tagText = tags.map(([k, v]) => `,${escKey(k)}=${escKey(v)}`).join('');
    const line = `${escMeasurement(m)}${tagText} ${fields.map((f) => f.text).join(',')}${ns === undefined ? '' : ` ${ns}`}`;
    const time = ns ?? T;
    const ms = time / 1_000_000n;
    const point: Point = {
      measurement: m,
      tags: tags.map(([k, v]) => ({ key: k, value: v })).sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key))),
      fields: fields.map((f) => f.field),
      time: { ms: Number(ms), nanos: Number(time - ms * 1_000_000n) },
    };
    return { line, point };
  });

test('round trip: escaped points parse back to the same measurement, tags, fields and time', () => {
  fc.assert(
    fc.property(fc.array(genPoint, { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (points, eol) => {
      const body = points.map((p) => p.line).join(eol);
      const parsed = parseChecked(body);
      assert.ok(Array.isArray(parsed), parsed instanceof Error ? `${parsed.message}\n${body}` : '');
      assert.deepEqual(parsed, points.map((p) => p.point));
      // The same body as bytes (the push path hands a Buffer) gives the same points.
      assert.deepEqual(parseChecked(Buffer.from(body)), parsed);
    }),
    params(1500),
  );
});

test('one corrupted character: still a batch or a positioned LineProtocolError', () => {
  fc.assert(
    fc.property(fc.array(genPoint, { minLength: 1, maxLength: 4 }), fc.nat(), lpChar, (points, at, ch) => {
      const body = points.map((p) => p.line).join('\n');
      const i = at % (body.length + 1);
      const result = parseChecked(body.slice(0, i) + ch + body.slice(i + 1));
      if (result instanceof LineProtocolError) assert.ok(result.line <= body.split('\n').length + 2);
    }),
    params(2000),
  );
});

test('large bodies (the chunked path) with a defect anywhere are rejected with a position', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1500, max: 4000 }), fc.nat(), lpChar, (lines, at, ch) => {
      const good = Array.from({ length: lines }, (_, i) => `cpu,host=h${i % 7},region=eu-${i % 3} usage_idle=${i}.5,usage_user=${i}i,state="ok ${i}" ${1_616_403_090_000_000_000n + BigInt(i)}`).join('\n');
      const i = at % good.length;
      const bad = Buffer.from(good.slice(0, i) + ch + good.slice(i + 1));
      const result = parseChecked(bad);
      if (Array.isArray(result)) assert.ok(result.length >= lines - 1 && result.length <= lines + 1);
    }),
    params(25, 0.0001),
  );
});
