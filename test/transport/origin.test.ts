import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob } from '../../src/config/glob.js';
import { OriginChecker } from '../../src/transport/origin.js';
import { textFrame } from '../../src/protocol/outbound-message.js';

test('Grafana origin algorithm', () => {
  const c = new OriginChecker({ rootUrl: 'http://grafana.local:3000/', allowedOrigins: ['https://*.example.com'] });
  assert.equal(c.allowed(undefined, 'x'), true);
  assert.equal(c.allowed('http://host:1234', 'HOST:1234'), true, 'same host, case-insensitive');
  assert.equal(c.allowed('http://grafana.local:3000', 'proxy'), true);
  assert.equal(c.allowed('http://grafana.local', 'proxy'), true, 'origin without port matches the root host');
  assert.equal(c.allowed('http://grafana.local:3001', 'proxy'), false);
  assert.equal(c.allowed('https://grafana.local:3000', 'proxy'), false);
  assert.equal(c.allowed('https://a.example.com', 'proxy'), true);
  assert.equal(c.allowed('https://example.com', 'proxy'), false);
  assert.equal(c.allowed('not a url', 'proxy'), false);
  const strict = new OriginChecker({ rootUrl: 'http://x/', allowedOrigins: [], requireOrigin: true });
  assert.equal(strict.allowed(undefined, 'x'), false);
});

test('globs escape regex characters', () => {
  assert.ok(compileGlob('http://a.b:*').test('http://a.b:80'));
  assert.ok(!compileGlob('http://a.b').test('http://aXb'));
  assert.ok(compileGlob('http://?.b').test('http://a.b'));
});

test('text frames have RFC 6455 headers for every length class', () => {
  for (const len of [0, 1, 125, 126, 65535, 65536, 70000]) {
    const frame = textFrame('a'.repeat(len));
    assert.equal(frame[0], 0x81);
    if (len < 126) assert.equal(frame[1], len);
    else if (len < 65536) assert.deepEqual([frame[1], frame.readUInt16BE(2)], [126, len]);
    else assert.deepEqual([frame[1], frame.readUInt32BE(6)], [127, len]);
    assert.equal(frame.length - (len < 126 ? 2 : len < 65536 ? 4 : 10), len);
  }
  const utf8 = textFrame('é');
  assert.equal(utf8[1], 2);
});
