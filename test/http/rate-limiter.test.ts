// The HTTP rate limiter on its own, with a hand-driven clock: buckets per route group and caller,
// 429 + Retry-After, byte reservations settled with what was read, and a table that stays bounded
// and empties once the buckets refill. Requests are real node:http objects on unconnected sockets.

import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import type { Identity } from '../../src/auth/identity.js';
import type { HttpRateLimitConfig } from '../../src/config/types.js';
import { clientAddressKey } from '../../src/http/client-address.js';
import { HttpRateLimiter } from '../../src/http/rate-limiter.js';
import { createLogger } from '../../src/log/logger.js';

const ANONYMOUS: Identity = { userId: '0', login: 'anonymous', name: 'Anonymous', orgId: 1, role: 'Viewer', authMethod: 'anonymous' };
const TOKEN: Identity = { userId: '77', login: 'sa-x', name: 'x', orgId: 1, role: 'Editor', authMethod: 'api_token' };

function config(overrides: Partial<HttpRateLimitConfig> = {}): HttpRateLimitConfig {
  return {
    requests: { perSecond: 10, burst: 3 },
    bytes: { perSecond: 1000, burst: 4000 },
    anonymousRequests: { perSecond: 1, burst: 2 },
    anonymousBytes: { perSecond: 100, burst: 1000 },
    maxKeys: 100,
    ...overrides,
  };
}

function exchange(address: string, headers: Record<string, string> = {}): { req: IncomingMessage; res: ServerResponse; answer: () => { status: number; retryAfter: string | undefined } } {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: address });
  const req = new IncomingMessage(socket);
  req.method = 'POST';
  req.headers = headers;
  const res = new ServerResponse(req);
  return { req, res, answer: () => ({ status: res.statusCode, retryAfter: res.getHeader('retry-after') as string | undefined }) };
}

function limiter(cfg = config()) {
  let now = 1_000;
  const lines: string[] = [];
  const l = new HttpRateLimiter(cfg, createLogger('warn', (line) => lines.push(line)), () => now);
  return { l, lines, advance: (ms: number) => (now += ms) };
}

test('anonymous callers: a bucket per address, 429 with Retry-After past the burst', () => {
  const { l, advance } = limiter();
  const a = () => exchange('127.0.0.2');
  assert.ok(l.admit(a().req, a().res, 'publish', ANONYMOUS, 0));
  assert.ok(l.admit(a().req, a().res, 'publish', ANONYMOUS, 0));
  const third = a();
  assert.equal(l.admit(third.req, third.res, 'publish', ANONYMOUS, 0), false);
  assert.deepEqual(third.answer(), { status: 429, retryAfter: '1' });
  // Another address and another route group have buckets of their own.
  const other = exchange('127.0.0.3');
  assert.ok(l.admit(other.req, other.res, 'publish', ANONYMOUS, 0));
  const dash = a();
  assert.ok(l.admit(dash.req, dash.res, 'dashboards', ANONYMOUS, 0));
  // One second later one token is back.
  advance(1000);
  const later = a();
  assert.ok(l.admit(later.req, later.res, 'publish', ANONYMOUS, 0));
  assert.deepEqual(l.counters.rejected, new Map([['publish anonymous requests', 1]]));
});

test('identities: a bucket per token or user, whatever the address', () => {
  const { l } = limiter();
  for (let i = 0; i < 3; i++) {
    const x = exchange(`127.0.0.${10 + i}`);
    assert.ok(l.admit(x.req, x.res, 'push', TOKEN, 0));
  }
  const over = exchange('127.0.0.99');
  assert.equal(l.admit(over.req, over.res, 'push', TOKEN, 0), false);
  assert.equal(over.answer().status, 429);
  const another = exchange('127.0.0.99');
  assert.ok(l.admit(another.req, another.res, 'push', { ...TOKEN, userId: '78' }, 0));
});

test('body bytes: Content-Length is reserved up front and settled with what was read', () => {
  const { l, advance } = limiter();
  const big = exchange('10.0.0.1', { 'content-length': '900' });
  assert.ok(l.admit(big.req, big.res, 'publish', ANONYMOUS, 1000));
  // 100 left: a second 900-byte body must wait 8 s for the tokens (requests are not the limit).
  advance(1000);
  const second = exchange('10.0.0.1', { 'content-length': '900' });
  assert.equal(l.admit(second.req, second.res, 'publish', ANONYMOUS, 1000), false);
  assert.deepEqual(second.answer(), { status: 429, retryAfter: '7' });
  // The first request never read its body (answered early): the reservation comes back.
  big.res.emit('close');
  const third = exchange('10.0.0.1', { 'content-length': '900' });
  assert.ok(l.admit(third.req, third.res, 'publish', ANONYMOUS, 1000));
  // A body over the route's limit is refused with 413 unread: nothing is reserved for it.
  advance(1000);
  const oversized = exchange('10.0.0.1', { 'content-length': '5000000' });
  assert.ok(l.admit(oversized.req, oversized.res, 'publish', ANONYMOUS, 1000));
  // Unknown size (chunked, gzip): the route's whole limit is reserved.
  advance(10_000);
  const gz = exchange('10.0.0.1', { 'content-encoding': 'gzip', 'content-length': '10' });
  assert.ok(l.admit(gz.req, gz.res, 'publish', ANONYMOUS, 1000));
  advance(1000);
  const next = exchange('10.0.0.1', { 'content-length': '500' });
  assert.equal(l.admit(next.req, next.res, 'publish', ANONYMOUS, 1000), false);
  assert.deepEqual([...l.counters.rejected.keys()].sort(), ['publish anonymous bytes']);
});

test('the table is bounded (least recently used first) and empties once buckets refill', () => {
  const { l, advance } = limiter(config({ maxKeys: 3 }));
  for (let i = 1; i <= 5; i++) {
    const x = exchange(`127.0.0.${i}`);
    assert.ok(l.admit(x.req, x.res, 'publish', ANONYMOUS, 0));
  }
  assert.equal(l.size, 3);
  assert.equal(l.counters.evictions, 2);
  // Each took one of two tokens: refilled after 1 s, then one sweep drops them all.
  advance(500);
  l.sweep();
  assert.equal(l.size, 3);
  advance(1000);
  l.sweep();
  assert.equal(l.size, 0);
  l.stop();
});

test('rate 0 disables a limit', () => {
  const { l } = limiter(config({ anonymousRequests: { perSecond: 0, burst: 1 }, anonymousBytes: { perSecond: 0, burst: 1 } }));
  for (let i = 0; i < 50; i++) {
    const x = exchange('127.0.0.1', { 'content-length': '100000' });
    assert.ok(l.admit(x.req, x.res, 'publish', ANONYMOUS, 1_000_000));
  }
  assert.equal(l.size, 0);
});

test('client address keys: IPv4-mapped addresses as IPv4, IPv6 by /64', () => {
  assert.equal(clientAddressKey('127.0.0.7'), '127.0.0.7');
  assert.equal(clientAddressKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientAddressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(clientAddressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(clientAddressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientAddressKey('::1'), '0:0:0:0::/64');
  assert.equal(clientAddressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientAddressKey('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(clientAddressKey('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  assert.equal(clientAddressKey(undefined), 'unknown');
});
