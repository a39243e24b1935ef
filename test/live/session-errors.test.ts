// ClientSession error replies and error closes, exact on the wire (centrifuge-protocol.md §6, §7;
// codes in src/protocol/codes.ts): channel resolution (400/404/103/107), 105, 106, 108, 104, send
// without a handler (3508), the handler's statuses (403/404/400), a crashing handler (100 temporary)
// and an engine outage (100 temporary with the cause). No socket: session-testbed.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineUnavailableError } from '../../src/engine/engine.js';
import type { ChannelHandler } from '../../src/live/handlers.js';
import { settle, testbed } from './session-testbed.js';

const ROOM = '1/grafana/broadcast/room';
const INTERNAL = '{"code":100,"message":"internal server error","temporary":true}';
const UNAVAILABLE = '{"code":100,"message":"engine unavailable: redis connection lost","temporary":true}';

function error(id: number, body: string): string {
  return `{"id":${id},"error":${body}}`;
}

test('channel resolution: unknown scope or feature 404, bad grammar or tenant 400, another org 103, over 255 bytes 107', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send(
    { id: 2, subscribe: { channel: '1/nope/x/y' } },
    { id: 3, subscribe: { channel: '1/grafana/nope/y' } },
    { id: 4, subscribe: { channel: '1/grafana/broadcast' } },
    { id: 5, subscribe: { channel: 'tenant!/grafana/broadcast/x' } },
    { id: 6, subscribe: { channel: '2/grafana/broadcast/x' } },
    { id: 7, subscribe: { channel: 'org-2/grafana/broadcast/x' } },
    { id: 8, subscribe: { channel: `1/grafana/broadcast/${'x'.repeat(255)}` } },
    { id: 9, subscribe: { channel: `1/grafana/broadcast/${'x'.repeat(150)}` } },
    { id: 10, publish: { channel: '2/grafana/broadcast/x', data: {} } },
  );
  assert.deepEqual(s.take(), [
    error(2, '{"code":404,"message":"Not Found"}'),
    error(3, '{"code":404,"message":"Not Found"}'),
    error(4, '{"code":400,"message":"invalid channel ID"}'),
    error(5, '{"code":400,"message":"invalid channel ID"}'),
    error(6, '{"code":103,"message":"permission denied"}'),
    error(7, '{"code":103,"message":"permission denied"}'),
    error(8, '{"code":107,"message":"bad request"}'),
    // 150 + "grafana/broadcast/" is over Grafana's 160 bytes for the unprefixed channel.
    error(9, '{"code":400,"message":"invalid channel ID"}'),
    error(10, '{"code":103,"message":"permission denied"}'),
  ]);
  assert.equal(s.transport.closed, undefined, 'errors, not closes');
  // An empty channel is a malformed command: close.
  await s.send({ id: 11, subscribe: { channel: '' } });
  assert.deepEqual(s.transport.closed, { code: 3501, reason: 'bad request' });
});

test('subscribing twice answers 105 and keeps the first subscription', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM } }, { id: 3, subscribe: { channel: ROOM } });
  assert.deepEqual(s.take(), ['{"id":2,"subscribe":{}}', error(3, '{"code":105,"message":"already subscribed"}')]);
  await bed.publish(ROOM, '{"still":"here"}');
  assert.deepEqual(s.take(), [`{"push":{"channel":"${ROOM}","pub":{"data":{"still":"here"}}}}`]);
});

test('a duplicate subscribe queued behind a slow first one answers 105 without running its handler', async (t) => {
  const bed = await testbed(t);
  const slow = bed.slow('slow');
  // The queue runs them one after the other: the second sees the first's subscription.
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: '1/test/slow/a' } }, { id: 3, subscribe: { channel: '1/test/slow/a' } });
  assert.deepEqual(s.take(), []);
  slow.open();
  await settle();
  assert.deepEqual(s.take(), ['{"id":2,"subscribe":{}}', error(3, '{"code":105,"message":"already subscribed"}')]);
  assert.equal(slow.calls, 1, 'the duplicate is refused before its handler runs');
});

