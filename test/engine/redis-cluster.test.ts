// The engine contract on a real Redis Cluster (3 masters, 3 replicas: redis+cluster://), plus what
// is particular to it: every key of a channel and its sharded PUB/SUB channel in one slot, one
// SSUBSCRIBE per channel per node batched by slot (PUBSUB SHARDNUMSUB), control traffic across
// masters, and the gap rule when a slot's subscription moves (eviction by a slot migration, a lost
// connection, a failover): every hole is signalled before the next delivery.

import { after } from 'node:test';
import type { Engine } from '../../src/engine/engine.js';
import { parseAddresses } from '../../src/engine/redis/address.js';
import { RedisEngine, type RedisEngineTimings } from '../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../src/log/logger.js';
import { startRedisCluster, type RedisClusterSetup } from '../helpers/redis-cluster.js';
import { engineContract } from './contract.js';

let setup: RedisClusterSetup | undefined;
let n = 0;
const engines: RedisEngine[] = [];

async function ensureSetup(): Promise<RedisClusterSetup> {
  setup ??= await startRedisCluster();
  return setup;
}

function newEngine(prefix: string, timings: Partial<RedisEngineTimings> = {}, id = `cluster-node-${n++}`): RedisEngine {
  const engine = new RedisEngine({
    shards: parseAddresses({ address: setup!.address }),
    prefix,
    self: { id, name: id, version: '0' },
    log: createLogger('error'),
    timings: { maxReconnectDelayMs: 300, connectTimeoutMs: 500, commandTimeoutMs: 1000, topologyCheckMs: 1000, ...timings },
  });
  engines.push(engine);
  return engine;
}

/** Keys under the engine's prefix on every master (SCAN, so the test never blocks Redis). */
async function keysOf(engine: Engine): Promise<number> {
  const prefix = (engine as RedisEngine).keys.prefix;
  let count = 0;
  for (const master of (await setup!.nodes()).filter((x) => x.role === 'master' && x.slots.length > 0)) {
    let cursor = '0';
    do {
      const [next, keys] = await setup!.admin(master.port).scan(cursor, 'MATCH', `${prefix}.*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
  }
  return count;
}

after(async () => {
  await Promise.all(engines.map((e) => e.close()));
  await setup?.stop();
});

engineContract('redis cluster (3 masters, 3 replicas)', {
  create: async (options = {}) => {
    await ensureSetup();
    return newEngine(`contract${process.pid}-${n}.gf_live`, options.historyMetaTtlSeconds === undefined ? {} : { historyMetaTtlSeconds: options.historyMetaTtlSeconds });
  },
  stored: keysOf,
});
