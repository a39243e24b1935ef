// Three real livehub processes (`node dist/src/cli.js`, GF_* env) sharing one redis-server and one
// PostgreSQL: what is cluster-wide reaches every node exactly once (Telegraf pushes, dashboard
// events, broadcast), the frame cache and presence are shared, /api/live/list merges every node's
// streams with summed rates, /api/live/cluster lists all nodes, and plugin streams stay per node.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, PublicationContext, Subscription } from 'centrifuge';
import { http } from '../../harness/http.js';
import type { LivehubNode } from '../../harness/livehub.js';
import { startPostgres, type PostgresServer } from '../../harness/postgres.js';
import { tempDir } from '../../harness/processes.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil } from '../../harness/wait.js';
import { collect, connected, disconnectAllClients, newClient, subscribed } from '../helpers/centrifuge.js';
import { clusterNodeIds, frameSeq, publish, push, startCluster, type Cluster } from '../helpers/cluster.js';

// A stream plugin whose run says which node produced each message, numbered per run.
const NODE_PLUGIN = `
const node = process.env.LIVEHUB_TEST_NODE ?? '?';
export default {
  id: 'hanode',
  async subscribeStream() { return { status: 'ok' }; },
  async runStream(request, sender, signal) {
    const run = Math.random().toString(36).slice(2);
    let seq = 0;
    await new Promise((resolve) => {
      const timer = setInterval(() => sender.sendJSON({ node, run, seq: ++seq }), 40);
      signal.addEventListener('abort', () => { clearInterval(timer); resolve(); }, { once: true });
    });
  },
  async publishStream() { return { status: 'permission_denied' }; },
};
`;

type Body = Record<string, unknown>;