test('the 129th subscription of a connection answers 106 "limit exceeded"', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send(...Array.from({ length: 129 }, (_, i) => ({ id: i + 2, subscribe: { channel: `1/grafana/broadcast/c${i}` } })));
  const lines = s.take();
  assert.equal(lines.length, 129);
  assert.deepEqual(lines.slice(0, 128), Array.from({ length: 128 }, (_, i) => `{"id":${i + 2},"subscribe":{}}`));
  assert.equal(lines[128], error(130, '{"code":106,"message":"limit exceeded"}'));
  assert.equal(s.session.subscriptions.size, 128);
});

test('108 "not available": presence where the handler did not enable it, history without history, ping, sub_refresh', async (t) => {
  const bed = await testbed(t);
  bed.handle('plain', { onSubscribe: async () => ({ status: 'ok' }), onPublish: async () => ({ status: 'ok' }) });
  const s = await bed.connected();
  await s.send(
    { id: 2, subscribe: { channel: '1/test/plain/a' } },
    { id: 3, presence: { channel: '1/test/plain/a' } },
    { id: 4, presence_stats: { channel: '1/test/plain/b' } },
    { id: 5, history: { channel: '1/test/plain/a', limit: 10 } },
    { id: 6, ping: {} },
    { id: 7, sub_refresh: { channel: '1/test/plain/a', token: 'x' } },
  );
  const notAvailable = '{"code":108,"message":"not available"}';
  assert.deepEqual(s.take(), ['{"id":2,"subscribe":{}}', error(3, notAvailable), error(4, notAvailable), error(5, notAvailable), error(6, notAvailable), error(7, notAvailable)]);
});

test('rpc: a registered method answers its data, an unknown one 104, a throwing one 100', async (t) => {
  const bed = await testbed(t);
  bed.rpc('grafana.query', async (who, data) => JSON.stringify({ user: who.userId, echo: data }));
  bed.rpc('broken', async () => {
    throw new Error('rpc bug');
  });
  const s = await bed.connected();
  await s.send(
    { id: 2, rpc: { method: 'grafana.query', data: { q: 1 } } },
    { id: 3, rpc: { method: 'nope', data: {} } },
    { id: 4, rpc: { method: 'broken', data: {} } },
  );
  assert.deepEqual(s.take(), ['{"id":2,"rpc":{"data":{"user":"7","echo":{"q":1}}}}', error(3, '{"code":104,"message":"method not found"}'), error(4, INTERNAL)]);
  assert.equal(s.transport.closed, undefined);
});

test('send: without a message handler the session closes 3508 "not available"; with one the data reaches it', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send({ send: { data: { hello: 1 } } });
  assert.deepEqual(s.transport.closed, { code: 3508, reason: 'not available' });

  const received: unknown[] = [];
  bed.onMessage((who, clientId, data) => received.push({ user: who.userId, clientId, data }));
  const other = await bed.connected();
  await other.send({ send: { data: { hello: 2 } } });
  assert.deepEqual(received, [{ user: '7', clientId: other.session.clientId, data: { hello: 2 } }]);
  assert.deepEqual(other.take(), [], 'send has no reply');
  assert.equal(other.transport.closed, undefined);
});

