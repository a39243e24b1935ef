// The engine contract through Sentinel (redis+sentinel://…?sentinel_master_name=…), then a forced
// failover with two engines: both follow the new master, and publishes and deliveries work again.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startSentinelSetup, type SentinelSetup } from '../../../harness/sentinel.js';
import { waitUntil } from '../../../harness/wait.js';
import type { ClientInfo, EngineEventHandler, Publication } from '../../../src/engine/engine.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { RedisEngine, type RedisEngineTimings } from '../../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../../src/log/logger.js';
import { engineContract } from '../../engine/contract.js';

let setup: SentinelSetup | undefined;
let n = 0;

async function ensureSetup(): Promise<SentinelSetup> {
  setup ??= await startSentinelSetup();
  return setup;
}

function newEngine(address: string, prefix: string, timings: Partial<RedisEngineTimings> = {}): RedisEngine {
  return new RedisEngine({
    shards: parseAddresses({ address }),
    prefix,
    self: { id: `sentinel-node-${n++}`, name: 'test', version: '0' },
    log: createLogger('error'),
    timings: { maxReconnectDelayMs: 300, topologyCheckMs: 1000, commandTimeoutMs: 1000, ...timings },
  });
}

after(async () => {
  await setup?.stop();
});

engineContract('redis via sentinel', {
  create: async (options = {}) => newEngine((await ensureSetup()).address, `contract${process.pid}-${n}.gf_live`, options),
});

class Events implements EngineEventHandler {
  readonly publications: Array<{ channel: string; publication: Publication }> = [];
  readonly resubscribed: string[][] = [];
  onPublication(channel: string, publication: Publication): void {
    this.publications.push({ channel, publication });
  }
  onJoin(_channel: string, _info: ClientInfo): void {}
  onLeave(_channel: string, _info: ClientInfo): void {}
  onResubscribed(channels: readonly string[]): void {
    this.resubscribed.push([...channels]);
  }
}

const STATS = () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 });

describe('redis sentinel failover', () => {
  let a: RedisEngine;
  let b: RedisEngine;
  const eventsB = new Events();
  const ch = '1/grafana/broadcast/failover';

  before(async () => {
    const s = await ensureSetup();
    const prefix = `failover${process.pid}.gf_live`;
    a = newEngine(s.address, prefix);
    b = newEngine(s.address, prefix);
    await a.start(new Events(), STATS);
    await b.start(eventsB, STATS);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  test('after a failover both engines follow the new master; publishes and deliveries work again', async () => {
    const s = setup!;
    await b.broker.subscribe([ch]);
    await a.broker.publish(ch, '{"n":1}', undefined, {});
    await waitUntil(() => eventsB.publications.length === 1, 'delivery before the failover', 5000);

    const oldMaster = await s.master();
    const newMaster = await s.failover();
    assert.notEqual(newMaster.port, oldMaster.port);

    // Both engines reconnect to the new master (Sentinel kills clients; the topology check covers a miss).
    await waitUntil(() => a.health().healthy && b.health().healthy && eventsB.resubscribed.length > 0, 'both engines healthy after the failover', 15_000, 50);
    for (const engine of [a, b]) {
      for (const shard of engine.shardList) {
        assert.equal(shard.cmd.remoteAddress()?.port, newMaster.port, 'command connection on the new master');
        assert.equal(shard.sub.remoteAddress()?.port, newMaster.port, 'pub/sub connection on the new master');
      }
    }
    assert.deepEqual(eventsB.resubscribed.at(-1), [ch], 'the node is told which channels to resynchronise');

    // Publishes go through again and reach the other node exactly once each.
    for (let i = 2; i <= 4; i++) await a.broker.publish(ch, `{"n":${i}}`, undefined, { history: { size: 10, ttlSeconds: 60 } });
    await waitUntil(() => eventsB.publications.length === 4, 'deliveries after the failover', 5000);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(eventsB.publications.map((p) => p.publication.data), ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}']);

    const admin = new Redis({ host: '127.0.0.1', port: newMaster.port });
    try {
      const [, subs] = (await admin.call('PUBSUB', 'NUMSUB', `failover${process.pid}.gf_live.client.${ch}`)) as [string, number];
      assert.equal(subs, 1, 'one subscription per channel per node on the new master');
    } finally {
      admin.disconnect();
    }
  });

  test('topology re-check: a master switch the connections never heard of still moves them', async () => {
    const s = setup!;
    const current = await s.master();
    const other = s.servers.find((server) => server.port !== current.port)!;
    // Promote the other server and point every Sentinel at it, without killing any client connection:
    // only the periodic Sentinel re-check can notice that the engines sit on the wrong master.
    const promote = new Redis({ host: '127.0.0.1', port: other.port });
    try {
      await promote.call('REPLICAOF', 'NO', 'ONE');
    } finally {
      promote.disconnect();
    }
    for (const sentinel of s.sentinels) {
      const client = new Redis({ host: '127.0.0.1', port: sentinel.port });
      try {
        await client.call('SENTINEL', 'REMOVE', s.masterName);
        await client.call('SENTINEL', 'MONITOR', s.masterName, '127.0.0.1', String(other.port), '2');
      } finally {
        client.disconnect();
      }
    }
    const onNewMaster = (): boolean =>
      [a, b].every((engine) => engine.health().healthy && engine.shardList.every((shard) => shard.cmd.remoteAddress()?.port === other.port && shard.sub.remoteAddress()?.port === other.port));
    await waitUntil(onNewMaster, 'the engines to move to the master the Sentinels name', 8000, 50);

    const before = eventsB.publications.length;
    await a.broker.publish(ch, '{"n":5}', undefined, {});
    await waitUntil(() => eventsB.publications.length === before + 1, 'delivery on the new master', 5000);
  });
});
