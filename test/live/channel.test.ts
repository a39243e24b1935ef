import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatChannel, parseChannel } from '../../src/live/channel.js';
import { formatTenant, parseTenant, splitPrefixed } from '../../src/live/tenant.js';

test('parses scope/namespace/path with Grafana character sets', () => {
  assert.deepEqual(parseChannel('grafana/dashboard/uid/abc'), { scope: 'grafana', namespace: 'dashboard', path: 'uid/abc' });
  assert.deepEqual(parseChannel('stream/telegraf/cpu'), { scope: 'stream', namespace: 'telegraf', path: 'cpu' });
  assert.deepEqual(parseChannel('plugin/my.plugin/a=b/c.d'), { scope: 'plugin', namespace: 'my.plugin', path: 'a=b/c.d' });
  // [A-z] admits [ \ ] ^ _ ` exactly like Grafana's regexp.
  assert.ok(parseChannel('a_^`/b[]/c\\'));
});

test('rejects what Grafana rejects', () => {
  for (const bad of ['', 'a', 'a/b', 'a/b/', '/b/c', 'a//c', 'a b/c/d', 'a/b=c/d', 'a/b/c d', 'a/b/ü', 'a/b/c?x', 'a/b/c#']) {
    assert.equal(parseChannel(bad), undefined, bad);
  }
  assert.ok(parseChannel(`a/b/${'c'.repeat(156)}`), 'exactly 160 bytes');
  assert.equal(parseChannel(`a/b/${'c'.repeat(157)}`), undefined, 'over 160 bytes');
});

test('parse and format round-trip for valid channels', () => {
  const part = fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/);
  fc.assert(
    fc.property(part, part, fc.stringMatching(/^[A-Za-z0-9_.=/-]{1,20}$/), (scope, ns, path) => {
      const channel = `${scope}/${ns}/${path}`;
      const parsed = parseChannel(channel);
      assert.ok(parsed);
      assert.equal(formatChannel(parsed), channel);
    }),
  );
});

test('never throws on arbitrary input', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
    parseChannel(s);
    splitPrefixed(s);
  }));
});

test('tenant prefixes in both forms', () => {
  assert.deepEqual(parseTenant('1'), { orgId: 1, namespace: 'default' });
  assert.deepEqual(parseTenant('default'), { orgId: 1, namespace: 'default' });
  assert.deepEqual(parseTenant('org-7'), { orgId: 7, namespace: 'org-7' });
  assert.deepEqual(parseTenant('7'), { orgId: 7, namespace: 'org-7' });
  assert.deepEqual(parseTenant('stacks-12'), { orgId: undefined, namespace: 'stacks-12' });
  for (const bad of ['0', '-1', '01', 'org-0', 'org-', 'org-x', 'stacks-', 'abc', '', '1.5', 'org--1']) assert.equal(parseTenant(bad), undefined, bad);
  assert.equal(formatTenant(parseTenant('org-7')!, 'numeric'), '7');
  assert.equal(formatTenant(parseTenant('1')!, 'namespace'), 'default');
  assert.deepEqual(splitPrefixed('org-2/grafana/broadcast/x'), { tenant: { orgId: 2, namespace: 'org-2' }, channel: 'grafana/broadcast/x' });
  assert.equal(splitPrefixed('grafana/broadcast/x'), undefined);
});
