// Join/leave at scale (docs/architecture.md, "Join/leave"): the joins and leaves one connection gets
// in one event-loop turn go out as one WebSocket frame, and above `join_leave_max_subscribers` a
// channel stops publishing and pushing them while presence and presence_stats stay exact — on one
// node, and across nodes sharing Redis (the receiving node applies the limit too).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metric, scrapeMetrics } from '../../harness/metrics.js';
import { RawClient } from '../../harness/raw-client.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil, waitUntil as eventually } from '../../harness/wait.js';
import { startHub, type TestHub } from '../helpers/hub.js';

type Frame = Record<string, unknown>;

function pushOf(frame: Frame, kind: 'join' | 'leave'): { channel: string; client: string } | undefined {
  const push = frame['push'] as Record<string, unknown> | undefined;
  const event = push?.[kind] as { info: { client: string } } | undefined;
  return event === undefined ? undefined : { channel: String(push!['channel']), client: event.info.client };
}

/** Connected raw client; its client id. */
async function connectedClient(wsUrl: string): Promise<{ c: RawClient; id: string }> {
  const c = await RawClient.open(wsUrl);
  const reply = await c.connect();
  return { c, id: String((reply['connect'] as Record<string, unknown>)['client']) };
}

async function subscribe(c: RawClient, id: number, channel: string): Promise<void> {
  c.send({ id, subscribe: { channel } });
  const reply = await c.reply(id);
  assert.ok(reply['subscribe'] !== undefined, JSON.stringify(reply));
}

async function presenceStats(c: RawClient, id: number, channel: string): Promise<{ num_clients: number; num_users: number }> {
  c.send({ id, presence_stats: { channel } });
  const reply = await c.reply(id);
  return reply['presence_stats'] as { num_clients: number; num_users: number };
}

describe('join/leave coalescing on one node', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub();
  });
  after(() => server.stop());

  test('ten joins, then ten leaves, reach an observer as one frame each', async () => {
    const channels = Array.from({ length: 10 }, (_, i) => `1/grafana/broadcast/coalesce-${i}`);
    const observer = await connectedClient(server.wsUrl);
    observer.c.send(...channels.map((channel, i) => ({ id: 10 + i, subscribe: { channel } })));
    for (let i = 0; i < channels.length; i++) await observer.c.reply(10 + i);

    const joiner = await connectedClient(server.wsUrl);
    const messagesBefore = observer.c.messages.length;
    joiner.c.send(...channels.map((channel, i) => ({ id: 10 + i, subscribe: { channel } })));
    await waitUntil(() => observer.c.frames.filter((f) => pushOf(f, 'join')?.client === joiner.id).length === 10, 'ten joins', 5000, 10);
    const joinMessages = observer.c.messages.slice(messagesBefore).filter((m) => m.some((f) => pushOf(f, 'join') !== undefined));
    assert.equal(joinMessages.length, 1, 'one frame for the turn\'s joins');
    assert.deepEqual(joinMessages[0]!.map((f) => pushOf(f, 'join')?.channel), channels);

    const leavesBefore = observer.c.messages.length;
    joiner.c.send(...channels.map((channel, i) => ({ id: 30 + i, unsubscribe: { channel } })));
    await waitUntil(() => observer.c.frames.filter((f) => pushOf(f, 'leave')?.client === joiner.id).length === 10, 'ten leaves', 5000, 10);
    const leaveMessages = observer.c.messages.slice(leavesBefore).filter((m) => m.some((f) => pushOf(f, 'leave') !== undefined));
    assert.equal(leaveMessages.length, 1, 'one frame for the turn\'s leaves');
    assert.equal(leaveMessages[0]!.length, 10);
    observer.c.close();
    joiner.c.close();
  });
});

describe('join/leave above join_leave_max_subscribers', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub({ GF_LIVE_JOIN_LEAVE_MAX_SUBSCRIBERS: '3' });
  });
  after(() => server.stop());

  test('joins and leaves stop above the limit; presence_stats stays exact; suppressions are counted', async () => {
    const channel = '1/grafana/broadcast/storm-policy';
    const clients = [];
    for (let i = 0; i < 6; i++) {
      const client = await connectedClient(server.wsUrl);
      await subscribe(client.c, 2, channel);
      clients.push(client);
    }
    const observer = clients[0]!;
    assert.equal((await presenceStats(observer.c, 3, channel)).num_clients, 6);
    // The stats reply follows every earlier push: the joins seen now are all there will be.
    const joined = observer.c.frames.map((f) => pushOf(f, 'join')?.client).filter((id) => id !== undefined);
    assert.deepEqual(joined, [clients[1]!.id, clients[2]!.id], 'only joins while the channel had at most 3 subscribers');
    let text = await scrapeMetrics(server.httpUrl);
    assert.equal(metric(text, 'livehub_join_leave_suppressed_total', { stage: 'publish' }), 3);

    let id = 4;
    for (let leaving = 5; leaving >= 2; leaving--) {
      clients[leaving]!.c.close();
      await eventually(async () => (await presenceStats(observer.c, id++, channel)).num_clients === leaving, `presence_stats ${leaving}`, 5000, 20);
    }
    const left = observer.c.frames.map((f) => pushOf(f, 'leave')?.client).filter((c) => c !== undefined);
    assert.deepEqual(left, [clients[2]!.id], 'only the leave of a subscriber counted within the limit, as its join was');
    text = await scrapeMetrics(server.httpUrl);
    assert.equal(metric(text, 'livehub_join_leave_suppressed_total', { stage: 'publish' }), 6);
    // (A counter label appears once it moved; one node never receives a join it did not allow.)
    assert.ok(!(metric(text, 'livehub_join_leave_suppressed_total', { stage: 'deliver' }) > 0));
    for (const client of clients.slice(0, 2)) client.c.close();
  });
});

describe('join/leave limit across nodes (Redis)', () => {
  let redis: RedisServer;
  let a: TestHub;
  let b: TestHub;
  before(async () => {
    redis = await startRedisServer();
    const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}`, GF_LIVE_JOIN_LEAVE_MAX_SUBSCRIBERS: '2' };
    [a, b] = await Promise.all([startHub(env), startHub(env)]);
  });
  after(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await redis.stop();
  });

  test('a node above the limit does not push joins published by a node below it', async () => {
    const channel = '1/grafana/broadcast/storm-ha';
    const onA = [];
    for (let i = 0; i < 3; i++) {
      const client = await connectedClient(a.wsUrl);
      await subscribe(client.c, 2, channel);
      onA.push(client);
    }
    const onB = await connectedClient(b.wsUrl);
    await subscribe(onB.c, 2, channel);
    let delivered = NaN;
    await eventually(async () => {
      delivered = metric(await scrapeMetrics(a.httpUrl), 'livehub_join_leave_suppressed_total', { stage: 'deliver' });
      return delivered === 1;
    }, 'A counted the join it did not push', 5000, 20);
    assert.equal(delivered, 1, 'B published its join (1 subscriber there); A, with 3, did not push it');
    assert.equal((await presenceStats(onA[0]!.c, 3, channel)).num_clients, 4, 'presence is cluster-wide and exact');
    for (const client of onA) assert.ok(!client.c.frames.some((f) => pushOf(f, 'join')?.client === onB.id));
    for (const client of [...onA, onB]) client.c.close();
  });
});