describe('three livehub processes on one Redis', () => {
  let redis: RedisServer;
  let pg: PostgresServer;
  let cluster: Cluster;
  let A: LivehubNode;
  let B: LivehubNode;
  let C: LivehubNode;

  async function client(node: LivehubNode): Promise<Centrifuge> {
    const c = newClient(node.wsUrl);
    await connected(c);
    return c;
  }

  async function watch(c: Centrifuge, channel: string): Promise<{ sub: Subscription; got: PublicationContext[] }> {
    const sub = c.newSubscription(channel);
    const got = collect(sub);
    await subscribed(sub);
    return { sub, got };
  }

  before(async () => {
    [redis, pg] = await Promise.all([startRedisServer(), startPostgres('livehub_ha')]);
    const dir = tempDir('livehub-ha-plugin-');
    writeFileSync(join(dir, 'hanode.mjs'), NODE_PLUGIN);
    cluster = await startCluster({
      names: ['A', 'B', 'C'],
      redisAddress: `127.0.0.1:${redis.port}`,
      env: { ...pg.env, GF_LIVE_PLUGIN_PATHS: join(dir, 'hanode.mjs') },
    });
    [A, B, C] = cluster.nodes as [LivehubNode, LivehubNode, LivehubNode];
    const ids = cluster.nodes.map((n) => n.nodeId).sort();
    for (const node of cluster.nodes) {
      await waitUntil(async () => JSON.stringify(await clusterNodeIds(node, cluster.tokens.viewer)) === JSON.stringify(ids), `node ${node.name} to see all three nodes`, 15_000);
    }
  });

  after(async () => {
    disconnectAllClients();
    await cluster?.stop();
    await Promise.all([redis?.kill('SIGKILL'), pg?.stop()]);
  });

  test('/api/live/cluster on every node lists all three nodes, with engine health', async () => {
    const ids = cluster.nodes.map((n) => n.nodeId).sort();
    for (const node of cluster.nodes) {
      const res = await http('GET', `${node.httpUrl}/api/live/cluster`, { token: cluster.tokens.viewer });
      assert.equal(res.status, 200);
      const body = res.body as { self: string; engine: { kind: string; healthy: boolean }; nodes: Array<{ id: string; self: boolean }> };
      assert.equal(body.self, node.nodeId);
      assert.deepEqual([body.engine.kind, body.engine.healthy], ['redis', true]);
      assert.deepEqual(body.nodes.map((n) => n.id).sort(), ids);
      assert.deepEqual(body.nodes.filter((n) => n.self).map((n) => n.id), [node.nodeId]);
    }
  });

  test('a Telegraf push on A reaches clients on A, B and C exactly once; a late subscriber on B gets the frame cached from A', async () => {
    const channel = '1/stream/ha/m';
    const watchers = await Promise.all([A, B, C].map(async (node) => watch(await client(node), channel)));
    for (let seq = 1; seq <= 10; seq++) assert.equal((await push(A, 'ha', `m seq=${seq}i`, cluster.tokens.editor)).status, 200);
    await waitUntil(() => watchers.every((w) => w.got.length >= 10), 'ten frames on every node', 10_000, 20);

    const lateClient = await client(B);
    const initial = await subscribed(lateClient.newSubscription(channel));
    const frame = initial.data as Body;
    assert.ok(frame['schema'] !== undefined, 'the cached frame carries its schema');
    assert.equal(frameSeq(frame), 10, 'the last frame pushed through A, from the cache in Redis');

    // The fence goes through C: per-channel order is Redis's, so any duplicate of 1..10 arrives before it.
    assert.equal((await push(C, 'ha', 'm seq=11i', cluster.tokens.editor)).status, 200);
    await waitUntil(() => watchers.every((w) => w.got.some((p) => frameSeq(p.data) === 11)), 'the fence on every node', 10_000, 20);
    for (const [i, w] of watchers.entries()) {
      assert.deepEqual(w.got.map((p) => frameSeq(p.data)), Array.from({ length: 11 }, (_, k) => k + 1), `client on ${'ABC'[i]}: each push once, in order`);
      const withSchema = w.got.map((p) => (p.data as Body)['schema'] !== undefined);
      // First push: full frame. C's first push after its connection came up is a full frame too (resync rule).
      assert.deepEqual(withSchema, [true, false, false, false, false, false, false, false, false, false, true]);
    }
  });

  test('/api/live/list on any node lists the streams pushed through every node, rates summed', async () => {
    const pushes: Array<[LivehubNode, string, number]> = [[A, 'shared', 1], [B, 'shared', 2], [C, 'shared', 3], [B, 'onlyb', 2], [C, 'onlyc', 1]];
    for (const [node, measurement, count] of pushes) {
      for (let i = 0; i < count; i++) assert.equal((await push(node, 'halist', `${measurement} v=${i}i`, cluster.tokens.editor)).status, 200);
    }
    for (const node of cluster.nodes) {
      const res = await http('GET', `${node.httpUrl}/api/live/list`, { token: cluster.tokens.viewer });
      assert.equal(res.status, 200);
      const body = res.body as { channels: Array<{ channel: string; minute_rate: number; data: Body }>; partial?: boolean };
      assert.equal(body.partial, undefined, `complete answer from ${node.name}`);
      const mine = body.channels.filter((c) => c.channel.startsWith('stream/halist/'));
      assert.deepEqual(mine.map((c) => [c.channel, c.minute_rate]), [
        ['stream/halist/onlyb', 2],
        ['stream/halist/onlyc', 1],
        ['stream/halist/shared', 6],
      ], `list on ${node.name}`);
      for (const c of mine) assert.ok((c.data['schema'] as Body | undefined)?.['fields'] !== undefined, 'each entry carries the schema');
      assert.ok(body.channels.some((c) => c.channel === 'stream/ha/m'), 'the earlier stream pushed through A and C');
      assert.ok(body.channels.some((c) => c.channel === 'plugin/testdata/random-2s-stream'), 'the testdata streams are appended');
    }
  });

  test('/api/live/list pages across nodes: with a small limit, every channel once in order, rates summed, one total', async () => {
    // Each node holds some channels of its own and some shared ones; pages are smaller than any node's share.
    const plan: Array<[LivehubNode, string[]]> = [[A, ['a1', 'a2', 'a3', 's1', 's2']], [B, ['b1', 'b2', 's1', 's2', 's3']], [C, ['c1', 's3', 's2']]];
    for (const [node, measurements] of plan) {
      assert.equal((await push(node, 'hapaged', measurements.map((m) => `${m} v=1i`).join('\n'), cluster.tokens.editor)).status, 200);
    }
    const all = (await http('GET', `${A.httpUrl}/api/live/list`, { token: cluster.tokens.viewer })).body as { channels: Array<{ channel: string; minute_rate: number }>; total: number };
    const walked: Array<{ channel: string; minute_rate: number }> = [];
    let after: string | undefined;
    for (let page = 0; page < 200; page++) {
      const res = await http('GET', `${B.httpUrl}/api/live/list?limit=2${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`, { token: cluster.tokens.viewer });
      assert.equal(res.status, 200);
      const body = res.body as { channels: Array<{ channel: string; minute_rate: number }>; total: number; next?: string; partial?: boolean };
      assert.equal(body.partial, undefined);
      assert.ok(body.channels.length <= 2);
      assert.equal(body.total, all.total, 'every page reports the same total');
      walked.push(...body.channels);
      after = body.next;
      if (after === undefined) break;
    }
    assert.equal(after, undefined, 'the pages end');
    assert.deepEqual(walked.map((c) => c.channel), all.channels.map((c) => c.channel));
    const mine = walked.filter((c) => c.channel.startsWith('stream/hapaged/')).map((c) => [c.channel.slice('stream/hapaged/'.length), c.minute_rate]);
    assert.deepEqual(mine, [['a1', 1], ['a2', 1], ['a3', 1], ['b1', 1], ['b2', 1], ['c1', 1], ['s1', 2], ['s2', 3], ['s3', 2]]);
  });

  test('a dashboard save on C reaches watchers on A and B once (dashboards in the shared PostgreSQL)', async () => {
    const save = (node: LivehubNode, version?: number) => http('POST', `${node.httpUrl}/api/dashboards/db`, {
      token: cluster.tokens.editor,
      body: { dashboard: { uid: 'ha-dash', title: 'HA dashboard', ...(version === undefined ? {} : { version }) }, overwrite: true, message: `v${version ?? 0}` },
    });
    assert.equal((await save(A)).status, 200, 'created through A');
    const watchers = await Promise.all([A, B].map(async (node) => watch(await client(node), '1/grafana/dashboard/uid/ha-dash')));
    const saved = await save(C);
    assert.equal(saved.status, 200, saved.text);
    const fence = await save(C);
    assert.equal(fence.status, 200);
    const versions = [String((saved.body as Body)['version']), String((fence.body as Body)['version'])];
    await waitUntil(() => watchers.every((w) => w.got.length >= 2), 'both saves on A and B', 10_000, 20);
    for (const w of watchers) {
      assert.deepEqual(w.got.map((p) => [(p.data as Body)['uid'], (p.data as Body)['action'], (p.data as Body)['rv']]), [
        ['ha-dash', 'saved', versions[0]],
        ['ha-dash', 'saved', versions[1]],
      ]);
    }
    const fromB = await http('GET', `${B.httpUrl}/api/dashboards/uid/ha-dash`, { token: cluster.tokens.viewer });
    assert.equal(fromB.status, 200, 'B reads what C saved');
  });

  test('a broadcast published on C (HTTP and WebSocket) reaches A and B once; the last message is shared', async () => {
    const channel = 'grafana/broadcast/ha-news';
    const watchers = await Promise.all([A, B].map(async (node) => watch(await client(node), `1/${channel}`)));
    assert.equal((await publish(C, channel, { n: 1 })).status, 200);
    const onC = await client(C);
    await onC.publish(`1/${channel}`, { n: 2 });
    assert.equal((await publish(C, channel, { n: 3 })).status, 200);
    await waitUntil(() => watchers.every((w) => w.got.length >= 3), 'three broadcasts on A and B', 10_000, 20);
    for (const w of watchers) assert.deepEqual(w.got.map((p) => p.data), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const lateOnA = await client(A);
    const initial = await subscribed(lateOnA.newSubscription(`1/${channel}`));
    assert.deepEqual(initial.data, { n: 3 }, 'the last message stored by C is initial data on A');
  });

  test('presence counts the clients of every node (presence_stats and presence through the client)', async () => {
    const channel = '1/grafana/broadcast/ha-presence';
    const ids: string[] = [];
    const clients: Centrifuge[] = [];
    for (const node of [A, A, B, C]) {
      const c = newClient(node.wsUrl);
      c.once('connected', (ctx) => ids.push(ctx.client));
      await connected(c);
      clients.push(c);
      await watch(c, channel);
    }
    for (const c of clients) {
      const stats = await c.presenceStats(channel);
      assert.equal(stats.numClients, 4);
    }
    const presence = await clients[3]!.presence(channel);
    assert.deepEqual(Object.keys(presence.clients).sort(), [...ids].sort());
  });

  test('plugin streams run per node: each client gets its own node\'s run, every message once', async () => {
    const channel = '1/plugin/hanode/ticks';
    const a1 = await watch(await client(A), channel);
    const b1 = await watch(await client(B), channel);
    const a2 = await watch(await client(A), channel);
    await waitUntil(() => [a1, a2, b1].every((w) => w.got.length >= 15), '15 messages on every client', 15_000, 20);
    for (const w of [a1, a2, b1]) w.sub.unsubscribe();
    const seqs = (w: { got: PublicationContext[] }) => w.got.map((p) => (p.data as { seq: number }).seq);
    const nodes = (w: { got: PublicationContext[] }) => new Set(w.got.map((p) => (p.data as { node: string }).node));
    assert.deepEqual([...nodes(a1)], ['A']);
    assert.deepEqual([...nodes(a2)], ['A']);
    assert.deepEqual([...nodes(b1)], ['B'], 'B runs its own stream; nothing of A\'s crosses over');
    for (const w of [a1, a2, b1]) {
      const s = seqs(w);
      assert.deepEqual(s, Array.from({ length: s.length }, (_, i) => s[0]! + i), 'consecutive: no duplicates, no gaps');
    }
    // A's two clients share A's single run (same run id, the later one joins it midway); B has its own.
    const runs = (w: { got: PublicationContext[] }) => [...new Set(w.got.map((p) => (p.data as { run: string }).run))];
    assert.equal(runs(a1).length, 1);
    assert.deepEqual(runs(a2), runs(a1));
    assert.equal(runs(b1).length, 1);
    assert.notEqual(runs(b1)[0], runs(a1)[0]);
    assert.ok(seqs(a2)[0]! >= seqs(a1)[0]!);

    // The built-in testdata plugin: per-node runs, each tick once per client (strictly increasing times).
    const ta = await watch(await client(A), '1/plugin/testdata/random-20Hz-stream');
    const tb = await watch(await client(B), '1/plugin/testdata/random-20Hz-stream');
    await waitUntil(() => ta.got.length >= 10 && tb.got.length >= 10, 'testdata ticks on A and B', 15_000, 20);
    ta.sub.unsubscribe();
    tb.sub.unsubscribe();
    for (const w of [ta, tb]) {
      const times = w.got.map((p) => (((p.data as Body)['data'] as { values: number[][] }).values[0]![0]!));
      for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!, `tick ${i} after tick ${i - 1}: ${times.join(',')}`);
    }
    const values = (w: { got: PublicationContext[] }) => w.got.map((p) => (((p.data as Body)['data'] as { values: number[][] }).values[1]![0]!));
    assert.notDeepEqual(values(ta).slice(0, 10), values(tb).slice(0, 10), 'two independent random walks');
  });
});
