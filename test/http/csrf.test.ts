// Grafana's CSRF rule as livehub applies it (src/http/csrf.ts), case by case.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityConfig } from '../../src/config/types.js';
import { CsrfPolicy } from '../../src/http/csrf.js';
import { isJsonContentType } from '../../src/http/request-guard.js';

const NONE: SecurityConfig = { csrfTrustedOrigins: [], csrfAdditionalHeaders: [], csrfAlwaysCheck: false };

function policy(config: Partial<SecurityConfig> = {}, rootUrl = 'https://grafana.example.com/'): CsrfPolicy {
  return new CsrfPolicy({ ...NONE, ...config }, rootUrl);
}

test('a foreign Origin is refused for anonymous requests, whatever the method but HEAD, OPTIONS, TRACE', () => {
  const p = policy();
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'GET']) {
    const verdict = p.check(method, { host: 'live.local:3000', origin: 'https://evil.example' }, false);
    assert.deepEqual(verdict, { ok: false, origin: 'https://evil.example', reason: 'origin not allowed' }, method);
  }
  for (const method of ['HEAD', 'OPTIONS', 'TRACE']) assert.ok(p.check(method, { host: 'a', origin: 'https://evil.example' }, false).ok, method);
});

test("the server's own origin passes: the request host or root_url's host, any port or scheme", () => {
  const p = policy();
  assert.ok(p.check('POST', { host: 'live.local:3000', origin: 'http://live.local:3000' }, false).ok);
  assert.ok(p.check('POST', { host: 'live.local:3000', origin: 'https://LIVE.local' }, false).ok);
  assert.ok(p.check('POST', { host: '10.0.0.5:3000', origin: 'https://grafana.example.com' }, false).ok);
  assert.ok(p.check('POST', { host: '[::1]:3000', origin: 'http://[::1]:8080' }, false).ok);
  assert.equal(p.check('POST', { host: 'live.local', origin: 'https://live.local.evil.example' }, false).ok, false);
});

test('no Origin: Telegraf and scripts pass; a state-changing request is judged by its Referer', () => {
  const p = policy();
  assert.ok(p.check('POST', { host: 'live.local' }, false).ok);
  assert.equal(p.check('POST', { host: 'live.local', referer: 'https://evil.example/page' }, false).ok, false);
  assert.ok(p.check('POST', { host: 'live.local', referer: 'http://live.local/console' }, false).ok);
  // A link from another site (a GET with a Referer) is ordinary navigation.
  assert.ok(p.check('GET', { host: 'live.local', referer: 'https://wiki.example/page' }, false).ok);
});

test('"null" and unparseable origins are refused', () => {
  const p = policy();
  assert.equal(p.check('POST', { host: 'live.local', origin: 'null' }, false).ok, false);
  assert.equal(p.check('POST', { host: 'live.local', origin: '::::' }, false).ok, false);
});

test('csrf_trusted_origins and csrf_additional_headers admit their hosts', () => {
  const p = policy({ csrfTrustedOrigins: ['portal.example'], csrfAdditionalHeaders: ['x-forwarded-host'] });
  assert.ok(p.check('POST', { host: 'live.local', origin: 'https://portal.example:8443' }, false).ok);
  assert.ok(p.check('POST', { host: 'live.local', origin: 'https://public.example', 'x-forwarded-host': 'public.example:443' }, false).ok);
  assert.equal(p.check('POST', { host: 'live.local', origin: 'https://public.example', 'x-forwarded-host': 'other.example' }, false).ok, false);
});

test('explicit credentials skip the check unless csrf_always_check', () => {
  const headers = { host: 'live.local', origin: 'https://evil.example' };
  assert.ok(policy().check('POST', headers, true).ok);
  assert.equal(policy({ csrfAlwaysCheck: true }).check('POST', headers, true).ok, false);
  assert.ok(policy({ csrfAlwaysCheck: true }).check('POST', { host: 'live.local' }, true).ok);
});

test('JSON content types', () => {
  for (const ok of [undefined, 'application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json']) assert.ok(isJsonContentType(ok), String(ok));
  for (const bad of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/jsonp', 'text/json']) {
    assert.equal(isJsonContentType(bad), false, bad);
  }
});
