// ClientSession recovery decisions (centrifuge-protocol.md §8): the stream position of a positioned
// subscribe, recovered true/false from the client's offset and epoch, publications that land during
// the subscribe merged by offset, the offset checks of a positioned subscription (gap or epoch change
// → unsubscribe 2500), and the history command. Channel: grafana/broadcast (history on), history
// size 10. No socket: session-testbed.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testbed, type Testbed } from './session-testbed.js';

const ROOM = '1/grafana/broadcast/room';
const INSUFFICIENT_STATE = `{"push":{"channel":"${ROOM}","unsubscribe":{"code":2500,"reason":"insufficient state"}}}`;

/** Publishes {"n":1}…{"n":count} with history; returns the stream's epoch. */
async function publishMany(bed: Testbed, from: number, to: number): Promise<string> {
  for (let n = from; n <= to; n++) await bed.publish(ROOM, `{"n":${n}}`, true);
  return (await bed.engine.broker.history(ROOM, { limit: 0 }, { size: 10, ttlSeconds: 300 })).position.epoch;
}

/** Publishes {"n":from}…{"n":to} straight through the node, within the caller's turn (for engine hooks). */
async function publishNow(bed: Testbed, from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) await bed.node.publish(ROOM, `{"n":${n}}`, { history: true });
}

function pub(n: number): string {
  return `{"data":{"n":${n}},"offset":${n}}`;
}

function leavePush(clientId: string): string {
  return `{"push":{"channel":"${ROOM}","leave":{"info":{"user":"7","client":"${clientId}"}}}}`;
}

function pubPush(n: number): string {
  return `{"push":{"channel":"${ROOM}","pub":${pub(n)}}}`;
}

test('a positioned subscribe gets the stream position; an empty stream has an epoch and no offset', async (t) => {
  const bed = await testbed(t);
  const empty = await bed.connected();
  await empty.send({ id: 2, subscribe: { channel: ROOM, recoverable: true } });
  const [reply] = empty.take();
  assert.match(reply!, /^\{"id":2,"subscribe":\{"recoverable":true,"positioned":true,"epoch":"[A-Za-z]{8}"\}\}$/);
  const epoch = await publishMany(bed, 1, 3);
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, positioned: true } });
  assert.deepEqual(s.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":3}}`]);
  // Without recoverable/positioned the subscription is not positioned: an empty result.
  const plain = await bed.connected();
  await plain.send({ id: 2, subscribe: { channel: ROOM } });
  assert.deepEqual(plain.take(), ['{"id":2,"subscribe":{}}']);
});

test('recover from a retained offset and the same epoch: recovered, the missed publications in order', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 3);
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 1, epoch } });
  assert.deepEqual(s.take(), [
    `{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":1,"was_recovering":true,"recovered":true,"publications":[${pub(2)},${pub(3)}]}}`,
  ]);
  // Live publications continue from there.
  await publishMany(bed, 4, 4);
  assert.deepEqual(s.take(), [pubPush(4)]);
});

test('recover from the top: recovered with no publications; from beyond the top: not recovered', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 3);
  const s = await bed.connected();
  await s.send(
    { id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 3, epoch } },
    { id: 3, subscribe: { channel: '1/grafana/broadcast/other', recoverable: true } },
  );
  const [top, other] = s.take();
  assert.equal(top, `{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":3,"was_recovering":true,"recovered":true}}`);
  // A position the stream never reached (a client that kept state from elsewhere) is not recovered.
  const otherEpoch = /"epoch":"([A-Za-z]{8})"/.exec(other!)![1]!;
  const ahead = await bed.connected();
  await ahead.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/other', recoverable: true, recover: true, offset: 5, epoch: otherEpoch } });
  assert.deepEqual(ahead.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${otherEpoch}","was_recovering":true}}`]);
});

test('another epoch is not recovered: the reply carries the top and no publications', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 3);
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 1, epoch: 'OldEpoch', flag: 1 } });
  assert.deepEqual(s.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":3,"was_recovering":true}}`]);
});

