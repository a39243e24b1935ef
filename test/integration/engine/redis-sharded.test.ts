// The engine contract against two redis-servers used as application-level shards
// (ha_engine_address = "a:p1,b:p2"), plus a check that every kind of key lands on the channel's shard.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../../harness/redis.js';
import { waitUntil } from '../../../harness/wait.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { RedisEngine, type RedisEngineTimings } from '../../../src/engine/redis/redis-engine.js';
import { shardOf } from '../../../src/engine/redis/sharding.js';
import { createLogger } from '../../../src/log/logger.js';
import { engineContract } from '../../engine/contract.js';

let servers: RedisServer[] = [];
let n = 0;

async function ensureServers(): Promise<RedisServer[]> {
  if (servers.length === 0) servers = [await startRedisServer(), await startRedisServer()];
  return servers;
}

function newEngine(prefix: string, timings: Partial<RedisEngineTimings> = {}): RedisEngine {
  return new RedisEngine({
    shards: parseAddresses({ address: servers.map((s) => `127.0.0.1:${s.port}`).join(',') }),
    prefix,
    self: { id: `sharded-${n++}`, name: 'test', version: '0' },
    log: createLogger('error'),
    timings,
  });
}

after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

engineContract('redis sharded (2 shards)', {
  create: async (options = {}) => {
    await ensureServers();
    return newEngine(`contract${process.pid}-${n}.gf_live`, options);
  },
});

describe('redis sharding across two servers', () => {
  let engine: RedisEngine;
  let admins: Redis[] = [];
  const prefix = `placement${process.pid}.gf_live`;
  const received: string[] = [];

  before(async () => {
    await ensureServers();
    engine = newEngine(prefix);
    await engine.start(
      { onPublication: (ch) => received.push(ch), onJoin: () => undefined, onLeave: () => undefined },
      () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 }),
    );
    admins = servers.map((s) => new Redis({ port: s.port, host: '127.0.0.1' }));
  });
  after(async () => {
    await engine.close();
    for (const a of admins) a.disconnect();
  });

  test('stream, meta, presence, frame cache and PUB/SUB of a channel all live on its jump-hash shard', async () => {
    const channels = Array.from({ length: 40 }, (_, i) => `1/grafana/broadcast/shard-${i}`);
    await engine.broker.subscribe(channels);
    for (const ch of channels) {
      await engine.broker.publish(ch, '{}', undefined, { history: { size: 5, ttlSeconds: 60 } });
      await engine.presence.add(ch, { user: '1', client: `c-${ch}` });
      await engine.frames.push(ch, { schema: '{"schema":{}}', frame: '{"schema":{},"data":{}}', data: '{"data":{}}' });
    }
    const perShard = [0, 0];
    for (const ch of channels) {
      const home = shardOf(ch, 2);
      perShard[home]!++;
      for (const [i, admin] of admins.entries()) {
        const expected = i === home ? 1 : 0;
        const exists = await admin.exists(`${prefix}.stream.${ch}`, `${prefix}.stream.meta.${ch}`, `${prefix}.presence.data.${ch}`, `${prefix}.presence.expire.${ch}`, `${prefix}.managed_stream.${ch}`);
        assert.equal(exists, expected * 5, `${ch} on server ${i}`);
        const [, subs] = (await admin.call('PUBSUB', 'NUMSUB', `${prefix}.client.${ch}`)) as [string, number];
        assert.equal(subs, expected, `subscription of ${ch} on server ${i}`);
      }
    }
    assert.ok(perShard[0]! > 5 && perShard[1]! > 5, `both shards used: ${perShard.join('/')}`);
    // Each publication (history publish + frame push) reached this node once.
    await waitUntil(() => received.length === channels.length * 2, 'deliveries from both shards', 5000);
    assert.equal(new Set(received).size, channels.length);
  });

  test('cluster traffic uses shard 0 only', async () => {
    const [, control0] = (await admins[0]!.call('PUBSUB', 'NUMSUB', `${prefix}.control`)) as [string, number];
    const [, control1] = (await admins[1]!.call('PUBSUB', 'NUMSUB', `${prefix}.control`)) as [string, number];
    assert.deepEqual([control0, control1], [1, 0]);
    const [, probe1] = (await admins[1]!.call('PUBSUB', 'NUMSUB', `${prefix}.shard.1`)) as [string, number];
    assert.equal(probe1, 1, 'the second shard has its own probe channel');
  });
});
