// ClientSession command ordering (centrifuge-protocol.md §2, §3.1): connect first, a frame's commands
// in order after it, replies echoing ids, a slow handler never letting a later command overtake it,
// and connect's own failures. No socket: a fake transport over a real node (session-testbed.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectToken, identity, settle, testbed, VERSION } from './session-testbed.js';

const ROOM = '1/grafana/broadcast/room';

function connectReply(clientId: string, extra = ''): string {
  return `{"id":1,"connect":{"client":"${clientId}","version":"${VERSION}"${extra},"ping":25,"pong":true}}`;
}

test('connect is answered with the client id, version, ping interval in seconds and pong', async (t) => {
  const bed = await testbed(t);
  const s = bed.session();
  assert.equal(await s.connect(), connectReply(s.session.clientId));
  assert.equal(s.transport.closed, undefined);
});

test('a command before connect closes 3501 "bad request" unanswered, and the session leaves the node', async (t) => {
  const bed = await testbed(t);
  const s = bed.session();
  assert.equal(bed.node.numClients, 1);
  await s.send({ id: 1, subscribe: { channel: ROOM } }, { id: 2, connect: {} });
  assert.deepEqual(s.transport.closed, { code: 3501, reason: 'bad request' });
  assert.deepEqual(s.transport.lines, []);
  assert.equal(bed.node.numClients, 0);
  // A pong before connect is a command before connect too.
  const p = bed.session();
  await p.sendText('{}');
  assert.deepEqual(p.transport.closed, { code: 3501, reason: 'bad request' });
});

test('commands sharing a frame with connect run after it, in order, each reply echoing its id', async (t) => {
  const bed = await testbed(t);
  const s = bed.session();
  await s.send(
    { id: 1, connect: {} },
    { id: 7, subscribe: { channel: ROOM } },
    { id: 3, publish: { channel: ROOM, data: { n: 1 } } },
    { id: 42, presence_stats: { channel: ROOM } },
    { id: 9, unsubscribe: { channel: ROOM } },
    { id: 5, presence_stats: { channel: ROOM } },
  );
  const id = s.session.clientId;
  assert.deepEqual(s.take(), [
    connectReply(id),
    '{"id":7,"subscribe":{}}',
    // The publication reaches the publisher's own subscription before its reply (the memory engine delivers synchronously).
    `{"push":{"channel":"${ROOM}","pub":{"data":{"n":1},"info":{"user":"7","client":"${id}"},"offset":1}}}`,
    '{"id":3,"publish":{}}',
    '{"id":42,"presence_stats":{"num_clients":1,"num_users":1}}',
    '{"id":9,"unsubscribe":{}}',
    '{"id":5,"presence_stats":{"num_clients":0,"num_users":0}}',
  ]);
});

test('a slow handler does not reorder: later commands wait for it, also those of later frames', async (t) => {
  const bed = await testbed(t);
  const slow = bed.slow('slow', { status: 'ok', data: '{"slow":true}' });
  bed.rpc('echo', async (_identity, data) => JSON.stringify(data));
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: '1/test/slow/a' } }, { id: 3, rpc: { method: 'echo', data: 'fast' } });
  await s.send({ id: 4, subscribe: { channel: ROOM } });
  assert.deepEqual(s.take(), [], 'nothing overtakes the slow subscribe');
  slow.open();
  await settle();
  assert.deepEqual(s.take(), ['{"id":2,"subscribe":{"data":{"slow":true}}}', '{"id":3,"rpc":{"data":"fast"}}', '{"id":4,"subscribe":{}}']);
});

test('a second connect closes 3501, and what followed it in the frame is never run', async (t) => {
  const bed = await testbed(t);
  const s = bed.session();
  await s.send({ id: 1, connect: {} }, { id: 2, connect: {} }, { id: 3, subscribe: { channel: ROOM } });
  assert.deepEqual(s.take(), [connectReply(s.session.clientId)]);
  assert.deepEqual(s.transport.closed, { code: 3501, reason: 'bad request' });
  assert.equal(s.transport.writesAfterClose, 0);
  assert.deepEqual(await bed.engine.presence.stats(ROOM), { numClients: 0, numUsers: 0 });
  assert.equal(bed.node.numClients, 0);
});

