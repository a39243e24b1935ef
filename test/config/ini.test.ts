// INI dialect: sections, comments, quotes, inline comments, default section, errors with line numbers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { parseIni } from '../../src/config/ini.js';
import { ConfigError } from '../../src/config/errors.js';

test('parses sections with dots, keys and trimmed values', () => {
  const doc = parseIni(['[server]', 'http_port = 3001', '', '[auth.anonymous]', '  enabled=false  '].join('\n'));
  assert.deepEqual(
    doc.entries.map(({ section, key, value, line }) => ({ section, key, value, line })),
    [
      { section: 'server', key: 'http_port', value: '3001', line: 2 },
      { section: 'auth.anonymous', key: 'enabled', value: 'false', line: 5 },
    ],
  );
  assert.deepEqual(doc.sections, [
    { name: 'server', line: 1 },
    { name: 'auth.anonymous', line: 4 },
  ]);
});

test('skips ; and # comment lines and blank lines, handles CRLF and a BOM', () => {
  const doc = parseIni('\uFEFF; comment\r\n# another\r\n\r\n[live]\r\nmax_connections = 5\r\n');
  assert.equal(doc.entries.length, 1);
  assert.equal(doc.entries[0]!.value, '5');
  assert.equal(doc.entries[0]!.line, 5);
});

test('keys before any section belong to the default section', () => {
  const doc = parseIni('app_mode = production\n[log]\nlevel = debug');
  assert.equal(doc.entries[0]!.section, '');
  assert.equal(doc.entries[1]!.section, 'log');
});

test('strips surrounding double and single quotes, keeping inner whitespace', () => {
  const doc = parseIni(`a = "  spaced  "\nb = 'single'\nc = "x;y # z" ; comment\nd = ""`);
  assert.deepEqual(doc.entries.map((e) => e.value), ['  spaced  ', 'single', 'x;y # z', '']);
});

test('inline comments need whitespace before them, as in go-ini', () => {
  const doc = parseIni('[live]\nha_engine = redis          ; "" or redis\nha_engine_password =     ; none\nha_prefix = a#b;c');
  assert.deepEqual(doc.entries.map((e) => e.value), ['redis', '', 'a#b;c']);
});

test('values may contain "=" and glob characters', () => {
  const doc = parseIni('[live]\nallowed_origins = https://*.example.com, http://a=b');
  assert.equal(doc.entries[0]!.value, 'https://*.example.com, http://a=b');
});

test('section and key names are case-insensitive', () => {
  const doc = parseIni('[Auth.JWT]\nEnabled = true');
  assert.equal(doc.entries[0]!.section, 'auth.jwt');
  assert.equal(doc.entries[0]!.key, 'enabled');
});

test('syntax errors name the source and line', () => {
  const cases: [string, RegExp][] = [
    ['[live]\nmax_connections 100', /conf\.ini:2: expected "key = value"/],
    ['[live\nx = 1', /conf\.ini:1: unterminated section header/],
    ['[]\n', /conf\.ini:1: invalid section name/],
    ['[live] trailing\n', /conf\.ini:1: unexpected text after section header/],
    ['\n\n = 5', /conf\.ini:3: invalid key/],
    ['[live]\nha_prefix = "abc', /conf\.ini:2: unterminated quoted value/],
    ['[live]\nha_prefix = "abc" def', /conf\.ini:2: unexpected text after quoted value/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseIni(text, 'conf.ini'), (err: unknown) => err instanceof ConfigError && pattern.test(err.message), text);
  }
});

test('property: a rendered key = value round-trips for safe values', () => {
  const key = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
  const value = fc.stringMatching(/^[A-Za-z0-9_.:/*,-]{0,30}$/);
  fc.assert(
    fc.property(key, value, (k, v) => {
      const doc = parseIni(`[live]\n${k} = ${v}\n`);
      assert.equal(doc.entries[0]!.key, k);
      assert.equal(doc.entries[0]!.value, v);
    }),
  );
});

test('property: the parser either returns a document or throws ConfigError', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseIni(text);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
      }
    }),
    { numRuns: 500 },
  );
});
