// Against a real redis-server: every key the Redis engine writes for a channel carries a TTL (none
// can live forever), the history stream is capped by MAXLEN, and removing the last presence entry
// or reading does not strip a TTL.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../../harness/redis.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { RedisEngine } from '../../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../../src/log/logger.js';

const STATS = () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 });
const HANDLER = { onPublication: () => {}, onJoin: () => {}, onLeave: () => {} };

describe('redis engine: every key has a TTL', () => {
  let server: RedisServer;
  let admin: Redis;
  let engine: RedisEngine;
  const prefix = `ttl${process.pid}.gf_live`;

  before(async () => {
    server = await startRedisServer();
    admin = new Redis({ host: '127.0.0.1', port: server.port });
    engine = new RedisEngine({
      shards: parseAddresses({ address: `127.0.0.1:${server.port}` }),
      prefix,
      self: { id: 'ttl-node', name: 'test', version: '0' },
      log: createLogger('error'),
    });
    await engine.start(HANDLER, STATS);
  });

  after(async () => {
    await engine.close();
    admin.disconnect();
    await server.stop();
  });

  test('history, presence, last message and frame keys all expire', async () => {
    const ch = '1/grafana/broadcast/ttl';
    const stream = '1/stream/telegraf/cpu';
    const history = { size: 5, ttlSeconds: 300 };
    await engine.broker.subscribe([ch, stream]);
    for (let i = 0; i < 12; i++) await engine.broker.publish(ch, `{"n":${i}}`, { user: '1', client: 'a' }, { history });
    await engine.broker.publish(ch, '{"plain":true}', undefined, {});
    await engine.broker.publishJoin(ch, { user: '1', client: 'a' });
    await engine.broker.publishLeave(ch, { user: '1', client: 'a' });
    await engine.presence.add(ch, { user: '1', client: 'a' });
    await engine.presence.add(ch, { user: '2', client: 'b' });
    await engine.presence.remove(ch, 'a');
    await engine.store.set(`live_message.${ch}`, '{"last":1}', 300);
    await engine.frames.push(stream, { schema: '{"schema":{}}', frame: '{"schema":{},"data":{}}', data: '{"data":{}}' });
    await engine.broker.history(ch, { limit: -1 }, history);
    await engine.presence.get(ch);

    const keys = (await admin.keys(`${prefix}.*`)).sort();
    assert.deepEqual(keys, [
      `${prefix}.epoch_seed`,
      `${prefix}.live_message.${ch}`,
      `${prefix}.managed_stream.${stream}`,
      `${prefix}.presence.data.${ch}`,
      `${prefix}.presence.expire.${ch}`,
      `${prefix}.stream.${ch}`,
      `${prefix}.stream.meta.${ch}`,
    ].sort(), 'the keys one channel of each kind writes, and the seed of derived epochs');
    for (const key of keys) {
      const ttl = await admin.ttl(key);
      assert.ok(ttl > 0, `${key} has TTL ${ttl}`);
    }
    assert.equal(await admin.xlen(`${prefix}.stream.${ch}`), 5, 'MAXLEN = history_size');
    assert.ok((await admin.ttl(`${prefix}.stream.${ch}`)) <= 300, 'the stream lives history_ttl');
    assert.ok((await admin.ttl(`${prefix}.presence.data.${ch}`)) <= engine.timings.presenceTtlSeconds);
  });
});