test('flag & 2 (reject unrecovered): a failed recovery is error 112 and leaves no subscription; a successful one is unchanged', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 15); // history size 10: offsets 6–15 retained
  const s = await bed.connected();
  await s.send(
    // another epoch
    { id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 1, epoch: 'OldEpoch', flag: 3 } },
    // an offset no longer in history
    { id: 3, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 2, epoch, flag: 2 } },
  );
  assert.deepEqual(s.take(), ['{"id":2,"error":{"code":112,"message":"unrecoverable position"}}', '{"id":3,"error":{"code":112,"message":"unrecoverable position"}}']);
  // Nothing was left behind: the same channel subscribes again (no 105), and recovery that works is answered as before.
  await s.send({ id: 4, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 14, epoch, flag: 3 } });
  assert.deepEqual(s.take(), [`{"id":4,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":14,"was_recovering":true,"recovered":true,"publications":[${pub(15)}]}}`]);
  // Without `recover` there is nothing to reject: the first subscribe of a getState client.
  const first = await bed.connected();
  await first.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, flag: 3 } });
  assert.deepEqual(first.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":15}}`]);
});

test('map and shared-poll subscription types are refused with 108, not served as a stream', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send(
    { id: 2, subscribe: { channel: ROOM, type: 1, phase: 0 } },
    { id: 3, subscribe: { channel: ROOM, type: 4 } },
    { id: 4, subscribe: { channel: ROOM, type: 0 } },
  );
  const [map, poll, stream] = s.take();
  assert.equal(map, '{"id":2,"error":{"code":108,"message":"not available"}}');
  assert.equal(poll, '{"id":3,"error":{"code":108,"message":"not available"}}');
  assert.match(stream!, /^\{"id":4,"subscribe":\{/);
});

test('an offset no longer in the bounded history is not recovered: the top, no publications', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 15); // history size 10: offsets 6–15 retained
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 2, epoch } });
  assert.deepEqual(s.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":15,"was_recovering":true}}`]);
  const edge = await bed.connected();
  await edge.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 5, epoch } });
  const recovered = [6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map(pub).join(',');
  assert.deepEqual(edge.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":5,"was_recovering":true,"recovered":true,"publications":[${recovered}]}}`]);
});

test('publications landing between the history read and the reply are merged in order, once', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 3);
  // Right after the session's history read, two more publications arrive: the subscription buffers them.
  bed.engine.afterNext('history', () => publishNow(bed, 4, 5));
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 1, epoch } });
  assert.deepEqual(s.take(), [
    `{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":1,"was_recovering":true,"recovered":true,"publications":[${[2, 3, 4, 5].map(pub).join(',')}]}}`,
  ], 'the buffered 4 and 5 follow the recovered 2 and 3 and are not pushed again');
  await publishMany(bed, 6, 6);
  assert.deepEqual(s.take(), [pubPush(6)]);
});

test('not recovered: publications buffered during the subscribe above the top follow the reply as pushes', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 3);
  // The failed read (another epoch) is followed by a read of the top; publication 4 lands right after it.
  bed.engine.afterNext('history', () => publishNow(bed, 4, 4));
  const s = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 1, epoch: 'OldEpoch' } });
  assert.deepEqual(s.take(), [`{"id":2,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":3,"was_recovering":true}}`, pubPush(4)]);
});

