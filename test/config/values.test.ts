// Value parsers behind the schema types, and variable expansion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValueProblem } from '../../src/config/errors.js';
import { expandValue } from '../../src/config/expand.js';
import { parseBoolean, parseBytes, parseDurationMs, parseInteger, parseJsonObject, parseList } from '../../src/config/values.js';

test('durations: bare seconds or Go-style units', () => {
  assert.equal(parseDurationMs('30'), 30_000);
  assert.equal(parseDurationMs('0.5'), 500);
  assert.equal(parseDurationMs('500ms'), 500);
  assert.equal(parseDurationMs('1h30m'), 5_400_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('2d'), 172_800_000);
  for (const bad of ['', '-1', 's', '10 s', '10x', '1h junk']) assert.throws(() => parseDurationMs(bad), ValueProblem, bad);
});

test('bytes: integers, binary and decimal units', () => {
  assert.equal(parseBytes('65536'), 65536);
  assert.equal(parseBytes('-1'), -1);
  assert.equal(parseBytes('64KiB'), 65536);
  assert.equal(parseBytes('1.5k'), 1536);
  assert.equal(parseBytes('16MiB'), 16 * 1024 * 1024);
  assert.equal(parseBytes('16MB'), 16_000_000);
  assert.equal(parseBytes('1 GiB'), 1024 ** 3);
  for (const bad of ['', 'MiB', '-1MiB', '12 parsecs', '1e3']) assert.throws(() => parseBytes(bad), ValueProblem, bad);
});

test('integers, booleans, lists, JSON objects', () => {
  assert.equal(parseInteger('-1'), -1);
  assert.equal(parseInteger('+7'), 7);
  assert.throws(() => parseInteger('99999999999999999999'), /out of range/);
  assert.throws(() => parseInteger('0x10'), ValueProblem);
  for (const t of ['true', 'TRUE', 'yes', 'On', '1', 't', 'y']) assert.equal(parseBoolean(t), true, t);
  for (const f of ['false', 'No', 'off', '0', 'F', 'n']) assert.equal(parseBoolean(f), false, f);
  assert.deepEqual(parseList(' a , ,b,, c '), ['a', 'b', 'c']);
  assert.deepEqual(parseList(''), []);
  assert.deepEqual(parseJsonObject('{"a": [1]}'), { a: [1] });
  for (const bad of ['null', '[]', '"x"', '3', '{']) assert.throws(() => parseJsonObject(bad), ValueProblem, bad);
});

test('expansion: env, plain ${}, files, unknown providers', () => {
  const env = { A: 'alpha', B: 'beta' };
  assert.equal(expandValue('x-$__env{A}-${B}-${MISSING}', { env }), 'x-alpha-beta-');
  assert.equal(expandValue('no dollars', { env }), 'no dollars');
  assert.equal(expandValue('$5 stays', { env }), '$5 stays');
  assert.equal(expandValue('$__file{/s}', { env, readFile: (p) => `secret of ${p}\n` }), 'secret of /s');
  assert.throws(() => expandValue('$__vault{kv/x}', { env }), /unsupported variable expansion \$__vault/);
  assert.throws(
    () => expandValue('$__file{/nope}', { env, readFile: () => { throw new Error('ENOENT'); } }),
    /cannot read \$__file\{\/nope\}/,
  );
});
