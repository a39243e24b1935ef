// Parse-time bounds of a push: at most `maxPoints` lines and `maxValues` tag and field pairs. The
// parser stops at the first line or value past a bound (BatchLimitError naming it), so a body of
// millions of tiny lines costs no more than the bound's worth of parsing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchLimitError } from '../../src/influx/errors.js';
import { parseLineProtocol } from '../../src/influx/parser.js';

function limitError(limit: string, max: number, message: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof BatchLimitError, `unexpected ${String(err)}`);
    assert.equal(err.limit, limit);
    assert.equal(err.max, max);
    assert.match(err.message, message);
    return true;
  };
}

test('maxPoints: exactly the bound parses, one more line is refused', () => {
  const lines = (n: number): string => Array.from({ length: n }, (_, i) => `m f=${i}`).join('\n');
  assert.equal(parseLineProtocol(lines(10), { maxPoints: 10 }).length, 10);
  assert.throws(() => parseLineProtocol(lines(11), { maxPoints: 10 }), limitError('rows', 10, /more than 10 lines/));
  // Blank and comment lines are no points.
  assert.equal(parseLineProtocol(`${lines(10)}\n\n# note\n`, { maxPoints: 10 }).length, 10);
});

test('maxValues counts tags and fields of the whole body, also inside one long line', () => {
  assert.equal(parseLineProtocol('m,a=1,b=2 f=1,g=2', { maxValues: 4 }).length, 1);
  assert.throws(() => parseLineProtocol('m,a=1,b=2 f=1,g=2', { maxValues: 3 }), limitError('values', 3, /more than 3 tag and field values/));
  assert.throws(() => parseLineProtocol('m f=1\nm f=1,g=2', { maxValues: 2 }), limitError('values', 2, /more than 2/));
  const tags = Array.from({ length: 5000 }, (_, i) => `t${i}=x`).join(',');
  assert.throws(() => parseLineProtocol(`m,${tags} f=1`, { maxValues: 1000 }), limitError('values', 1000, /more than 1000/));
});

test('a large body (parsed in chunks) stops at the bound, and a syntax error before it still wins', () => {
  const body = Buffer.from('m f=1\n'.repeat(200_000)); // 1.2 MB: the chunked path
  assert.throws(() => parseLineProtocol(body, { maxPoints: 10_000 }), limitError('rows', 10_000, /more than 10000 lines/));
  const early = Buffer.from(`m f=1\nm f=\n${'m f=1\n'.repeat(200_000)}`);
  assert.throws(() => parseLineProtocol(early, { maxPoints: 10_000 }), { name: 'LineProtocolError', message: /^line 2, / });
  // A quoted string with raw newlines across a chunk boundary: the real line count decides.
  const text = `m s="${'x f=1\n'.repeat(20_000)}"\n${'m f=1\n'.repeat(10)}`;
  assert.equal(parseLineProtocol(Buffer.from(text), { maxPoints: 11 }).length, 11);
});