test('a positioned subscription: an offset gap or another epoch unsubscribes 2500, duplicates are dropped', async (t) => {
  const bed = await testbed(t);
  const epoch = await publishMany(bed, 1, 3);
  const s = await bed.connected();
  const plain = await bed.connected();
  await s.send({ id: 2, subscribe: { channel: ROOM, recoverable: true } });
  await plain.send({ id: 2, subscribe: { channel: ROOM } });
  s.take();
  plain.take();

  // From the engine (another node): 3 again (a duplicate), 4, then 6 (5 was lost between nodes).
  bed.fromEngine(ROOM, { data: '{"n":3}', offset: 3, epoch });
  bed.fromEngine(ROOM, { data: '{"n":4}', offset: 4, epoch });
  bed.fromEngine(ROOM, { data: '{"n":6}', offset: 6, epoch });
  assert.deepEqual(s.take(), [pubPush(4), INSUFFICIENT_STATE]);
  assert.equal(s.session.subscriptions.size, 0, 'the subscription is gone; the client resubscribes and recovers');
  // A subscription that is not positioned gets what arrives, and the leave of the dropped one.
  assert.deepEqual(plain.take(), [pubPush(3), pubPush(4), leavePush(s.session.clientId), pubPush(6)]);

  // The client comes back (no 105) and recovers what it missed.
  await publishMany(bed, 4, 6); // the stream's own 4–6
  await s.send({ id: 3, subscribe: { channel: ROOM, recoverable: true, recover: true, offset: 4, epoch } });
  assert.deepEqual(s.take(), [`{"id":3,"subscribe":{"recoverable":true,"positioned":true,"epoch":"${epoch}","offset":4,"was_recovering":true,"recovered":true,"publications":[${pub(5)},${pub(6)}]}}`]);

  // Another epoch (the stream was lost and restarted): 2500 as well.
  bed.fromEngine(ROOM, { data: '{"n":7}', offset: 7, epoch: 'NewEpoch' });
  assert.deepEqual(s.take(), [INSUFFICIENT_STATE]);
});

test('the engine feed restored after an outage: every subscriber of the channel gets 2500', async (t) => {
  const bed = await testbed(t);
  const positioned = await bed.connected();
  const plain = await bed.connected();
  await positioned.send({ id: 2, subscribe: { channel: ROOM, recoverable: true } });
  await plain.send({ id: 2, subscribe: { channel: ROOM } });
  positioned.take();
  plain.take();
  bed.node.onResubscribed([ROOM]);
  assert.deepEqual(positioned.take(), [INSUFFICIENT_STATE]);
  // Dropped in subscription order: the second still hears the first one leave.
  assert.deepEqual(plain.take(), [leavePush(positioned.session.clientId), INSUFFICIENT_STATE]);
  assert.equal(bed.node.counters.resynchronisedSubscriptions, 2);
});

test('history: a page with the position, null when empty, 112 for another epoch, 107 for reverse from offset 0', async (t) => {
  const bed = await testbed(t);
  const s = await bed.connected();
  await s.send({ id: 2, history: { channel: ROOM, limit: 5 } });
  const [empty] = s.take();
  assert.match(empty!, /^\{"id":2,"history":\{"publications":null,"epoch":"[A-Za-z]{8}","offset":0\}\}$/);
  const epoch = await publishMany(bed, 1, 4);
  await s.send(
    { id: 3, history: { channel: ROOM, limit: 2 } },
    { id: 4, history: { channel: ROOM, limit: 2, since: { offset: 1, epoch } } },
    { id: 5, history: { channel: ROOM, limit: 2, reverse: true } },
    { id: 6, history: { channel: ROOM, limit: 0 } },
    { id: 7, history: { channel: ROOM, limit: 2, since: { offset: 1, epoch: 'OldEpoch' } } },
    { id: 8, history: { channel: ROOM, limit: 2, reverse: true, since: { offset: 0, epoch } } },
  );
  assert.deepEqual(s.take(), [
    `{"id":3,"history":{"publications":[${pub(1)},${pub(2)}],"epoch":"${epoch}","offset":4}}`,
    `{"id":4,"history":{"publications":[${pub(2)},${pub(3)}],"epoch":"${epoch}","offset":4}}`,
    `{"id":5,"history":{"publications":[${pub(4)},${pub(3)}],"epoch":"${epoch}","offset":4}}`,
    `{"id":6,"history":{"publications":null,"epoch":"${epoch}","offset":4}}`,
    '{"id":7,"error":{"code":112,"message":"unrecoverable position"}}',
    '{"id":8,"error":{"code":107,"message":"bad request"}}',
  ]);
});
