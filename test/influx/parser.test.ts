// Unit tests of the line-protocol parser: escapes, every value kind, timestamps and precision,
// error positions and messages, line endings, comments, UTF-8 handling and the chunked path for
// large bodies.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LineProtocolError } from '../../src/influx/errors.js';
import { parseLineProtocol } from '../../src/influx/parser.js';
import { pointAt, pointsOf } from '../../src/influx/points.js';
import { parsePrecision, toNanoseconds } from '../../src/influx/precision.js';
import { FieldKind, type ParseOptions, type Point } from '../../src/influx/types.js';

const T = 1616403090000000000n;

function parse(text: string | Buffer, options: ParseOptions = { defaultTime: T }): Point[] {
  return pointsOf(parseLineProtocol(text, options));
}

function one(text: string, options?: ParseOptions): Point {
  const points = parse(text, options);
  assert.equal(points.length, 1, `expected one point from ${JSON.stringify(text)}`);
  return points[0]!;
}

/** The value of the only field of a one-line body. */
function value(line: string): { kind: FieldKind; value: unknown } {
  const p = one(line);
  assert.equal(p.fields.length, 1);
  return { kind: p.fields[0]!.kind, value: p.fields[0]!.value };
}

function rejects(text: string | Buffer, line: number, column: number, reason?: RegExp): LineProtocolError {
  let caught: unknown;
  try {
    parseLineProtocol(text, { defaultTime: T });
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof LineProtocolError, `expected a LineProtocolError for ${JSON.stringify(String(text))}`);
  assert.equal(caught.line, line, caught.message);
  assert.equal(caught.column, column, caught.message);
  assert.ok(caught.message.startsWith(`line ${line}, column ${column}: `), caught.message);
  if (reason !== undefined) assert.match(caught.reason, reason);
  return caught;
}

test('a line: measurement, sorted tags, fields in input order, kinds and time', () => {
  const p = one('cpu,host=h,cpu=cpu0,a=1 usage_system=6,usage_idle=82i,on=true,state="ok",n=3u 1616403090123456789');
  assert.equal(p.measurement, 'cpu');
  assert.deepEqual(p.tags, [
    { key: 'a', value: '1' },
    { key: 'cpu', value: 'cpu0' },
    { key: 'host', value: 'h' },
  ]);
  assert.deepEqual(p.fields, [
    { key: 'usage_system', kind: FieldKind.Float, value: 6 },
    { key: 'usage_idle', kind: FieldKind.Int, value: 82 },
    { key: 'on', kind: FieldKind.Bool, value: true },
    { key: 'state', kind: FieldKind.String, value: 'ok' },
    { key: 'n', kind: FieldKind.Uint, value: 3 },
  ]);
  assert.deepEqual(p.time, { ms: 1616403090123, nanos: 456789 });
});

test('escapes in measurement, tag keys and values, field keys', () => {
  const p = one('c\\ p\\,u\\=x,t\\ k\\=\\,=v\\ 1\\,\\= f\\ k\\=\\,=1');
  assert.equal(p.measurement, 'c p,u\\=x'); // `=` is not escapable in a measurement
  assert.deepEqual(p.tags, [{ key: 't k=,', value: 'v 1,=' }]);
  assert.equal(p.fields[0]!.key, 'f k=,');
  // `=` is allowed unescaped in a measurement.
  assert.equal(one('cpu=load v=1').measurement, 'cpu=load');
  // A backslash before a character that is not escapable stays, and the character is read normally.
  // `\\` is no escape in a tag value: backslash, then an escaped space, then the separator.
  assert.deepEqual(one('m,k=a\\b\\\\  v=1').tags, [{ key: 'k', value: 'a\\b\\ ' }]);
  assert.equal(one('m\\ x\\t v=1').measurement, 'm x\\t');
});

test('string field values unescape only \\" and \\\\', () => {
  assert.deepEqual(value('m s="a \\"quoted\\" \\\\ back"'), { kind: FieldKind.String, value: 'a "quoted" \\ back' });
  assert.equal(value('m s="\\n\\t\\r\\x"').value, '\\n\\t\\r\\x');
  assert.equal(value('m s=""').value, '');
  assert.equal(value('m s="a,b c=d"').value, 'a,b c=d');
  assert.equal(value('m s="x\u0001y"').value, 'x\u0001y');
  // Raw newlines are part of the string; the next entry starts after the closing quote's line.
  const points = parse('m s="two\nlines" 1\nn v=2 2');
  assert.equal(points[0]!.fields[0]!.value, 'two\nlines');
  assert.equal(points[1]!.measurement, 'n');
});

