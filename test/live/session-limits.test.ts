// ClientSession limits and deadlines, exact codes: the command rate and the queue of waiting commands
// (3013), the outbound queue (3008, the transport reports what it holds), the buffer of a subscribe in
// progress (3008), the connect deadline (3502), ping/pong (3012), the credential's expiry (3005, 110)
// and refresh. Time is the mock clock driving the node's keepalive wheel (session-testbed.ts): no
// socket, no waiting.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectToken, identity, settle, START_MS, testbed, VERSION } from './session-testbed.js';

const ROOM = '1/grafana/broadcast/room';

function subscribes(count: number, firstId = 2): object[] {
  return Array.from({ length: count }, (_, i) => ({ id: firstId + i, subscribe: { channel: `1/grafana/broadcast/c${i}` } }));
}

test('command rate: within the burst every command runs; one more closes 3013 "too many requests"', async (t) => {
  const bed = await testbed(t);
  // 0.01 commands a second: nothing refills while the test runs.
  const limits = { commandRate: { ratePerSecond: 0.01, burst: 5 } };
  const s = bed.session({ limits });
  await s.send({ id: 1, connect: {} }, ...subscribes(4));
  assert.equal(s.take().length, 5, 'connect and four subscribes, the whole burst');
  await s.send({ id: 9, presence: { channel: ROOM } });
  assert.deepEqual(s.transport.closed, { code: 3013, reason: 'too many requests' });
  assert.deepEqual(s.take(), [], 'the command over the rate is not run');
  assert.equal(bed.logs.filter((l) => l['msg'] === 'closing client: command rate exceeded').length, 1);

  // A single frame over the burst is refused whole, before decoding: not even its connect runs.
  const flood = bed.session({ limits });
  await flood.send({ id: 1, connect: {} }, ...subscribes(5));
  assert.deepEqual(flood.transport.closed, { code: 3013, reason: 'too many requests' });
  assert.deepEqual(flood.take(), []);
});

test('commands waiting behind a slow handler: up to the limit they queue, one more closes 3013', async (t) => {
  const bed = await testbed(t);
  const slow = bed.slow('slow');
  const s = await bed.connected({ limits: { maxQueuedCommands: 3 } });
  await s.send({ id: 2, subscribe: { channel: '1/test/slow/a' } });
  await s.send(...subscribes(3, 3)); // three waiting: the limit
  assert.equal(s.transport.closed, undefined);
  await s.send({ id: 9, presence: { channel: ROOM } });
  assert.deepEqual(s.transport.closed, { code: 3013, reason: 'too many requests' });
  assert.equal(bed.logs.filter((l) => l['msg'] === 'closing client: too many commands waiting').length, 1);
  slow.open();
  await settle();
  assert.deepEqual(s.take(), [], 'nothing queued runs after the close');
  assert.equal(s.transport.writesAfterClose, 0);
  assert.equal(bed.node.stats().numSubscriptions, 0, 'the slow subscribe finished after the close and left nothing');
});

test('outbound queue over client_queue_max_size closes that client 3008 "slow"; the others receive everything', async (t) => {
  const bed = await testbed(t, { clientQueueMaxSize: 1000 });
  const slow = await bed.connected();
  const healthy = await bed.connected();
  await slow.send({ id: 2, subscribe: { channel: ROOM } });
  await healthy.send({ id: 2, subscribe: { channel: ROOM } });
  slow.take();
  healthy.take();
  const events: unknown[] = [];
  bed.node.on('slowClient', (clientId, buffered) => events.push([clientId, buffered]));

  slow.transport.bufferedBytes = 1000; // at the limit: still fine
  await bed.publish(ROOM, '{"n":1}');
  assert.equal(slow.transport.closed, undefined);
  slow.transport.bufferedBytes = 1001;
  await bed.publish(ROOM, '{"n":2}');
  assert.deepEqual(slow.transport.closed, { code: 3008, reason: 'slow' });
  assert.deepEqual(events, [[slow.session.clientId, 1001]]);
  assert.equal(bed.node.counters.slowClientCloses, 1);
  await bed.publish(ROOM, '{"n":3}');
  assert.equal(slow.transport.writesAfterClose, 0);
  const pubs = (n: number) => `{"push":{"channel":"${ROOM}","pub":{"data":{"n":${n}}}}}`;
  const leave = `{"push":{"channel":"${ROOM}","leave":{"info":{"user":"7","client":"${slow.session.clientId}"}}}}`;
  // The slow client is closed while publication 2 fans out; its leave (delivered at once by the
  // memory engine) reaches the healthy client before publication 2 does.
  assert.deepEqual(healthy.take(), [pubs(1), leave, pubs(2), pubs(3)]);
  assert.deepEqual(await bed.engine.presence.stats(ROOM), { numClients: 1, numUsers: 1 });
});

test('more than 10,000 publications buffered during one subscribe close the session 3008', async (t) => {
  const bed = await testbed(t);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  // Initial data read after the subscription joined the hub: publications buffer meanwhile.
  bed.handle('late', {
    onSubscribe: async () => ({ status: 'ok' }),
    onPublish: async () => ({ status: 'ok' }),
    initialDataAfterSubscribe: async () => {
      await gate;
      return '{"initial":true}';
    },
  });
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: '1/test/late/a' } });
  for (let i = 0; i < 10_000; i++) bed.fromEngine('1/test/late/a', { data: '{}' });
  assert.equal(s.transport.closed, undefined, '10,000 may wait');
  bed.fromEngine('1/test/late/a', { data: '{}' });
  assert.deepEqual(s.transport.closed, { code: 3008, reason: 'slow' });
  release();
  await settle();
  assert.deepEqual(s.take(), []);
  assert.equal(bed.node.stats().numSubscriptions, 0);
});

