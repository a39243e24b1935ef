// Conformance against influxdata/line-protocol-corpus (test/fixtures/line-protocol-corpus): every decode case must
// either agree with the v2 reference parser (same points, or also an error) or be listed in
// DEVIATIONS, and the list must be exactly what differs so it cannot silently grow or go stale.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { projectRoot } from '../../harness/project-root.js';
import { LineProtocolError } from '../../src/influx/errors.js';
import { parseLineProtocol } from '../../src/influx/parser.js';
import { pointsOf } from '../../src/influx/points.js';
import { toNanoseconds } from '../../src/influx/precision.js';
import { FieldKind, type Point, type Precision } from '../../src/influx/types.js';
import { type JsonValue, parseLosslessJson } from './lossless-json.js';

/**
 * Decode cases where livehub knowingly differs from the reference parser, keyed by case id, with
 * the reason. Mirrored in docs/line-protocol.md ("Deviations from the corpus").
 */
export const DEVIATIONS: Readonly<Record<string, string>> = {};

const corpusPath = path.join(projectRoot(), 'test', 'fixtures', 'line-protocol-corpus', 'corpus.json');

type Obj = { [key: string]: JsonValue };

function obj(v: JsonValue | undefined, what: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TypeError(`${what}: not an object`);
  return v;
}

function str(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string') throw new TypeError(`${what}: not a string`);
  return v;
}

function int(v: JsonValue | undefined, what: string): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  throw new TypeError(`${what}: not an integer`);
}

function arr(v: JsonValue | undefined, what: string): JsonValue[] {
  if (!Array.isArray(v)) throw new TypeError(`${what}: not an array`);
  return v;
}

const PRECISIONS: Record<string, Precision> = { '1ns': 'ns', '1µs': 'us', '1ms': 'ms', '1s': 's' };

interface DecodeCase {
  key: string;
  input: Buffer;
  /** The text as a JS string when it is valid UTF-8 (lets us also test string input). */
  text: string | undefined;
  precision: Precision;
  defaultTime: bigint;
  /** Expected points, or undefined when the reference parser fails. */
  expected: JsonValue[] | undefined;
  /** The reference parser's error text (when it fails). */
  error: string | undefined;
}

function loadCases(): DecodeCase[] {
  const corpus = obj(parseLosslessJson(readFileSync(corpusPath, 'utf8')), 'corpus');
  const decode = obj(corpus['decode'], 'decode');
  const cases: DecodeCase[] = [];
  for (const [key, entry] of Object.entries(decode)) {
    const input = obj(obj(entry, key)['input'], `${key}.input`);
    const output = obj(obj(entry, key)['output'], `${key}.output`);
    const rawText = input['text'];
    let buf: Buffer;
    let text: string | undefined;
    if (typeof rawText === 'string') {
      text = rawText;
      buf = Buffer.from(rawText, 'utf8');
    } else {
      buf = Buffer.from(str(obj(rawText, `${key}.text`)['binary'], `${key}.text.binary`), 'base64');
    }
    const precision = PRECISIONS[str(input['precision'], `${key}.precision`)];
    if (precision === undefined) throw new Error(`${key}: unsupported precision ${String(input['precision'])}`);
    cases.push({
      key,
      input: buf,
      text,
      precision,
      defaultTime: int(input['defaultTime'], `${key}.defaultTime`),
      expected: 'result' in output ? arr(output['result'], `${key}.result`) : undefined,
      error: 'error' in output ? str(output['error'], `${key}.error`) : undefined,
    });
  }
  return cases;
}