test('floats in every spelling the reference accepts', () => {
  const cases: [string, number][] = [
    ['1', 1],
    ['-1.5', -1.5],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['1.5e+2', 150],
    ['.5', 0.5],
    ['1.', 1],
    ['-.5', -0.5],
    ['0001.2500', 1.25],
    ['1_000.5', 1000.5], // Go's ParseFloat takes digit-separating underscores
    ['0x1p-2', 0.25], // and hexadecimal floats with a binary exponent
    ['0X1.8P1', 3],
    ['1.7976931348623157e308', 1.7976931348623157e308],
    ['4.9e-324', 5e-324],
    ['1e-400', 0], // underflow is not an error in Go
    ['2.0040080160320644', 2.0040080160320644],
    ['0.30000000000000004', 0.30000000000000004],
    ['123456789012345678901234567890', 1.2345678901234568e29],
  ];
  for (const [text, expected] of cases) {
    assert.deepEqual(value(`m v=${text}`), { kind: FieldKind.Float, value: expected }, text);
  }
  assert.ok(Object.is(value('m v=-0').value, -0));
  assert.ok(Object.is(value('m v=-0.0').value, -0));
});

test('floats the reference rejects', () => {
  for (const text of ['-', '.', '1.2.3', '1e', '1e+', '--1', '1_', '_1', '1__0', '1_.5', '0x1', '0x1.8', '1e400', '-1e400', '1x', '1.5i', '1\t']) {
    rejects(`m v=${text}`, 1, 5);
  }
  // NaN and infinities are not line-protocol values (those starting with a letter are no numbers at all).
  for (const text of ['-Inf', '-inf', '-Infinity', 'NaN', 'Inf', 'nan']) rejects(`m v=${text}`, 1, 5);
});

test('integers: signed and unsigned 64-bit with range checks, exact beyond 2^53', () => {
  assert.deepEqual(value('m v=42i'), { kind: FieldKind.Int, value: 42 });
  assert.deepEqual(value('m v=-42i'), { kind: FieldKind.Int, value: -42 });
  assert.ok(Object.is(value('m v=-0i').value, 0));
  assert.deepEqual(value('m v=0009223372036854775807i'), { kind: FieldKind.Int, value: 9223372036854775807n });
  assert.deepEqual(value('m v=-9223372036854775808i'), { kind: FieldKind.Int, value: -9223372036854775808n });
  assert.deepEqual(value('m v=9007199254740991i'), { kind: FieldKind.Int, value: 9007199254740991 });
  assert.deepEqual(value('m v=9007199254740993i'), { kind: FieldKind.Int, value: 9007199254740993n });
  assert.deepEqual(value('m v=18446744073709551615u'), { kind: FieldKind.Uint, value: 18446744073709551615n });
  assert.deepEqual(value('m v=0u'), { kind: FieldKind.Uint, value: 0 });
  rejects('m v=9223372036854775808i', 1, 5, /out of range/);
  rejects('m v=-9223372036854775809i', 1, 5, /out of range/);
  rejects('m v=18446744073709551616u', 1, 5, /out of range/);
  rejects('m v=-1u', 1, 5, /invalid unsigned/);
  for (const text of ['i', '-i', '1.0i', '1e3i', '1_000i', '0x10i', '1ii', '1iu', '1u1']) rejects(`m v=${text}`, 1, 5);
});

test('booleans in all spellings', () => {
  for (const t of ['t', 'T', 'true', 'True', 'TRUE']) assert.deepEqual(value(`m v=${t}`), { kind: FieldKind.Bool, value: true });
  for (const f of ['f', 'F', 'false', 'False', 'FALSE']) {
    assert.deepEqual(value(`m v=${f}`), { kind: FieldKind.Bool, value: false });
  }
  for (const bad of ['tRUE', 'truE', 'ture', 'fa', 't1']) rejects(`m v=${bad}`, 1, 5, /invalid boolean/);
  rejects('m v=yes', 1, 5, /invalid value for field "v"/);
});

test('duplicate tag keys are an error, duplicate field keys are kept', () => {
  rejects('m,a=1,b=2,a=3 v=1', 1, 11, /duplicate tag key "a"/);
  assert.deepEqual(
    one('m v=1,v=2i').fields.map((f) => f.value),
    [1, 2],
  );
});

test('missing timestamp → default time truncated to the precision', () => {
  const defaultTime = 946730096789012345n;
  const at = (precision: ParseOptions['precision']): bigint =>
    toNanoseconds(one('m v=1', { precision, defaultTime }).time);
  assert.equal(at('ns'), 946730096789012345n);
  assert.equal(at('us'), 946730096789012000n);
  assert.equal(at('ms'), 946730096789000000n);
  assert.equal(at('s'), 946730096000000000n);
  // Truncation rounds down, also before 1970.
  assert.equal(toNanoseconds(one('m v=1', { precision: 's', defaultTime: -1500000000n }).time), -2000000000n);
  // Without a default the receive time is used.
  const before = Date.now();
  const t = one('m v=1', {}).time.ms;
  assert.ok(t >= before && t <= Date.now());
});

