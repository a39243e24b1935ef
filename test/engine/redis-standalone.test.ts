// The engine contract against one real redis-server (ha_engine_address = host:port).

import { after } from 'node:test';
import { parseAddresses } from '../../src/engine/redis/address.js';
import { RedisEngine } from '../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../src/log/logger.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { engineContract } from './contract.js';

let server: RedisServer | undefined;
let n = 0;

after(async () => {
  await server?.stop();
});

engineContract('redis standalone', {
  create: async () => {
    server ??= await startRedisServer();
    return new RedisEngine({
      shards: parseAddresses({ address: `127.0.0.1:${server.port}` }),
      prefix: `contract${process.pid}-${n++}.gf_live`,
      self: { id: `node-${n}`, name: 'test', version: '0' },
      log: createLogger('error'),
    });
  },
});
