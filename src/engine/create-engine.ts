// Chooses the engine from `[live] ha_engine`: "" → the in-memory engine (one node, bounded by
// memory_engine_budget and the TTLs), "redis" → the Redis HA engine configured by ha_engine_address /
// ha_engine_password / ha_prefix and livehub's Sentinel, ha_engine_required and ha_engine_wait_*
// keys (docs/ha.md).

import { getHeapStatistics } from 'node:v8';
import type { LiveHubConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { Engine, LocalNodeIdentity } from './engine.js';
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
  if (config.live.haEngine !== 'redis') {
    return new MemoryEngine(self, {
      budgetBytes: memoryBudget(config.live.memoryEngineBudget, log),
      frameCacheTtlSeconds: config.live.frameCacheTtlSeconds,
    });
  }
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
  const waitReplicas = config.live.haEngineWaitReplicas > 0 ? { replicas: config.live.haEngineWaitReplicas, timeoutMs: config.live.haEngineWaitTimeoutMs } : undefined;
  engineLog.info('live HA engine: redis', {
    shards: shards.map((s) => s.label),
    prefix: redisPrefix(config.live.haPrefix),
    required: config.live.haEngineRequired,
    ...(waitReplicas === undefined ? {} : { waitReplicas: waitReplicas.replicas, waitTimeoutMs: waitReplicas.timeoutMs }),
  });
  try {
    return new RedisEngine({
      shards,
      prefix: redisPrefix(config.live.haPrefix),
      self,
      log: engineLog,
      required: config.live.haEngineRequired,
      ...(timings === undefined ? {} : { timings }),
      ...(waitReplicas === undefined ? {} : { waitReplicas }),
    });
  } catch (err) {
    log.error('failed to setup redis live engine', { error: err });
    throw new Error(`failed to setup redis live engine: ${(err as Error).message}`);
  }
}

/**
 * The stored data may take at most half of V8's heap limit (`--max-old-space-size`): the rest is
 * for connections, buffers and garbage waiting for the collector. A larger setting is lowered, loudly.
 */
function memoryBudget(configured: number, log: Logger): number {
  const cap = Math.floor(getHeapStatistics().heap_size_limit / 2);
  if (configured <= cap) return configured;
  log.warn('[live] memory_engine_budget lowered to half of the V8 heap limit', { configured, budget: cap });
  return cap;
}