test('timestamps stay exact at nanosecond precision, including negatives', () => {
  const at = (text: string, precision?: ParseOptions['precision']): bigint =>
    toNanoseconds(one(`m v=1 ${text}`, { precision, defaultTime: T }).time);
  assert.equal(at('1616403090123456789'), 1616403090123456789n);
  assert.equal(at('9223372036854775807'), 9223372036854775807n);
  assert.equal(at('-9223372036854775808'), -9223372036854775808n);
  assert.equal(at('0000000000000000000001'), 1n);
  assert.equal(at('-0'), 0n);
  assert.deepEqual(one('m v=1 -1').time, { ms: -1, nanos: 999999 });
  assert.deepEqual(one('m v=1 -1000000').time, { ms: -1, nanos: 0 });
  assert.deepEqual(one('m v=1 1616403090000000000').time, { ms: 1616403090000, nanos: 0 });
  assert.equal(at('1616403090123456', 'us'), 1616403090123456000n);
  assert.equal(at('1616403090123', 'ms'), 1616403090123000000n);
  assert.equal(at('1616403090', 's'), 1616403090000000000n);
  assert.equal(at('-9223372036', 's'), -9223372036000000000n);
  assert.equal(at('9223372036854775', 'us'), 9223372036854775000n);
  rejects('m v=1 9223372036854775808', 1, 7, /out of range/);
  rejects('m v=1 -9223372036854775809', 1, 7, /out of range/);
  rejects('m v=1 99999999999999999999', 1, 7, /out of range/);
  assert.throws(() => parseLineProtocol('m v=1 9223372037', { precision: 's' }), /out of range/);
  assert.throws(() => parseLineProtocol('m v=1 9223372036854776', { precision: 'us' }), /out of range/);
  for (const bad of ['12a', '1-2', '-', '--1', '+1', '1.5', '0x10']) rejects(`m v=1 ${bad}`, 1, 7, /timestamp/);
  rejects('m v=1 1 2', 1, 9, /after timestamp/);
});

test('parsePrecision reads the precision query parameter', () => {
  assert.equal(parsePrecision(null), 'ns');
  assert.equal(parsePrecision(undefined), 'ns');
  assert.equal(parsePrecision(''), 'ns');
  for (const p of ['ns', 'us', 'ms', 's'] as const) assert.equal(parsePrecision(p), p);
  for (const bad of ['NS', 'n', 'u', 'µs', 'm', 'h', '1s', ' s']) assert.equal(parsePrecision(bad), undefined);
});

test('errors carry line and byte column and name the problem', () => {
  const err = rejects('cpu,host=a v=1\ncpu,host=b v=2\ncpu,host=c,region v=3', 3, 18);
  assert.equal(err.message, 'line 3, column 18: expected \'=\' after tag key "region", found white space');
  rejects('cpu', 1, 4, /expected fields/);
  rejects('cpu ', 1, 5, /expected field key, found end of input/);
  rejects('cpu,host=a', 1, 11, /expected fields/);
  rejects('cpu,=a v=1', 1, 5, /expected tag key/);
  rejects('cpu,host= v=1', 1, 10, /expected tag value after tag key "host"/);
  rejects('cpu, host=a v=1', 1, 5, /after ','/);
  rejects('cpu v', 1, 6, /expected '=' after field key "v"/);
  rejects('cpu v=', 1, 7, /expected value for field "v"/);
  rejects('cpu v=1,', 1, 9, /expected field key/);
  rejects('cpu v="abc', 1, 7, /closing quote/);
  rejects('cpu v="a"b', 1, 10, /unexpected character/);
  rejects('cpu v=x', 1, 7, /invalid value for field "v"/);
  rejects('\tcpu v=1', 1, 1, /measurement/);
  rejects(',cpu v=1', 1, 1, /measurement/);
  // Columns count bytes: "é" is two.
  rejects('mé v', 1, 6, /expected '=' after field key "v"/);
  // Newlines inside string values count as lines.
  rejects('m s="a\nb" 1\nm v=?', 3, 5);
  // The error is the first bad line; nothing is returned for the batch.
  rejects('good v=1\nbad\ngood v=2', 2, 4);
});

