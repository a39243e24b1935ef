// Emulation across nodes: two livehub nodes on one real redis-server behind a "load balancer" that
// sends the stream to one node and the emulation POSTs to the other. The node that gets a POST for a
// session it does not hold hands it to the session's node through the engine (Cluster.askNode on
// that node's own Redis channel); the client subscribes, publishes, recovers and sees presence as if
// everything went to one node. A session unknown anywhere is answered 404.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { collect, connected, subscribed } from '../helpers/centrifuge.js';
import { cutStreams, fallbackClient } from '../helpers/fallback-client.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';
import { metric, scrapeMetrics } from '../../harness/metrics.js';
import { RawStreamClient } from '../helpers/raw-stream.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil } from '../../harness/wait.js';

describe('emulation requests reach the session on another node (Redis)', () => {
  let redis: RedisServer;
  let a: TestHub;
  let b: TestHub;
  before(async () => {
    redis = await startRedisServer();
    const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}`, GF_LIVE_HISTORY_SIZE: '10' };
    a = await startHub(env);
    b = await startHub(env);
    await waitUntil(() => a.hub.node.clusterNodes().length === 2 && b.hub.node.clusterNodes().length === 2, 'nodes to see each other', 10_000, 10);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.stop();
  });

  for (const transport of ['http_stream', 'sse'] as const) {
    test(`${transport} on node A, commands posted to node B: subscribe, publish, presence, recovery`, async () => {
      const channel = `grafana/broadcast/ha-emulation-${transport}`;
      // The stream goes to A; every command after connect goes to B.
      const client = fallbackClient(a, [transport], { minReconnectDelay: 300, maxReconnectDelay: 600, emulationEndpoint: `${b.httpUrl}/api/live/emulation` });
      await connected(client);
      const sub = client.newSubscription(`1/${channel}`, { recoverable: true });
      const received: PublicationContext[] = collect(sub);
      const events: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
      sub.on('subscribed', (ctx) => events.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
      await subscribed(sub);
      assert.equal(a.hub.node.localSubscribers(`1/${channel}`), 1, 'the session is on A');
      assert.equal(b.hub.node.localSubscribers(`1/${channel}`), 0);
      await sub.publish({ n: 1 });
      await waitUntil(() => received.length === 1, 'own publication', 5000, 10);
      assert.deepEqual(await sub.presenceStats(), { numClients: 1, numUsers: 1 });
      cutStreams(client);
      await waitUntil(() => client.state !== 'connected', 'cut noticed', 5000, 10);
      await postJson(`${b.httpUrl}/api/live/publish`, { channel, data: { n: 2 } });
      await waitUntil(() => events.length === 2, 'resubscribe', 10_000, 10);
      await waitUntil(() => received.length === 2, 'recovered', 5000, 10);
      assert.deepEqual(events[1], { wasRecovering: true, recovered: true });
      assert.deepEqual(received.map((p) => [p.offset, p.data]), [[1, { n: 1 }], [2, { n: 2 }]]);
      assert.ok(metric(await scrapeMetrics(b.httpUrl), 'livehub_live_emulation_requests_total', { outcome: 'forwarded' }) >= 4, 'B forwarded the commands');
      client.disconnect();
    });
  }

  test('a session unknown on its named node, or a node unknown to the cluster: 404 from the other node', async () => {
    const stream = await RawStreamClient.httpStream(a.httpUrl, [{ id: 1, connect: {} }]);
    const { session, node } = await stream.session();
    assert.equal(node, a.hub.node.nodeId);
    assert.equal(await stream.post([{ id: 2, presence_stats: { channel: '1/grafana/broadcast/ha-raw' } }], `${b.httpUrl}/api/live/emulation`), 204);
    await stream.reply(2);
    const post = (body: unknown): Promise<Response> =>
      fetch(`${b.httpUrl}/api/live/emulation`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post({ session: 'no-such-session', node, data: '{}' })).status, 404);
    assert.equal((await post({ session, node: 'no-such-node', data: '{}' })).status, 404);
    stream.close();
    await waitUntil(() => a.hub.node.numClients === 0, 'session closed on A', 5000, 10);
    const gone = await post({ session, node, data: '{}' });
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), { message: 'session not found' });
  });
});
