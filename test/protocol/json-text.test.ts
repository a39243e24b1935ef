// The JSON source scanner behind "published data keeps its exact text": for any text JSON.parse
// accepts, the span it finds is the source of exactly the value JSON.parse produced (the last one
// when a name repeats), and depths are right even where JSON.stringify would overflow the stack.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonDepth, memberSpan } from '../../src/protocol/json-text.js';
import { params } from '../fuzz/runs.js';
import { nesting } from '../helpers/json-depth.js';

function spanText(text: string, path: string[]): string | undefined {
  const span = memberSpan(text, path);
  return span === undefined ? undefined : text.slice(span.start, span.end);
}

test('numbers JSON.parse would round keep their exact source', () => {
  const text = '{"channel":"c","data":{"big":12345678901234567890,"huge":1e400,"tiny":-0.000000000000000000001e-999}}';
  assert.equal(spanText(text, ['data']), '{"big":12345678901234567890,"huge":1e400,"tiny":-0.000000000000000000001e-999}');
  assert.equal(spanText('{"data":1e400}', ['data']), '1e400');
  assert.equal(spanText('{"id":1,"publish":{"channel":"c","data":12345678901234567890}}', ['publish', 'data']), '12345678901234567890');
});

test('whitespace inside the value is kept, around it is not', () => {
  assert.equal(spanText('{ "data" :\n [ 1 ,\t2 ] \r\n}', ['data']), '[ 1 ,\t2 ]');
  assert.equal(spanText('{"data":  "x"  }', ['data']), '"x"');
});

test('a repeated name resolves to the last one, as JSON.parse does', () => {
  assert.equal(spanText('{"data":1,"data":[2],"x":0}', ['data']), '[2]');
  assert.equal(spanText('{"publish":{"data":"first"},"publish":{"channel":"c","data":"second"}}', ['publish', 'data']), '"second"');
  // The earlier object had data, the last one has none: JSON.parse keeps the last (no data).
  assert.equal(spanText('{"publish":{"data":1},"publish":{"channel":"c"}}', ['publish', 'data']), undefined);
});

test('escaped names and strings full of quotes and backslashes', () => {
  assert.equal(spanText('{"d\\u0061ta":5}', ['data']), '5');
  assert.equal(spanText('{"a":"x\\\\","data":"q\\"\\\\\\"}"}', ['data']), '"q\\"\\\\\\"}"');
  assert.equal(spanText('{"a":"}{][,:\\"","data":["]",{"}":"["}]}', ['data']), '["]",{"}":"["}]');
});

test('missing members and non-object steps are undefined', () => {
  assert.equal(memberSpan('{"a":1}', ['data']), undefined);
  assert.equal(memberSpan('{}', ['data']), undefined);
  assert.equal(memberSpan('[{"data":1}]', ['data']), undefined);
  assert.equal(memberSpan('{"publish":"text"}', ['publish', 'data']), undefined);
  assert.equal(memberSpan('{"publish":{"x":{"data":1}}}', ['publish', 'data']), undefined);
});

test('depth of values and whole texts', () => {
  assert.equal(memberSpan('{"data":1}', ['data'])?.depth, 0);
  assert.equal(memberSpan('{"data":"[[["}', ['data'])?.depth, 0);
  assert.equal(memberSpan('{"data":[]}', ['data'])?.depth, 1);
  assert.equal(memberSpan('{"data":[{"a":[1]},[]]}', ['data'])?.depth, 3);
  assert.equal(jsonDepth(' 7 '), 0);
  assert.equal(jsonDepth(''), 0);
  assert.equal(jsonDepth('{"a":{"b":{}}}'), 3);
  // 100,000 levels: JSON.parse takes it, JSON.stringify of the result would throw; the scan counts it.
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  assert.equal(jsonDepth(deep), 100_000);
  assert.equal(memberSpan(`{"data":${deep}}`, ['data'])?.depth, 100_000);
});

test('property: the span parses to exactly the member JSON.parse produced, in any layout', () => {
  const member = fc.jsonValue({ maxDepth: 4 });
  const others = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const indent = fc.constantFrom<string | number>(0, 1, 2, '\t', ' \n ');
  fc.assert(
    fc.property(others, member, others, indent, (before, value, after, space) => {
      // Members before and after (possibly another "data", which must then win).
      const object = { ...before, data: value, ...after };
      const text = JSON.stringify(object, null, space);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const span = memberSpan(text, ['data']);
      assert.ok(span !== undefined);
      const source = text.slice(span.start, span.end);
      assert.deepEqual(JSON.parse(source), parsed['data']);
      assert.equal(span.depth, nesting(parsed['data']));
      assert.equal(jsonDepth(text), nesting(parsed));
    }),
    params(300),
  );
});
