// The protocol tests of the unmodified centrifuge-js client against a real livehub — connect,
// subscribe, publish, receive, presence, history, rpc, initial data, recovery after a reconnect,
// resubscribe after an engine feed interruption, tenants in both forms, error codes — for one client
// variant (transport and codec, test/helpers/fallback-client.ts). Every variant runs the same tests.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { collect, connected, subscribed } from '../helpers/centrifuge.js';
import type { ClientVariant } from '../helpers/fallback-client.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';
import { waitUntil } from '../../harness/wait.js';

export function centrifugeProtocolSuite(variant: ClientVariant): void {
  // Channels of one variant never meet another's (the suites may share a process).
  const tag = variant.name.replace(' ', '-');

  describe(`centrifuge-js (${variant.name}) against livehub`, () => {
    let server: TestHub;
    before(async () => {
      server = await startHub({ GF_LIVE_HISTORY_SIZE: '5' });
    });
    after(() => server.stop());

    test('connects, subscribes, publishes and receives its own publication with client info', async () => {
      const client = variant.client(server);
      await connected(client);
      const sub = client.newSubscription(`1/grafana/broadcast/basic-${tag}`);
      const received = collect(sub);
      await subscribed(sub);
      await sub.publish(variant.data({ hello: 'world' }));
      await waitUntil(() => received.length === 1, 'publication', 5000, 10);
      assert.deepEqual(variant.value(received[0]!.data), { hello: 'world' });
      assert.equal(received[0]!.info?.user, '0');
      assert.equal(typeof received[0]!.info?.client, 'string');
      client.disconnect();
    });

    test('a publication reaches every subscriber of the channel, and only them', async () => {
      const a = variant.client(server);
      const b = variant.client(server);
      await Promise.all([connected(a), connected(b)]);
      const subA = a.newSubscription(`1/grafana/broadcast/fan-${tag}`);
      const subB = b.newSubscription(`1/grafana/broadcast/fan-${tag}`);
      const other = b.newSubscription(`1/grafana/broadcast/other-${tag}`);
      const gotA = collect(subA);
      const gotB = collect(subB);
      const gotOther = collect(other);
      await Promise.all([subscribed(subA), subscribed(subB), subscribed(other)]);
      const res = await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/fan-${tag}`, data: { n: 1 } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {});
      await waitUntil(() => gotA.length === 1 && gotB.length === 1, 'fan-out', 5000, 10);
      assert.deepEqual(variant.value(gotA[0]!.data), { n: 1 });
      assert.deepEqual(variant.value(gotB[0]!.data), { n: 1 });
      assert.equal(gotOther.length, 0);
      a.disconnect();
      b.disconnect();
    });

    test('new subscribers get the last broadcast message as initial data', async () => {
      await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/last-${tag}`, data: { v: 1 } });
      await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/last-${tag}`, data: { v: 2 } });
      const client = variant.client(server);
      await connected(client);
      const sub = client.newSubscription(`1/grafana/broadcast/last-${tag}`);
      const info = await subscribed(sub);
      assert.deepEqual(variant.value(info.data), { v: 2 });
      client.disconnect();
    });

    test('presence and presence_stats list the clients on a broadcast channel', async () => {
      const a = variant.client(server);
      const b = variant.client(server);
      await Promise.all([connected(a), connected(b)]);
      const subA = a.newSubscription(`1/grafana/broadcast/presence-${tag}`);
      const subB = b.newSubscription(`1/grafana/broadcast/presence-${tag}`);
      await Promise.all([subscribed(subA), subscribed(subB)]);
      const presence = await subA.presence();
      assert.equal(Object.keys(presence.clients).length, 2);
      for (const info of Object.values(presence.clients)) assert.equal(info.user, '0');
      const stats = await subB.presenceStats();
      assert.deepEqual(stats, { numClients: 2, numUsers: 1 });
      // Presence through the client (not the subscription) is also allowed to an authorised caller.
      const viaClient = await b.presenceStats(`1/grafana/broadcast/presence-${tag}`);
      assert.equal(viaClient.numClients, 2);
      subB.unsubscribe();
      await waitUntil(() => true, 'condition', 5000, 10);
      const later = await a.presenceStats(`1/grafana/broadcast/presence-${tag}`);
      assert.equal(later.numClients, 1);
      a.disconnect();
      b.disconnect();
    });

    test('join and leave pushes reach the other subscribers', async () => {
      const a = variant.client(server);
      const b = variant.client(server);
      await Promise.all([connected(a), connected(b)]);
      const subA = a.newSubscription(`1/grafana/broadcast/joins-${tag}`, { joinLeave: true });
      const joins: string[] = [];
      const leaves: string[] = [];
      subA.on('join', (ctx) => joins.push(ctx.info.client));
      subA.on('leave', (ctx) => leaves.push(ctx.info.client));
      await subscribed(subA);
      const subB = b.newSubscription(`1/grafana/broadcast/joins-${tag}`);
      await subscribed(subB);
      await waitUntil(() => joins.length === 1, 'join', 5000, 10);
      subB.unsubscribe();
      await waitUntil(() => leaves.length === 1, 'leave', 5000, 10);
      assert.equal(joins[0], leaves[0]);
      a.disconnect();
      b.disconnect();
    });

    test('history returns the latest publications with offsets and epoch', async () => {
      const client = variant.client(server);
      await connected(client);
      for (let i = 1; i <= 7; i++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/hist-${tag}`, data: { i } });
      const sub = client.newSubscription(`1/grafana/broadcast/hist-${tag}`);
      await subscribed(sub);
      const page = await sub.history({ limit: -1 });
      // history_size = 5: the two oldest are gone, the offsets keep counting.
      assert.deepEqual(page.publications.map((p) => variant.value(p.data)), [{ i: 3 }, { i: 4 }, { i: 5 }, { i: 6 }, { i: 7 }]);
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
      const client = variant.client(server);
      await connected(client);
      await assert.rejects(client.rpc('no.such.method', variant.data({})), (err: { code: number; message: string }) => {
        assert.equal(err.code, 104);
        assert.equal(err.message, 'method not found');
        return true;
      });
      client.disconnect();
    });

    test('recovers publications missed while disconnected', async () => {
      const client = variant.client(server, { minReconnectDelay: 800, maxReconnectDelay: 1000 });
      await connected(client);
      const sub = client.newSubscription(`1/grafana/broadcast/recover-${tag}`, { recoverable: true });
      const received: PublicationContext[] = collect(sub);
      const subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
      sub.on('subscribed', (ctx) => subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
      await subscribed(sub);
      await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/recover-${tag}`, data: { n: 1 } });
      await waitUntil(() => received.length === 1, 'first publication', 5000, 10);
      variant.cut(client);
      await waitUntil(() => client.state !== 'connected', 'client to notice the drop', 5000, 10);
      for (let n = 2; n <= 4; n++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/recover-${tag}`, data: { n } });
      await waitUntil(() => subscribedEvents.length === 2, 'resubscribe', 10000, 10);
      await waitUntil(() => received.length === 4, 'recovered publications', 5000, 10);
      assert.deepEqual(subscribedEvents[1], { wasRecovering: true, recovered: true });
      assert.deepEqual(received.map((p) => variant.value(p.data)), [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
      assert.deepEqual(received.map((p) => p.offset), [1, 2, 3, 4]);
      client.disconnect();
    });

    test('reports recovered: false when more was missed than history keeps', async () => {
      const client = variant.client(server, { minReconnectDelay: 800, maxReconnectDelay: 1000 });
      await connected(client);
      const sub = client.newSubscription(`1/grafana/broadcast/lost-${tag}`, { recoverable: true });
      const received = collect(sub);
      const subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
      sub.on('subscribed', (ctx) => subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
      await subscribed(sub);
      await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/lost-${tag}`, data: { n: 0 } });
      await waitUntil(() => received.length === 1, 'first publication', 5000, 10);
      variant.cut(client);
      await waitUntil(() => client.state !== 'connected', 'client to notice the drop', 5000, 10);
      // history_size = 5, so 8 missed publications cannot all be recovered.
      for (let n = 1; n <= 8; n++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/lost-${tag}`, data: { n } });
      await waitUntil(() => subscribedEvents.length === 2, 'resubscribe', 10000, 10);
      assert.deepEqual(subscribedEvents[1], { wasRecovering: true, recovered: false });
      assert.equal(received.length, 1, 'nothing is replayed when recovery is impossible');
      await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/lost-${tag}`, data: { n: 9 } });
      await waitUntil(() => received.length === 2, 'live publication after failed recovery', 5000, 10);
      assert.equal(received[1]!.offset, 10);
      client.disconnect();
    });

    test('after an engine feed interruption subscribers are told (2500) and resubscribe with recovery', async () => {
      const client = variant.client(server);
      await connected(client);
      const sub = client.newSubscription(`1/grafana/broadcast/resync-${tag}`, { recoverable: true });
      const events: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
      sub.on('subscribed', (ctx) => events.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
      const received = collect(sub);
      await subscribed(sub);
      await sub.publish(variant.data({ n: 1 }));
      await waitUntil(() => received.length === 1, 'first publication', 5000, 10);
      server.hub.node.onResubscribed([`1/grafana/broadcast/resync-${tag}`]);
      await waitUntil(() => events.length === 2, 'resubscribe after 2500', 5000, 10);
      assert.deepEqual(events[1], { wasRecovering: true, recovered: true });
      await sub.publish(variant.data({ n: 2 }));
      await waitUntil(() => received.length === 2, 'publication after resubscribe', 5000, 10);
      assert.deepEqual(received.map((p) => p.offset), [1, 2]);
      client.disconnect();
    });

    test('both tenant forms reach the same channel; each client gets its own channel string', async () => {
      const a = variant.client(server);
      const b = variant.client(server);
      await Promise.all([connected(a), connected(b)]);
      const numeric = a.newSubscription(`1/grafana/broadcast/tenants-${tag}`);
      const named = b.newSubscription(`default/grafana/broadcast/tenants-${tag}`);
      const gotA = collect(numeric);
      const gotB = collect(named);
      await Promise.all([subscribed(numeric), subscribed(named)]);
      await named.publish(variant.data({ from: 'namespace form' }));
      await waitUntil(() => gotA.length === 1 && gotB.length === 1, 'both forms', 5000, 10);
      assert.equal(gotA[0]!.channel, `1/grafana/broadcast/tenants-${tag}`);
      assert.equal(gotB[0]!.channel, `default/grafana/broadcast/tenants-${tag}`);
      a.disconnect();
      b.disconnect();
    });

    test('another tenant, in either form, is denied with 103', async () => {
      const client = variant.client(server);
      await connected(client);
      for (const channel of [`2/grafana/broadcast/x-${tag}`, `org-2/grafana/broadcast/x-${tag}`, `stacks-5/grafana/broadcast/x-${tag}`]) {
        const sub = client.newSubscription(channel);
        await assert.rejects(subscribed(sub), (err: { code: number }) => err.code === 103, channel);
        client.removeSubscription(sub);
      }
      await assert.rejects(client.publish(`org-2/grafana/broadcast/x-${tag}`, variant.data({})), (err: { code: number }) => err.code === 103);
      client.disconnect();
    });

    test('permanent channel errors are not temporary: invalid channel 400, unknown scope 404', async () => {
      const client = variant.client(server);
      await connected(client);
      const bad = client.newSubscription('1/grafana/broadcast');
      await assert.rejects(subscribed(bad), (err: { code: number }) => err.code === 400);
      const badTenant = client.newSubscription(`one/grafana/broadcast/x-${tag}`);
      await assert.rejects(subscribed(badTenant), (err: { code: number }) => err.code === 400);
      const unknown = client.newSubscription('1/nosuchscope/ns/path');
      await assert.rejects(subscribed(unknown), (err: { code: number }) => err.code === 404);
      const unknownFeature = client.newSubscription('1/grafana/nosuchfeature/path');
      await assert.rejects(subscribed(unknownFeature), (err: { code: number }) => err.code === 404);
      client.disconnect();
    });
  });
}
