// The engine contract against one real redis-server (ha_engine_address = host:port).

import { after } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../../harness/redis.js';
import type { Engine } from '../../../src/engine/engine.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { RedisEngine } from '../../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../../src/log/logger.js';
import { engineContract } from '../../engine/contract.js';

let server: RedisServer | undefined;
let admin: Redis | undefined;
let n = 0;

after(async () => {
  admin?.disconnect();
  await server?.stop();
});

/** Keys under the engine's prefix (SCAN, so the test never blocks Redis). */
async function keysOf(engine: Engine): Promise<number> {
  admin ??= new Redis({ host: '127.0.0.1', port: server!.port, lazyConnect: false });
  const prefix = (engine as RedisEngine).keys.prefix;
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}.*`, 'COUNT', 1000);
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}

engineContract('redis standalone', {
  create: async (options = {}) => {
    server ??= await startRedisServer();
    n++;
    return new RedisEngine({
      shards: parseAddresses({ address: `127.0.0.1:${server.port}` }),
      prefix: `contract${process.pid}-${n}.gf_live`,
      self: { id: `node-${n}`, name: 'test', version: '0' },
      log: createLogger('error'),
      ...(options.historyMetaTtlSeconds === undefined ? {} : { timings: { historyMetaTtlSeconds: options.historyMetaTtlSeconds } }),
    });
  },
  stored: keysOf,
  peer: async (engine) => {
    n++;
    return new RedisEngine({
      shards: parseAddresses({ address: `127.0.0.1:${server!.port}` }),
      prefix: (engine as RedisEngine).keys.prefix,
      self: { id: `node-${n}`, name: 'peer', version: '0' },
      log: createLogger('error'),
    });
  },
});