test('malformed frames close 3501: an empty frame, broken JSON, an object without a command', async (t) => {
  const bed = await testbed(t);
  for (const text of ['', '{"id":1,', '{"id":1}', '[1,2]']) {
    const s = await bed.connected();
    await s.sendText(text);
    assert.deepEqual(s.transport.closed, { code: 3501, reason: 'bad request' }, JSON.stringify(text));
    assert.deepEqual(s.take(), []);
  }
});

test('an id-less command that is not send is a pong; with no ping outstanding it closes 3501', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send({ presence: { channel: ROOM } });
  assert.deepEqual(s.transport.closed, { code: 3501, reason: 'bad request' });
});

test('unsubscribe always succeeds, also for a channel the session never subscribed', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send({ id: 2, unsubscribe: { channel: '1/grafana/broadcast/never' } }, { id: 3, unsubscribe: { channel: 'no-tenant' } });
  assert.deepEqual(s.take(), ['{"id":2,"unsubscribe":{}}', '{"id":3,"unsubscribe":{}}']);
});

test('connect with a token: the token\'s identity, expires/ttl ahead of its exp; the upgrade credential gets neither', async (t) => {
  const bed = await testbed(t);
  const s = bed.session({ identity: null });
  // exp in 100 s: refresh is asked 10 s (a tenth of the lifetime) before it, ttl 90.
  assert.equal(await s.connect(connectToken({ sub: '12', expiresInSeconds: 100 })), connectReply(s.session.clientId, ',"expires":true,"ttl":90'));
  assert.equal(s.session.identity.userId, '12');
  assert.equal(s.session.identity.authMethod, 'jwt');
  const upgrade = bed.session({ identity: identity({ expiresAt: Date.now() + 100_000 }) });
  assert.equal(await upgrade.connect(), connectReply(upgrade.session.clientId), 'expiry of an upgrade credential is handled server-side');
});

test('connect failures: an invalid token closes 3500, an expired one answers 109 and closes 3005, none answers 101 and closes 3500', async (t) => {
  const bed = await testbed(t);
  const invalid = bed.session({ identity: null });
  assert.equal(await invalid.connect('not-a-token'), '', 'no reply: the close says it');
  assert.deepEqual(invalid.transport.closed, { code: 3500, reason: 'invalid token' });

  const expired = bed.session({ identity: null });
  assert.equal(await expired.connect(connectToken({ expiresInSeconds: -5 })), '{"id":1,"error":{"code":109,"message":"token expired"}}');
  assert.deepEqual(expired.transport.closed, { code: 3005, reason: 'connection expired' });

  const none = bed.session({ identity: null });
  assert.equal(await none.connect(), '{"id":1,"error":{"code":101,"message":"unauthorized"}}');
  assert.deepEqual(none.transport.closed, { code: 3500, reason: 'invalid token' });

  // An upgrade credential that expired before connect arrived.
  const late = bed.session({ identity: identity({ expiresAt: Date.now() - 1 }) });
  assert.equal(await late.connect(), '{"id":1,"error":{"code":109,"message":"token expired"}}');
  assert.deepEqual(late.transport.closed, { code: 3005, reason: 'connection expired' });
  assert.equal(bed.node.numClients, 0);
});

test('a node at max_connections closes the next session 3504 before it can send anything', async (t) => {
  const bed = await testbed(t, { maxConnections: 1 });
  const first = bed.session();
  const second = bed.session();
  assert.equal(first.transport.closed, undefined);
  assert.deepEqual(second.transport.closed, { code: 3504, reason: 'connection limit' });
  assert.equal(bed.node.numClients, 1);
});
