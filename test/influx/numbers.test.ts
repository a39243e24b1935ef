// Go strconv semantics of the numeric helpers (the slow path behind the parser's fast scanner)
// and UTF-8 byte-order comparison.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compareUtf8 } from '../../src/influx/compare.js';
import { parseGoBool, parseGoFloat, parseGoInt, parseGoUint } from '../../src/influx/numbers.js';

test('parseGoFloat: decimal syntax, underscores, hex floats, range', () => {
  assert.equal(parseGoFloat('1_000'), 1000);
  assert.equal(parseGoFloat('1_0.2_5e1_0'), 10.25e10);
  assert.equal(parseGoFloat('+1.5'), 1.5);
  assert.equal(parseGoFloat('0x_1p0'), 1); // an underscore may follow the base prefix
  assert.equal(parseGoFloat('0x1.fffffffffffffp1023'), 1.7976931348623157e308);
  assert.equal(parseGoFloat('0x1p-1074'), 5e-324);
  assert.equal(parseGoFloat('0x1p-1075'), 0); // exactly half the smallest subnormal: ties to even
  assert.equal(parseGoFloat('0x3p-1076'), 5e-324); // 0.75 of the smallest subnormal rounds up to it
  assert.equal(parseGoFloat('0x3p-1075'), 1e-323); // 1.5 units: ties to even → 2 units
  assert.equal(parseGoFloat('0x1.00000000000008p0'), 1); // half-way: ties to even (down)
  assert.equal(parseGoFloat('0x1.00000000000018p0'), 1 + 2 * 2 ** -52); // half-way: ties to even (up)
  assert.equal(parseGoFloat('0x1p1024'), 'range');
  assert.equal(parseGoFloat('1e309'), 'range');
  assert.equal(parseGoFloat('-1e309'), 'range');
  for (const bad of ['', '-', '_1', '1_', '1__2', '1_.2', '1._2', '1e_1', '0x', '0x1', '0xp1', '1p1', 'inf', 'NaN', '1e1.5', '٣']) {
    assert.equal(parseGoFloat(bad), 'syntax', bad);
  }
});

test('parseGoInt and parseGoUint: decimal only, 64-bit ranges, bigint beyond 2^53', () => {
  assert.equal(parseGoInt('-0'), 0);
  assert.ok(Object.is(parseGoInt('-0'), 0));
  assert.equal(parseGoInt('+7'), 7);
  assert.equal(parseGoInt('123456789012345'), 123456789012345);
  assert.equal(parseGoInt('9007199254740991'), 9007199254740991);
  assert.equal(parseGoInt('9007199254740992'), 9007199254740992n);
  assert.equal(parseGoInt('-9223372036854775808'), -9223372036854775808n);
  assert.equal(parseGoInt('9223372036854775808'), 'range');
  assert.equal(parseGoInt('1_000'), 'syntax');
  assert.equal(parseGoInt('0x10'), 'syntax');
  assert.equal(parseGoInt(''), 'syntax');
  assert.equal(parseGoUint('18446744073709551615'), 18446744073709551615n);
  assert.equal(parseGoUint('18446744073709551616'), 'range');
  assert.equal(parseGoUint('+1'), 'syntax');
  assert.equal(parseGoUint('-1'), 'syntax');
  assert.equal(parseGoBool('True'), true);
  assert.equal(parseGoBool('tRue'), undefined);
});

test('compareUtf8 orders like Go (bytes), not like UTF-16', () => {
  const words = ['b', 'a', '\u{1F600}', '\uFF5E', 'ab', '', 'é', 'z'];
  assert.deepEqual([...words].sort(compareUtf8), ['', 'a', 'ab', 'b', 'z', 'é', '\uFF5E', '\u{1F600}']);
  const byBytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  assert.deepEqual([...words].sort(compareUtf8), byBytes);
  assert.equal(compareUtf8('same', 'same'), 0);
});
