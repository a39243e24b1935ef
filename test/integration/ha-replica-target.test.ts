// A node whose Redis address leads to a replica — HAProxy still routing to a server that is no longer
// (or not yet) master, or a master demoted under an open connection. A replica accepts PUBLISH
// without error but delivers it to nobody attached to the master, so before the fix such a node
// reported healthy and lost every publication without history (dashboard events, joins, heartbeats)
// while answering 200. Now its command connection is usable only on a master (ROLE): it reports 503
// and refuses publishes until the address leads to a master again.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { http } from '../../harness/http.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil } from '../../harness/wait.js';
import { EngineUnavailableError, type NodeStats } from '../../src/engine/engine.js';
import { parseAddresses } from '../../src/engine/redis/address.js';
import { RedisEngine } from '../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../src/log/logger.js';
import { health, startCluster, type Cluster } from '../helpers/cluster.js';

const ZERO: NodeStats = { numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 };
const NO_EVENTS = { onPublication: () => undefined, onJoin: () => undefined, onLeave: () => undefined };

describe('a Redis address that leads to a replica', () => {
  let master: RedisServer;
  let replica: RedisServer;
  const admins: Redis[] = [];
  const engines: RedisEngine[] = [];
  let cluster: Cluster | undefined;

  function admin(port: number): Redis {
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    admins.push(client);
    return client;
  }

  function engine(port: number): RedisEngine {
    const e = new RedisEngine({
      shards: parseAddresses({ address: `127.0.0.1:${port}` }),
      prefix: `replica${process.pid}.gf_live`,
      self: { id: `replica-test-${engines.length}`, name: 'test', version: '0' },
      log: createLogger('error', () => undefined),
      timings: { maxReconnectDelayMs: 300, connectTimeoutMs: 500, commandTimeoutMs: 1000, probeIntervalMs: 300, startWaitMs: 1000 },
    });
    engines.push(e);
    return e;
  }

  before(async () => {
    master = await startRedisServer();
    replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  });

  after(async () => {
    await cluster?.stop();
    await Promise.all(engines.map((e) => e.close()));
    for (const a of admins) a.disconnect();
    await Promise.all([master?.kill('SIGKILL'), replica?.kill('SIGKILL')]);
  });

  test('engine on a replica: not healthy, publishes without history refused (not swallowed)', async () => {
    const e = engine(replica.port);
    await e.start(NO_EVENTS, () => ZERO);
    const state = e.health();
    assert.equal(state.healthy, false);
    assert.match(state.detail ?? '', /read-only replica \(ROLE slave\)/);
    await assert.rejects(e.broker.publish('1/grafana/dashboard/uid/x', '{"uid":"x","action":"saved"}', undefined, {}), EngineUnavailableError);
    await assert.rejects(e.broker.publishJoin('1/grafana/dashboard/uid/x', { user: '1', client: 'c' }), EngineUnavailableError);
  });

  test('a master demoted under an open connection is noticed by the watchdog; promoted again, it is used again', async () => {
    // The replica server is promoted for this test and demoted under the engine's connection.
    const target = admin(replica.port);
    await target.call('REPLICAOF', 'NO', 'ONE');
    const e = engine(replica.port);
    await e.start(NO_EVENTS, () => ZERO);
    await waitUntil(() => e.health().healthy, 'the engine on the promoted server', 5000, 20);
    await e.broker.publish('1/grafana/dashboard/uid/y', '{}', undefined, {});

    await target.call('REPLICAOF', '127.0.0.1', String(master.port));
    await waitUntil(() => !e.health().healthy, 'the watchdog to notice the demotion', 5000, 20);
    await assert.rejects(e.broker.publish('1/grafana/dashboard/uid/y', '{}', undefined, {}), EngineUnavailableError);

    await target.call('REPLICAOF', 'NO', 'ONE');
    await waitUntil(() => e.health().healthy, 'the engine to use the master again', 10_000, 20);
    await e.broker.publish('1/grafana/dashboard/uid/y', '{}', undefined, {});
    await target.call('REPLICAOF', '127.0.0.1', String(master.port)); // back to the setup's shape
  });

  test('a livehub process pointed at a replica answers 503 and refuses publishes until the replica is promoted', async () => {
    cluster = await startCluster({ names: ['R'], redisAddress: `127.0.0.1:${replica.port}` });
    const node = cluster.node('R');
    await waitUntil(async () => (await health(node)).status === 503, 'R /api/health 503', 10_000);
    const res = await http('GET', `${node.httpUrl}/api/health`);
    assert.match(JSON.stringify(res.body), /read-only replica/);
    const refused = await http('POST', `${node.httpUrl}/api/live/push/replica`, { token: cluster.tokens.editor, raw: 'm v=1i' });
    assert.equal(refused.status, 503);

    await admin(replica.port).call('REPLICAOF', 'NO', 'ONE');
    await waitUntil(async () => (await health(node)).status === 200, 'R healthy on the promoted server', 15_000);
    assert.equal((await http('POST', `${node.httpUrl}/api/live/push/replica`, { token: cluster.tokens.editor, raw: 'm v=2i' })).status, 200);
  });
});
