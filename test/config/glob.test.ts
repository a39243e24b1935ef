// allowed_origins globs: gobwas-style syntax, anchored matching, compile errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGlob } from '../../src/config/glob.js';

test('matches wildcards, single characters, classes and alternatives', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'https://anything', true],
    ['https://*.example.com', 'https://a.b.example.com', true],
    ['https://*.example.com', 'https://example.com', false],
    ['https://*.example.com', 'https://x.example.com.evil.io', false],
    ['http://host:300?', 'http://host:3001', true],
    ['http://host:300?', 'http://host:30011', false],
    ['http://[a-c].io', 'http://b.io', true],
    ['http://[!a-c].io', 'http://b.io', false],
    ['http://[!a-c].io', 'http://d.io', true],
    ['https://{grafana,live}.example.com', 'https://live.example.com', true],
    ['https://{grafana,live}.example.com', 'https://other.example.com', false],
    ['http://a\\*b', 'http://a*b', true],
    ['http://a\\*b', 'http://axb', false],
    ['http://a.b', 'http://aXb', false],
  ];
  for (const [pattern, input, expected] of cases) {
    assert.equal(compileGlob(pattern).test(input), expected, `${pattern} vs ${input}`);
  }
});

test('rejects malformed patterns', () => {
  for (const pattern of ['http://[abc', 'http://{a,b', 'trailing\\', 'http://[]', 'http://[z-a]']) {
    assert.throws(() => compileGlob(pattern), Error, pattern);
  }
});
