// The unmodified centrifuge npm client against a real livehub: connect, subscribe, publish, receive,
// presence, history, rpc, initial data, recovery after a reconnect, tenants in both forms.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { collect, connected, newClient, RecordingWebSocket, subscribed } from '../helpers/centrifuge.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

describe('centrifuge-js against livehub', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub({ GF_LIVE_HISTORY_SIZE: '5' });
  });
  after(() => server.stop());

  test('connects, subscribes, publishes and receives its own publication with client info', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/basic');
    const received = collect(sub);
    await subscribed(sub);
    await sub.publish({ hello: 'world' });
    await waitUntil(() => received.length === 1, 'publication', 5000, 10);
    assert.deepEqual(received[0]!.data, { hello: 'world' });
    assert.equal(received[0]!.info?.user, '0');
    assert.equal(typeof received[0]!.info?.client, 'string');
    client.disconnect();
  });

  test('a publication reaches every subscriber of the channel, and only them', async () => {
    const a = newClient(server.wsUrl);
    const b = newClient(server.wsUrl);
    await Promise.all([connected(a), connected(b)]);
    const subA = a.newSubscription('1/grafana/broadcast/fan');
    const subB = b.newSubscription('1/grafana/broadcast/fan');
    const other = b.newSubscription('1/grafana/broadcast/other');
    const gotA = collect(subA);
    const gotB = collect(subB);
    const gotOther = collect(other);
    await Promise.all([subscribed(subA), subscribed(subB), subscribed(other)]);
    const res = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/fan', data: { n: 1 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    await waitUntil(() => gotA.length === 1 && gotB.length === 1, 'fan-out', 5000, 10);
    assert.deepEqual(gotA[0]!.data, { n: 1 });
    assert.deepEqual(gotB[0]!.data, { n: 1 });
    assert.equal(gotOther.length, 0);
    a.disconnect();
    b.disconnect();
  });

  test('new subscribers get the last broadcast message as initial data', async () => {
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/last', data: { v: 1 } });
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/last', data: { v: 2 } });
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/last');
    const info = await subscribed(sub);
    assert.deepEqual(info.data, { v: 2 });
    client.disconnect();
  });

  test('presence and presence_stats list the clients on a broadcast channel', async () => {
    const a = newClient(server.wsUrl);
    const b = newClient(server.wsUrl);
    await Promise.all([connected(a), connected(b)]);
    const subA = a.newSubscription('1/grafana/broadcast/presence');
    const subB = b.newSubscription('1/grafana/broadcast/presence');
    await Promise.all([subscribed(subA), subscribed(subB)]);
    const presence = await subA.presence();
    assert.equal(Object.keys(presence.clients).length, 2);
    for (const info of Object.values(presence.clients)) assert.equal(info.user, '0');
    const stats = await subB.presenceStats();
    assert.deepEqual(stats, { numClients: 2, numUsers: 1 });
    // Presence through the client (not the subscription) is also allowed to an authorised caller.
    const viaClient = await b.presenceStats('1/grafana/broadcast/presence');
    assert.equal(viaClient.numClients, 2);
    subB.unsubscribe();
    await waitUntil(() => true, 'condition', 5000, 10);
    const later = await a.presenceStats('1/grafana/broadcast/presence');
    assert.equal(later.numClients, 1);
    a.disconnect();
    b.disconnect();
  });

  test('join and leave pushes reach the other subscribers', async () => {
    const a = newClient(server.wsUrl);
    const b = newClient(server.wsUrl);
    await Promise.all([connected(a), connected(b)]);
    const subA = a.newSubscription('1/grafana/broadcast/joins', { joinLeave: true });
    const joins: string[] = [];
    const leaves: string[] = [];
    subA.on('join', (ctx) => joins.push(ctx.info.client));
    subA.on('leave', (ctx) => leaves.push(ctx.info.client));
    await subscribed(subA);
    const subB = b.newSubscription('1/grafana/broadcast/joins');
    await subscribed(subB);
    await waitUntil(() => joins.length === 1, 'join', 5000, 10);
    subB.unsubscribe();
    await waitUntil(() => leaves.length === 1, 'leave', 5000, 10);
    assert.equal(joins[0], leaves[0]);
    a.disconnect();
    b.disconnect();
  });

  test('history returns the latest publications with offsets and epoch', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    for (let i = 1; i <= 7; i++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/hist', data: { i } });
    const sub = client.newSubscription('1/grafana/broadcast/hist');
    await subscribed(sub);
    const page = await sub.history({ limit: -1 });
    // history_size = 5: the two oldest are gone, the offsets keep counting.
    assert.deepEqual(page.publications.map((p) => p.data), [{ i: 3 }, { i: 4 }, { i: 5 }, { i: 6 }, { i: 7 }]);
    assert.deepEqual(page.publications.map((p) => p.offset), [3, 4, 5, 6, 7]);
    assert.equal(page.offset, 7);
    assert.equal(typeof page.epoch, 'string');
    assert.equal(page.epoch.length, 8);
    const reversed = await sub.history({ limit: 2, reverse: true });
    assert.deepEqual(reversed.publications.map((p) => p.offset), [7, 6]);
    const since = await sub.history({ limit: 10, since: { offset: 5, epoch: page.epoch } });
    assert.deepEqual(since.publications.map((p) => p.offset), [6, 7]);
    await assert.rejects(sub.history({ limit: 10, since: { offset: 5, epoch: 'wrongepo' } }), (err: { code: number }) => err.code === 112);
    client.disconnect();
  });

  test('rpc with an unknown method answers 104', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    await assert.rejects(client.rpc('no.such.method', {}), (err: { code: number; message: string }) => {
      assert.equal(err.code, 104);
      assert.equal(err.message, 'method not found');
      return true;
    });
    client.disconnect();
  });

  test('recovers publications missed while disconnected', async () => {
    const client = newClient(server.wsUrl, { websocket: RecordingWebSocket, minReconnectDelay: 800, maxReconnectDelay: 1000 });
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/recover', { recoverable: true });
    const received: PublicationContext[] = collect(sub);
    const subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
    sub.on('subscribed', (ctx) => subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
    await subscribed(sub);
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/recover', data: { n: 1 } });
    await waitUntil(() => received.length === 1, 'first publication', 5000, 10);
    const socket = RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!;
    socket.terminate();
    await waitUntil(() => client.state !== 'connected', 'client to notice the drop', 5000, 10);
    for (let n = 2; n <= 4; n++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/recover', data: { n } });
    await waitUntil(() => subscribedEvents.length === 2, 'resubscribe', 10000, 10);
    await waitUntil(() => received.length === 4, 'recovered publications', 5000, 10);
    assert.deepEqual(subscribedEvents[1], { wasRecovering: true, recovered: true });
    assert.deepEqual(received.map((p) => p.data), [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    assert.deepEqual(received.map((p) => p.offset), [1, 2, 3, 4]);
    client.disconnect();
  });

  test('reports recovered: false when more was missed than history keeps', async () => {
    const client = newClient(server.wsUrl, { websocket: RecordingWebSocket, minReconnectDelay: 800, maxReconnectDelay: 1000 });
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/lost', { recoverable: true });
    const received = collect(sub);
    const subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
    sub.on('subscribed', (ctx) => subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
    await subscribed(sub);
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/lost', data: { n: 0 } });
    await waitUntil(() => received.length === 1, 'first publication', 5000, 10);
    RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!.terminate();
    await waitUntil(() => client.state !== 'connected', 'client to notice the drop', 5000, 10);
    // history_size = 5, so 8 missed publications cannot all be recovered.
    for (let n = 1; n <= 8; n++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/lost', data: { n } });
    await waitUntil(() => subscribedEvents.length === 2, 'resubscribe', 10000, 10);
    assert.deepEqual(subscribedEvents[1], { wasRecovering: true, recovered: false });
    assert.equal(received.length, 1, 'nothing is replayed when recovery is impossible');
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/lost', data: { n: 9 } });
    await waitUntil(() => received.length === 2, 'live publication after failed recovery', 5000, 10);
    assert.equal(received[1]!.offset, 10);
    client.disconnect();
  });

  test('after an engine feed interruption subscribers are told (2500) and resubscribe with recovery', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/resync', { recoverable: true });
    const events: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
    sub.on('subscribed', (ctx) => events.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
    const received = collect(sub);
    await subscribed(sub);
    await sub.publish({ n: 1 });
    await waitUntil(() => received.length === 1, 'first publication', 5000, 10);
    server.hub.node.onResubscribed(['1/grafana/broadcast/resync']);
    await waitUntil(() => events.length === 2, 'resubscribe after 2500', 5000, 10);
    assert.deepEqual(events[1], { wasRecovering: true, recovered: true });
    await sub.publish({ n: 2 });
    await waitUntil(() => received.length === 2, 'publication after resubscribe', 5000, 10);
    assert.deepEqual(received.map((p) => p.offset), [1, 2]);
    client.disconnect();
  });

  test('after 2500 the engine keeps the channel subscribed while subscribers come back (no UNSUBSCRIBE churn)', async () => {
    const node = server.hub.node;
    const unsubscribed: string[] = [];
    const broker = server.hub.engine.broker;
    const original = broker.unsubscribe.bind(broker);
    broker.unsubscribe = async (channels: readonly string[]) => {
      unsubscribed.push(...channels);
      await original(channels);
    };
    try {
      const raw = await RawClient.open(server.wsUrl);
      await raw.connect();
      raw.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/grace' } });
      await raw.reply(2);
      node.onResubscribed(['1/grafana/broadcast/grace']);
      const push = await raw.next((f) => (f['push'] as { unsubscribe?: { code: number } } | undefined)?.unsubscribe?.code === 2500);
      assert.equal((push['push'] as { channel: string }).channel, '1/grafana/broadcast/grace');
      // A slow client: back well after the ordinary 100 ms unsubscribe delay.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(unsubscribed.filter((c) => c.endsWith('/grace')).length, 0, 'still subscribed in the engine during the grace');
      raw.send({ id: 3, subscribe: { channel: '1/grafana/broadcast/grace' } });
      await raw.reply(3);
      // Leaving normally afterwards unsubscribes after the ordinary delay again.
      raw.send({ id: 4, unsubscribe: { channel: '1/grafana/broadcast/grace' } });
      await raw.reply(4);
      await waitUntil(() => unsubscribed.includes('1/grafana/broadcast/grace'), 'ordinary unsubscribe', 3000, 10);
      raw.close();
    } finally {
      broker.unsubscribe = original;
    }
  });

  test('both tenant forms reach the same channel; each client gets its own channel string', async () => {
    const a = newClient(server.wsUrl);
    const b = newClient(server.wsUrl);
    await Promise.all([connected(a), connected(b)]);
    const numeric = a.newSubscription('1/grafana/broadcast/tenants');
    const named = b.newSubscription('default/grafana/broadcast/tenants');
    const gotA = collect(numeric);
    const gotB = collect(named);
    await Promise.all([subscribed(numeric), subscribed(named)]);
    await named.publish({ from: 'namespace form' });
    await waitUntil(() => gotA.length === 1 && gotB.length === 1, 'both forms', 5000, 10);
    assert.equal(gotA[0]!.channel, '1/grafana/broadcast/tenants');
    assert.equal(gotB[0]!.channel, 'default/grafana/broadcast/tenants');
    a.disconnect();
    b.disconnect();
  });

  test('another tenant, in either form, is denied with 103', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    for (const channel of ['2/grafana/broadcast/x', 'org-2/grafana/broadcast/x', 'stacks-5/grafana/broadcast/x']) {
      const sub = client.newSubscription(channel);
      await assert.rejects(subscribed(sub), (err: { code: number }) => err.code === 103, channel);
      client.removeSubscription(sub);
    }
    await assert.rejects(client.publish('org-2/grafana/broadcast/x', {}), (err: { code: number }) => err.code === 103);
    client.disconnect();
  });

  test('permanent channel errors are not temporary: invalid channel 400, unknown scope 404', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const bad = client.newSubscription('1/grafana/broadcast');
    await assert.rejects(subscribed(bad), (err: { code: number }) => err.code === 400);
    const badTenant = client.newSubscription('one/grafana/broadcast/x');
    await assert.rejects(subscribed(badTenant), (err: { code: number }) => err.code === 400);
    const unknown = client.newSubscription('1/nosuchscope/ns/path');
    await assert.rejects(subscribed(unknown), (err: { code: number }) => err.code === 404);
    const unknownFeature = client.newSubscription('1/grafana/nosuchfeature/path');
    await assert.rejects(subscribed(unknownFeature), (err: { code: number }) => err.code === 404);
    client.disconnect();
  });
});