test('the handler decides: permission_denied 403, not_found 404, a rejected payload 400; a throw is 100 temporary and logged', async (t) => {
  const bed = await testbed(t);
  const handler = (status: 'permission_denied' | 'not_found'): ChannelHandler => ({
    onSubscribe: async () => ({ status }),
    onPublish: async () => ({ status }),
  });
  bed.handle('denied', handler('permission_denied'));
  bed.handle('missing', handler('not_found'));
  bed.handle('picky', { onSubscribe: async () => ({ status: 'ok' }), onPublish: async () => ({ status: 'ok', badRequest: 'expected a number' }) });
  bed.handle('crash', {
    onSubscribe: async () => {
      throw new Error('handler bug');
    },
    onPublish: async () => {
      throw new Error('handler bug');
    },
  });
  const s = await bed.connected();
  await s.send(
    { id: 2, subscribe: { channel: '1/test/denied/a' } },
    { id: 3, publish: { channel: '1/test/denied/a', data: {} } },
    { id: 4, subscribe: { channel: '1/test/missing/a' } },
    { id: 5, publish: { channel: '1/test/missing/a', data: {} } },
    { id: 6, publish: { channel: '1/test/picky/a', data: 'text' } },
    { id: 7, subscribe: { channel: '1/test/crash/a' } },
    { id: 8, publish: { channel: '1/test/crash/a', data: {} } },
    { id: 9, presence: { channel: '1/test/crash/a' } },
  );
  const forbidden = '{"code":403,"message":"Forbidden"}';
  const notFound = '{"code":404,"message":"Not Found"}';
  assert.deepEqual(s.take(), [
    error(2, forbidden),
    error(3, forbidden),
    error(4, notFound),
    error(5, notFound),
    error(6, '{"code":400,"message":"Bad Request"}'),
    error(7, INTERNAL),
    error(8, INTERNAL),
    error(9, INTERNAL),
  ]);
  assert.equal(s.transport.closed, undefined);
  assert.equal(s.session.subscriptions.size, 0);
  assert.deepEqual(bed.logs.filter((l) => l['level'] === 'error').map((l) => l['msg']), ['subscribe handler failed', 'publish handler failed']);
});

test('published data deeper than max_json_depth answers 107 and is not published', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected({ limits: { maxJsonDepth: 3 } });
  await s.send({ id: 2, subscribe: { channel: ROOM } }, { id: 3, publish: { channel: ROOM, data: { a: { b: { c: {} } } } } }, { id: 4, publish: { channel: ROOM, data: { a: { b: 1 } } } });
  const id = s.session.clientId;
  assert.deepEqual(s.take(), [
    '{"id":2,"subscribe":{}}',
    error(3, '{"code":107,"message":"bad request"}'),
    `{"push":{"channel":"${ROOM}","pub":{"data":{"a":{"b":1}},"info":{"user":"7","client":"${id}"},"offset":1}}}`,
    '{"id":4,"publish":{}}',
  ]);
});

test('engine outage: subscribe, publish, presence and history answer 100 temporary with the cause; the session stays', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM } });
  s.take();
  bed.engine.down = true;
  await s.send(
    // broadcast reads its last message from the engine's store: the handler's EngineUnavailableError.
    { id: 3, subscribe: { channel: '1/grafana/broadcast/other' } },
    { id: 4, publish: { channel: ROOM, data: {} } },
    { id: 5, presence: { channel: ROOM } },
    { id: 6, presence_stats: { channel: ROOM } },
    { id: 7, history: { channel: ROOM, limit: 1 } },
  );
  assert.deepEqual(s.take(), [error(3, UNAVAILABLE), error(4, UNAVAILABLE), error(5, UNAVAILABLE), error(6, UNAVAILABLE), error(7, UNAVAILABLE)]);
  assert.equal(s.transport.closed, undefined);
  assert.equal(s.session.subscriptions.size, 1, 'the failed subscribe left nothing behind');
  assert.equal(bed.logs.filter((l) => l['level'] === 'error').length, 0, 'an outage is not a bug to log per command');

  bed.engine.down = false;
  await s.send({ id: 8, subscribe: { channel: '1/grafana/broadcast/other' } });
  assert.deepEqual(s.take(), ['{"id":8,"subscribe":{}}'], 'the client retries and succeeds');
});

test('a handler throwing EngineUnavailableError while subscribing answers 100 temporary with its message', async (t) => {
  const bed = await testbed(t);
  bed.handle('stored', {
    onSubscribe: async () => {
      throw new EngineUnavailableError('store unavailable');
    },
    onPublish: async () => ({ status: 'ok' }),
  });
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: '1/test/stored/a' } });
  assert.deepEqual(s.take(), [error(2, '{"code":100,"message":"store unavailable","temporary":true}')]);
});