test('no connect within connect_timeout (15 s) closes 3502 "stale"', async (t) => {
  const bed = await testbed(t);
  const s = bed.session();
  await bed.advance(14_750);
  assert.equal(s.transport.closed, undefined);
  await bed.advance(250);
  assert.deepEqual(s.transport.closed, { code: 3502, reason: 'stale' });
  assert.equal(bed.node.numClients, 0);
  // Connected in time: the deadline no longer applies.
  const ok = await bed.connected({ answersPings: true });
  await bed.advance(30_000);
  assert.equal(ok.transport.closed, undefined);
});

test('ping/pong: the first ping within the interval, no pong within pong_timeout closes 3012 "no pong"', async (t) => {
  const bed = await testbed(t);
  t.mock.method(Math, 'random', () => 0); // the first ping at half the interval: 12.5 s
  const s = await bed.connected();
  await bed.advance(12_250);
  assert.deepEqual(s.take(), []);
  await bed.advance(250);
  assert.deepEqual(s.take(), ['{}'], 'the ping is an empty object');
  await bed.advance(9_750);
  assert.equal(s.transport.closed, undefined);
  await bed.advance(250);
  assert.deepEqual(s.transport.closed, { code: 3012, reason: 'no pong' });
});

test('ping/pong: a client answering every ping stays; the next ping follows one interval after the last', async (t) => {
  const bed = await testbed(t);
  t.mock.method(Math, 'random', () => 0);
  const s = await bed.connected();
  await bed.advance(12_500);
  assert.deepEqual(s.take(), ['{}']);
  await s.sendText('{}');
  await bed.advance(24_750); // 37.25 s
  assert.deepEqual(s.take(), []);
  await bed.advance(250); // 37.5 s = 12.5 + 25
  assert.deepEqual(s.take(), ['{}']);
  const answering = await bed.connected({ answersPings: true });
  await bed.advance(120_000);
  assert.equal(answering.transport.closed, undefined);
  assert.equal(answering.take().filter((l) => l === '{}').length, 5, 'one ping every 25 s (the first within the first interval)');
});

test('a credential that expires closes the session 3005 at its expiry, on the keepalive wheel', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected({ identity: identity({ expiresAt: START_MS + 40_000 }), answersPings: true });
  await bed.advance(39_750);
  assert.equal(s.transport.closed, undefined);
  await bed.advance(250);
  assert.deepEqual(s.transport.closed, { code: 3005, reason: 'connection expired' });
  assert.equal(bed.node.numClients, 0);
});

test('a command arriving after the expiry, before the wheel turned, answers 110 "expired" and closes 3005', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected({ identity: identity({ expiresAt: START_MS + 5_000 }) });
  t.mock.timers.setTime(START_MS + 5_000); // the clock moved; no wheel tick yet
  await s.send({ id: 2, subscribe: { channel: ROOM } });
  assert.deepEqual(s.take(), ['{"id":2,"error":{"code":110,"message":"expired"}}']);
  assert.deepEqual(s.transport.closed, { code: 3005, reason: 'connection expired' });
});

test('refresh with a fresh token of the same user extends the session past the old expiry', async (t) => {
  const bed = await testbed(t);
  const s = bed.session({ identity: null, answersPings: true });
  const connected = await s.connect(connectToken({ expiresInSeconds: 100 }));
  assert.match(connected, /"expires":true,"ttl":90,/);
  await bed.advance(90_000); // the client refreshes after ttl
  s.take();
  await s.send({ id: 2, refresh: { token: connectToken({ expiresInSeconds: 100 }) } });
  assert.deepEqual(s.take(), [`{"id":2,"refresh":{"client":"${s.session.clientId}","version":"${VERSION}","expires":true,"ttl":90}}`]);
  await bed.advance(99_750); // past the first token's exp (100 s), just before the second's (190 s)
  assert.equal(s.transport.closed, undefined);
  await bed.advance(250);
  assert.deepEqual(s.transport.closed, { code: 3005, reason: 'connection expired' });
});

test('refresh failures: an expired token answers 109 and keeps the session; an invalid one or another user\'s closes 3500', async (t) => {
  const bed = await testbed(t);
  const s = bed.session({ identity: null });
  await s.connect(connectToken({ expiresInSeconds: 100 }));
  await s.send({ id: 2, refresh: { token: connectToken({ expiresInSeconds: -1 }) } });
  assert.deepEqual(s.take(), ['{"id":2,"error":{"code":109,"message":"token expired"}}']);
  assert.equal(s.transport.closed, undefined);
  await s.send({ id: 3, refresh: { token: connectToken({ sub: '8', expiresInSeconds: 100 }) } });
  assert.deepEqual(s.transport.closed, { code: 3500, reason: 'invalid token' }, 'a refresh never turns a session into someone else\'s');

  const other = bed.session({ identity: null });
  await other.connect(connectToken({ expiresInSeconds: 100 }));
  await other.send({ id: 2, refresh: { token: connectToken({ orgId: 2, expiresInSeconds: 100 }) } });
  assert.deepEqual(other.transport.closed, { code: 3500, reason: 'invalid token' }, 'nor into another org\'s');

  const garbage = bed.session({ identity: null });
  await garbage.connect(connectToken({ expiresInSeconds: 100 }));
  await garbage.send({ id: 2, refresh: { token: 'garbage' } });
  assert.deepEqual(garbage.transport.closed, { code: 3500, reason: 'invalid token' });
});