test('CRLF line endings, blank lines, spaces and comments', () => {
  const points = parse('# header\r\n\r\n  a v=1 1\r\n\n   # indented comment\nb,t=x  v=2   2   \r\n# last line without newline');
  assert.deepEqual(
    points.map((p) => [p.measurement, toNanoseconds(p.time)]),
    [
      ['a', 1n],
      ['b', 2n],
    ],
  );
  assert.equal(parse('a v=1\r').length, 1);
  assert.equal(parse('').length, 0);
  assert.equal(parse('\n\n\r\n  \n').length, 0);
  assert.equal(parse('# only a comment').length, 0);
  // A lone CR is not a line end.
  rejects('a v=1\rb v=2', 1, 6);
  rejects('a v=1 1\rb v=2', 1, 8, /after timestamp/);
  rejects('\rb v=2', 1, 1, /measurement/);
  rejects('# bad \u0001 comment\na v=1', 1, 7, /comment/);
  rejects('# tab\tin comment', 1, 6, /comment/);
});

test('bytes: invalid UTF-8 is rejected in tokens but allowed in comments', () => {
  const bad = Buffer.from([0x62, 0x61, 0x64, 0xff]); // "bad\xff"
  const body = (...parts: (string | Buffer)[]): Buffer =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  rejects(body(bad, ' v=1'), 1, 1, /UTF-8/);
  rejects(body('m,', bad, '=x v=1'), 1, 3, /UTF-8/);
  rejects(body('m,k=', bad, ' v=1'), 1, 5, /UTF-8/);
  rejects(body('m ', bad, '=1'), 1, 3, /UTF-8/);
  rejects(body('ok v=1\nm v="', bad, '"'), 2, 5, /UTF-8/);
  const points = parse(body('# ', bad, '\nm v=1'));
  assert.equal(points.length, 1);
  // Such a body is read byte by byte; decoded tokens still sort by UTF-8 bytes.
  const sorted = parse(body('# ', bad, '\nm,\u{1F600}=a,\uFF5E=b,z=c v=1'))[0]!;
  assert.deepEqual(
    sorted.tags.map((t) => t.key),
    ['z', '\uFF5E', '\u{1F600}'],
  );
  // Valid multi-byte text decodes, from a Buffer and from a plain Uint8Array.
  const utf8 = Buffer.from('mé,ключ=值 f🙂="ü" 1');
  const p = pointsOf(parseLineProtocol(new Uint8Array(utf8)))[0]!;
  assert.equal(p.measurement, 'mé');
  assert.deepEqual(p.tags, [{ key: 'ключ', value: '值' }]);
  assert.deepEqual(p.fields, [{ key: 'f🙂', kind: FieldKind.String, value: 'ü' }]);
  assert.deepEqual(pointsOf(parseLineProtocol(utf8)), [p]);
  // A JavaScript string cannot carry what UTF-8 cannot encode.
  assert.throws(() => parseLineProtocol('m v="\ud800"'), LineProtocolError);
});

test('tags sort in UTF-8 byte order, not UTF-16 order', () => {
  // U+FF5E (EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in bytes; as UTF-16, 0xFF5E > 0xD83D.
  const p = one('m,\u{1F600}=a,\uFF5E=b,z=c v=1');
  assert.deepEqual(
    p.tags.map((t) => t.key),
    ['z', '\uFF5E', '\u{1F600}'],
  );
});

test('large bodies are parsed in chunks with identical results', () => {
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) lines.push(`cpu,host=h${i % 7},cpu=cpu${i % 4} a=${i}.5,b=${i}i,s="x${i}" ${1616403090000000000n + BigInt(i)}`);
  const text = lines.join('\n') + '\n';
  assert.ok(text.length > 200_000);
  const fromBytes = parseLineProtocol(Buffer.from(text));
  const fromString = parseLineProtocol(text);
  assert.equal(fromBytes.length, 5000);
  assert.deepEqual(fromBytes, fromString);
  assert.deepEqual(pointAt(fromBytes, 4321).fields[2], { key: 's', kind: FieldKind.String, value: 'x4321' });

  // A quoted string with raw newlines across the chunk boundaries still parses.
  const multi = 'm s="' + 'line\n'.repeat(40_000) + '" 5\nn v=1 6\n';
  const parsed = pointsOf(parseLineProtocol(Buffer.from(multi)));
  assert.equal(parsed.length, 2);
  assert.equal((parsed[0]!.fields[0]!.value as string).length, 200_000);
  assert.equal(parsed[1]!.measurement, 'n');

  // An error deep in a large body reports its global line.
  const broken = text + 'cpu,host=x a=1,b=oops 1\n' + text;
  rejects(Buffer.from(broken), 5001, 18, /invalid value for field "b"/);
});