/** Describes how `actual` differs from the expected corpus point, or returns undefined. */
function diffPoint(expectedJson: JsonValue, actual: Point): string | undefined {
  const e = obj(expectedJson, 'point');
  if (str(e['name'], 'name') !== actual.measurement) return `name ${actual.measurement}`;
  if (int(e['time'], 'time') !== toNanoseconds(actual.time)) return `time ${toNanoseconds(actual.time)}`;
  const tags = arr(e['tags'], 'tags');
  if (tags.length !== actual.tags.length) return `tag count ${actual.tags.length}`;
  for (let i = 0; i < tags.length; i++) {
    const t = obj(tags[i], 'tag');
    if (str(t['key'], 'tag key') !== actual.tags[i]!.key) return `tag ${i} key ${actual.tags[i]!.key}`;
    if (str(t['value'], 'tag value') !== actual.tags[i]!.value) return `tag ${i} value ${actual.tags[i]!.value}`;
  }
  const fields = arr(e['fields'], 'fields');
  if (fields.length !== actual.fields.length) return `field count ${actual.fields.length}`;
  for (let i = 0; i < fields.length; i++) {
    const f = obj(fields[i], 'field');
    const a = actual.fields[i]!;
    if (str(f['key'], 'field key') !== a.key) return `field ${i} key ${a.key}`;
    const v = obj(f['value'], 'field value');
    const [kind] = Object.keys(v);
    const ev = v[kind!];
    switch (kind) {
      case 'float':
        if (a.kind !== FieldKind.Float || Number(ev) !== a.value) return `field ${i} float ${String(a.value)}`;
        break;
      case 'int':
        if (a.kind !== FieldKind.Int || typeof a.value === 'string' || typeof a.value === 'boolean') {
          return `field ${i} kind ${a.kind}`;
        }
        if (BigInt(a.value) !== int(ev, 'int')) return `field ${i} int ${String(a.value)}`;
        break;
      case 'uint':
        if (a.kind !== FieldKind.Uint || typeof a.value === 'string' || typeof a.value === 'boolean') {
          return `field ${i} kind ${a.kind}`;
        }
        if (BigInt(a.value) !== int(ev, 'uint')) return `field ${i} uint ${String(a.value)}`;
        break;
      case 'bool':
        if (a.kind !== FieldKind.Bool || a.value !== ev) return `field ${i} bool ${String(a.value)}`;
        break;
      case 'string':
        if (a.kind !== FieldKind.String || a.value !== ev) return `field ${i} string ${JSON.stringify(a.value)}`;
        break;
      default:
        return `field ${i}: unsupported expected kind ${String(kind)}`;
    }
  }
  return undefined;
}

/** Runs one case; returns undefined on agreement, else what differed. */
function runCase(c: DecodeCase, input: Buffer | string): string | undefined {
  let points: Point[];
  try {
    points = pointsOf(parseLineProtocol(input, { precision: c.precision, defaultTime: c.defaultTime }));
  } catch (err) {
    if (!(err instanceof LineProtocolError)) return `threw ${String(err)}`;
    return c.expected === undefined ? undefined : `rejected: ${err.message}`;
  }
  if (c.expected === undefined) return `accepted ${points.length} point(s)`;
  if (c.expected.length !== points.length) return `${points.length} points, expected ${c.expected.length}`;
  for (let i = 0; i < points.length; i++) {
    const d = diffPoint(c.expected[i]!, points[i]!);
    if (d !== undefined) return `point ${i}: ${d}`;
  }
  return undefined;
}

const cases = loadCases();

test('corpus: every decode case agrees with the reference parser or is a listed deviation', () => {
  const differing = new Map<string, string>();
  let successCases = 0;
  let successAgreed = 0;
  for (const c of cases) {
    const d = runCase(c, c.input);
    if (c.expected !== undefined) {
      successCases++;
      if (d === undefined) successAgreed++;
    }
    if (d !== undefined) differing.set(c.key, d);
  }
  const agreed = cases.length - differing.size;
  console.log(
    `line-protocol corpus: ${cases.length} decode cases, ${agreed} agreed ` +
      `(${((100 * agreed) / cases.length).toFixed(2)} %), ${differing.size} deviations; ` +
      `successful cases ${successAgreed}/${successCases}`,
  );
  for (const [key, what] of differing) console.log(`  deviation ${key}: ${what}`);

  assert.equal(cases.length, 6615, 'corpus size changed');
  assert.equal(successCases, 396);
  assert.deepEqual([...differing.keys()].sort(), Object.keys(DEVIATIONS).sort(), 'deviation list is stale');
  // G6: every successful reference case must be matched exactly, deviations or not.
  assert.equal(successAgreed, successCases);
});

test('corpus: string input gives the same outcome as the UTF-8 bytes', () => {
  let compared = 0;
  for (const c of cases) {
    if (c.text === undefined) continue;
    compared++;
    assert.equal(runCase(c, c.text), runCase(c, c.input), `case ${c.key}`);
  }
  assert.ok(compared > 4000);
});

test('corpus: every non-UTF-8 case is rejected', () => {
  const binary = cases.filter((c) => c.text === undefined);
  assert.equal(binary.length, 1662);
  for (const c of binary) assert.equal(c.expected, undefined);
  for (const c of binary) assert.equal(runCase(c, c.input), undefined, `case ${c.key}`);
});

test('corpus: errors are reported on the same line as the reference parser', () => {
  // The reference messages read "… at line L:C: …"; columns differ by design (livehub points at
  // the offending character, the reference often at the start of the token), lines must not.
  let compared = 0;
  for (const c of cases) {
    const m = c.error === undefined ? null : /at line (\d+):\d+/.exec(c.error);
    if (m === null) continue;
    compared++;
    assert.throws(
      () => parseLineProtocol(c.input, { precision: c.precision, defaultTime: c.defaultTime }),
      (err: unknown) => err instanceof LineProtocolError && err.line === Number(m[1]),
      `case ${c.key}: ${c.error}`,
    );
  }
  assert.ok(compared > 6000, `only ${compared} cases carry a position`);
});
