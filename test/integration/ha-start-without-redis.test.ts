// A livehub process started while its Redis is down (grafana-live.md §7.5, Grafana's "lonely node"
// flaw): it starts anyway, says 503 on /api/health, refuses publishes and subscribes with temporary
// errors, and once Redis starts it becomes healthy, serves the waiting client, and is part of the
// cluster — a node started later sees it and messages cross between them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil, within } from '../../harness/wait.js';
import { collect, connected, disconnectAllClients, newClient } from '../helpers/centrifuge.js';
import { clusterNodeIds, health, publish, push, startCluster, type Cluster } from '../helpers/cluster.js';

describe('a node started while Redis is down', () => {
  let redis: RedisServer;
  let cluster: Cluster;

  before(async () => {
    redis = await createRedisServer(); // a free port, nothing listening yet
    cluster = await startCluster({ names: ['A'], redisAddress: `127.0.0.1:${redis.port}` });
  });

  after(async () => {
    disconnectAllClients();
    await cluster?.stop();
    await redis?.kill('SIGKILL');
  });

  test('starts, reports 503 and refuses work; works and joins the cluster once Redis starts', async () => {
    const A = cluster.node('A');
    assert.deepEqual(await health(A), { status: 503, state: 'connecting' });
    assert.equal(A.logsWith('live engine cannot reach redis: node not ready, retrying in the background').length, 1);

    // A client can connect; its subscribe fails with a temporary error and is retried by the client.
    const client = newClient(A.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/late-start', { minResubscribeDelay: 100, maxResubscribeDelay: 500 });
    const errors: Array<{ code: number; temporary?: boolean }> = [];
    sub.on('error', (ctx) => errors.push(ctx.error));
    const got = collect(sub);
    // (helpers' subscribed() gives up at the first error; this client keeps retrying, as it should)
    const ready = new Promise<void>((resolve) => sub.once('subscribed', () => resolve()));
    sub.subscribe();
    await waitUntil(() => errors.length >= 1, 'a refused subscribe', 10_000, 20);
    assert.deepEqual([errors[0]!.code, errors[0]!.temporary], [100, true]);
    const refusedPublish = await publish(A, 'grafana/broadcast/late-start', { early: true });
    assert.ok(refusedPublish.status >= 500, `publish refused (${refusedPublish.status})`);
    assert.equal((await push(A, 'latestart', 'm v=1i', cluster.tokens.editor)).status, 503);

    await redis.start();
    await waitUntil(async () => (await health(A)).status === 200, 'A healthy once Redis is up', 20_000);
    assert.equal((await health(A)).state, 'ok');
    await within(ready, 10_000, 'the client\'s retried subscribe'); // it went through once Redis was up
    assert.ok(A.logsWith('live engine connected to redis').length >= 1);

    // A node started now finds A, and A finds it: A is not a lonely in-memory node.
    const B = await cluster.add('B');
    const ids = [A.nodeId, B.nodeId].sort();
    for (const node of [A, B]) {
      await waitUntil(async () => JSON.stringify(await clusterNodeIds(node, cluster.tokens.viewer)) === JSON.stringify(ids), `${node.name} to list both nodes`, 15_000);
    }
    assert.equal((await publish(B, 'grafana/broadcast/late-start', { n: 1 })).status, 200);
    await waitUntil(() => got.length === 1, 'the publication through B on A\'s client', 10_000, 20);
    assert.deepEqual(got.map((p) => p.data), [{ n: 1 }]);
    assert.equal((await push(A, 'latestart', 'm v=2i', cluster.tokens.editor)).status, 200);
  });
});
