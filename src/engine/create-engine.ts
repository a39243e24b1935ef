// Chooses the engine from `[live] ha_engine`: "" → the in-memory engine (one node), "redis" → the
// Redis HA engine configured by ha_engine_address / ha_engine_password / ha_prefix and livehub's
// Sentinel and ha_engine_required keys (docs/ha.md).

import type { LiveHubConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { Engine } from './engine.js';
import type { LocalNodeIdentity } from './memory/cluster.js';
import { MemoryEngine } from './memory/memory-engine.js';
import { parseAddresses, type ShardAddress } from './redis/address.js';
import { redisPrefix } from './redis/keys.js';
import { RedisEngine, type RedisEngineTimings } from './redis/redis-engine.js';

export function createEngine(
  config: LiveHubConfig,
  self: LocalNodeIdentity,
  log: Logger,
  timings?: Partial<RedisEngineTimings>,
): Engine {
  if (config.live.haEngine !== 'redis') return new MemoryEngine(self);
  let shards: ShardAddress[];
  try {
    shards = parseAddresses({
      address: config.live.haEngineAddress,
      password: config.live.haEnginePassword,
      sentinelMasterName: config.live.haSentinelMasterName,
      sentinelPassword: config.live.haSentinelPassword,
    });
  } catch (err) {
    log.error('failed to setup redis live engine', { error: err });
    throw new Error(`failed to setup redis live engine: [live] ha_engine_address: ${(err as Error).message}`);
  }
  const engineLog = log.child('redis');
  engineLog.info('live HA engine: redis', {
    shards: shards.map((s) => s.label),
    prefix: redisPrefix(config.live.haPrefix),
    required: config.live.haEngineRequired,
  });
  return new RedisEngine({
    shards,
    prefix: redisPrefix(config.live.haPrefix),
    self,
    log: engineLog,
    required: config.live.haEngineRequired,
    ...(timings === undefined ? {} : { timings }),
  });
}
