// The engine contract on a real Redis Cluster (3 masters, 3 replicas: redis+cluster://), plus what
// is particular to it: every key of a channel and its sharded PUB/SUB channel in one slot, one
// SSUBSCRIBE per channel per node batched by slot (PUBSUB SHARDNUMSUB), control traffic across
// masters, and the gap rule when a slot's subscription moves (eviction by a slot migration, a lost
// connection, a failover): every hole is signalled before the next delivery.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Cluster } from 'ioredis';
import { EngineUnavailableError, type Engine, type EngineEventHandler, type NodeStats, type Publication } from '../../../src/engine/engine.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { RedisKeys } from '../../../src/engine/redis/keys.js';
import { slotOf } from '../../../src/engine/redis/partitions.js';
import { RedisEngine, type RedisEngineTimings } from '../../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../../src/log/logger.js';
import { SeqTracker } from '../../../harness/gap-ledger.js';
import { parseInfoCalls } from '../../../harness/redis.js';
import { startRedisCluster, type RedisClusterSetup } from '../../../harness/redis-cluster.js';
import { waitUntil } from '../../../harness/wait.js';
import { engineContract } from '../../engine/contract.js';

const ZERO: NodeStats = { numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
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

class Events implements EngineEventHandler {
  readonly publications: Array<{ channel: string; publication: Publication }> = [];
  readonly resubscribed: string[][] = [];
  onPublication(channel: string, publication: Publication): void {
    this.publications.push({ channel, publication });
  }
  onJoin(): void {}
  onLeave(): void {}
  onResubscribed(channels: readonly string[]): void {
    this.resubscribed.push([...channels]);
  }
  on(channel: string): Publication[] {
    return this.publications.filter((p) => p.channel === channel).map((p) => p.publication);
  }
}

/** Sum of a command's calls (INFO commandstats) over the masters. */
async function callsOnMasters(command: string): Promise<number> {
  let total = 0;
  for (const master of (await setup!.nodes()).filter((x) => x.role === 'master')) {
    total += parseInfoCalls(await setup!.admin(master.port).info('commandstats'), command);
  }
  return total;
}

async function shardNumsub(redisChannel: string): Promise<number> {
  const master = await setup!.masterOf(slotOf(redisChannel));
  const reply = (await setup!.admin(master.port).call('PUBSUB', 'SHARDNUMSUB', redisChannel)) as [string, number];
  return Number(reply[1]);
}

describe('redis cluster placement', () => {
  let a: RedisEngine;
  let b: RedisEngine;
  const eventsB = new Events();
  const prefix = `placement${process.pid}.gf_live`;

  before(async () => {
    await ensureSetup();
    a = newEngine(prefix);
    b = newEngine(prefix);
    await a.start(new Events(), () => ZERO);
    await b.start(eventsB, () => ZERO);
  });

  test('every name of a channel is in one slot on its master; SSUBSCRIBE batched by slot; SHARDNUMSUB = nodes', async () => {
    const channels = Array.from({ length: 60 }, (_, i) => `1/grafana/broadcast/placed-${i}`);
    const slots = new Set(channels.map((c) => slotOf(a.keys.client(c))));
    const ssubscribes = await callsOnMasters('ssubscribe');
    await a.broker.subscribe(channels);
    await b.broker.subscribe(channels);
    assert.equal((await callsOnMasters('ssubscribe')) - ssubscribes, 2 * slots.size, `one SSUBSCRIBE per slot and node (${slots.size} slots for ${channels.length} channels)`);
    for (const ch of channels) {
      await a.broker.publish(ch, '{}', undefined, { history: { size: 5, ttlSeconds: 60 } });
      await a.presence.add(ch, { user: '1', client: `c-${ch}` });
      await a.frames.push(ch, { schema: '{"schema":{}}', frame: '{"schema":{},"data":{}}', data: '{"data":{}}' });
      await a.store.set(`live_message.${ch}`, '{"last":1}', 60);
    }
    const masters = (await setup!.nodes()).filter((x) => x.role === 'master' && x.slots.length > 0);
    const used = new Set<number>();
    for (const ch of channels) {
      const k = a.keys;
      const names = [k.stream(ch), k.streamMeta(ch), k.presenceData(ch), k.presenceExpire(ch), k.managedStream(ch), k.value(`live_message.${ch}`), k.epochSeed(ch)];
      const slot = slotOf(k.client(ch));
      assert.deepEqual(names.map((name) => slotOf(name)), names.map(() => slot), `${ch}: one slot`);
      assert.ok(names.every((name) => name.includes(a.redisCluster!.partitions.tagOf(ch))), 'hash-tagged');
      const home = await setup!.masterOf(slot);
      used.add(home.port);
      assert.equal(await setup!.admin(home.port).exists(...names), names.length, `${ch}: every key on ${home.port}`);
      assert.equal(await shardNumsub(k.client(ch)), 2, `${ch}: one sharded subscription per node`);
    }
    assert.equal(used.size, masters.length, 'the channels spread over every master');
    await waitUntil(() => eventsB.publications.length === channels.length * 2, 'history publishes and frame pushes on B', 5000);
    await b.broker.unsubscribe(channels);
    assert.equal(await shardNumsub(a.keys.client(channels[0]!)), 1, 'B left');
  });

  test('concurrent subscribes of channels of one slot all end up subscribed', async () => {
    const first = '1/grafana/broadcast/same-slot-0';
    const partition = a.redisCluster!.partitions.partitionOf(first);
    const sameSlot = [first];
    for (let i = 1; sameSlot.length < 20; i++) {
      const ch = `1/grafana/broadcast/same-slot-${i}`;
      if (a.redisCluster!.partitions.partitionOf(ch) === partition) sameSlot.push(ch);
    }
    // One subscribe call per channel, all at once (the node subscribes per client subscription).
    await Promise.all(sameSlot.map((ch) => a.broker.subscribe([ch])));
    for (const ch of sameSlot) assert.equal(await shardNumsub(a.keys.client(ch)), 1, `${ch} subscribed`);
    await a.broker.unsubscribe(sameSlot);
  });

  test('standalone key names keep Grafana\'s layout (no hash tags outside cluster mode)', () => {
    const k = new RedisKeys('gf_live');
    assert.equal(k.stream('1/x'), 'gf_live.stream.1/x');
    assert.equal(k.client('1/x'), 'gf_live.client.1/x');
    assert.equal(k.epochSeed('1/x'), 'gf_live.epoch_seed');
  });

  test('heartbeats and surveys cross the masters (classic PUB/SUB over the cluster bus)', async () => {
    const p = `control${process.pid}.gf_live`;
    const timings = { heartbeatIntervalMs: 200, nodeExpiryMs: 1500, nodeCleanupMs: 300 };
    const nodes = ['x', 'y', 'z'].map((id) => newEngine(p, timings, `${id}-${process.pid}`));
    for (const e of nodes) {
      await e.start(new Events(), () => ZERO);
      e.cluster.onSurvey('who', async () => `"${e.cluster.nodeId}"`);
    }
    await waitUntil(() => nodes.every((e) => e.cluster.nodes().length === 3), 'every node to know the others', 5000);
    const result = await nodes[0]!.cluster.survey('who', '{}', 2000);
    assert.deepEqual(result.replies.map((r) => r.nodeId).sort(), nodes.map((e) => e.cluster.nodeId).sort());
    assert.deepEqual(result.missing, []);
    const got: string[] = [];
    nodes[2]!.cluster.onNotify('note', (payload) => got.push(payload));
    await nodes[0]!.cluster.notify('note', '"hello"');
    await waitUntil(() => got.length === 1, 'the notification', 3000);
  });
});

describe('redis cluster: moving subscriptions keep the gap rule', () => {
  test('slot migrations and a killed PUB/SUB connection under load: every hole is signalled before the next delivery', async () => {
    await ensureSetup();
    const p = `gap${process.pid}.gf_live`;
    const id = `gap-${process.pid}`;
    const watched = '1/grafana/broadcast/gap-watched';
    const order: Array<number | 'told'> = [];
    const events = new (class extends Events {
      override onPublication(channel: string, publication: Publication): void {
        super.onPublication(channel, publication);
        if (channel === watched) order.push(Number(publication.data));
      }
      override onResubscribed(list: readonly string[]): void {
        super.onResubscribed(list);
        if (list.includes(watched)) order.push('told');
      }
    })();
    const e = newEngine(p, {}, id);
    await e.start(events, () => ZERO);
    const redisChannel = e.keys.client(watched);
    const slot = slotOf(redisChannel);
    // More channels, among them others of the watched slot.
    const channels = [watched, ...Array.from({ length: 300 }, (_, i) => `1/grafana/broadcast/gap-${i}`)];
    await e.broker.subscribe(channels);
    const publisher = new Cluster(setup!.address.replace('redis+cluster://', '').split(',').map((hp) => ({ host: '127.0.0.1', port: Number(hp.split(':')[1]) })), { maxRedirections: 50, retryDelayOnMoved: 10 });
    publisher.on('error', () => undefined);
    let seq = 0;
    let publishing = true;
    let failed = 0;
    const loop = (async () => {
      while (publishing) {
        try {
          await Promise.all(Array.from({ length: 5 }, () => publisher.spublish(redisChannel, `{"v":1,"t":"p","d":${++seq}}`)));
        } catch {
          failed++;
        }
        await sleep(2);
      }
    })();
    try {
      const moves = 3;
      for (let k = 1; k <= moves; k++) {
        const seen = order.length;
        await waitUntil(() => order.length > seen + 20, 'deliveries before the move', 5000);
        const masters = (await setup!.nodes()).filter((x) => x.role === 'master' && x.slots.length > 0);
        const from = await setup!.masterOf(slot);
        const to = masters.find((m) => m.port !== from.port)!;
        await setup!.migrateSlot(slot, to.port);
        await waitUntil(() => e.redisCluster!.pubsub.placedOn(slot) === `127.0.0.1:${to.port}` && order.lastIndexOf('told') > seen, `the subscription to follow slot ${slot} to ${to.port}`, 10_000);
      }
      // And a lost connection: the node's SSUBSCRIBE connection to the slot's master is killed.
      const home = await setup!.masterOf(slot);
      const told = order.filter((x) => x === 'told').length;
      const list = String(await setup!.admin(home.port).call('CLIENT', 'LIST'));
      const connectionId = /^id=(\d+) .* name=(\S+) /m.exec(list.split('\n').find((l) => l.includes(`name=livehub:${id}:ssub:127.0.0.1:${home.port} `)) ?? '')?.[1];
      assert.ok(connectionId !== undefined, 'the node\'s sharded subscriber connection on the slot\'s master');
      await setup!.admin(home.port).call('CLIENT', 'KILL', 'ID', connectionId);
      await waitUntil(() => order.filter((x) => x === 'told').length > told, 'the resubscribe after the lost connection', 10_000);
      const last = order.length;
      await waitUntil(() => order.length > last + 20, 'deliveries after the last resubscribe', 5000);
    } finally {
      publishing = false;
      await loop;
      publisher.disconnect();
    }
    const tracker = new SeqTracker();
    for (const item of order) {
      if (item === 'told') tracker.signal();
      else tracker.receive(item);
    }
    assert.deepEqual([tracker.duplicates, tracker.late], [0, 0], 'each once, in order');
    assert.equal(tracker.gapsSilent, 0, 'deliveries that followed a hole nobody was told about');
    const signalled = tracker.gapsSignalled;
    process.stdout.write(`gap rule on the cluster: ${seq} published (${failed} batches failed), ${order.filter((x) => x !== 'told').length} delivered, ${order.filter((x) => x === 'told').length} signals, ${signalled} holes (all signalled), ${e.counters.heldBeforeResubscribeSignal} held back, ${e.redisCluster!.pubsub.strayMessages} stray\n`);
  });

  test('a manual failover (CLUSTER FAILOVER): subscriptions and publishes follow the new master', async () => {
    await ensureSetup();
    const p = `failover${process.pid}.gf_live`;
    const eventsB = new Events();
    const a = newEngine(p);
    const b = newEngine(p);
    await a.start(new Events(), () => ZERO);
    await b.start(eventsB, () => ZERO);
    const ch = '1/grafana/broadcast/cluster-failover';
    await b.broker.subscribe([ch]);
    const history = { size: 10, ttlSeconds: 60 };
    await a.broker.publish(ch, '{"n":1}', undefined, { history });
    await waitUntil(() => eventsB.on(ch).length === 1, 'delivery before the failover', 5000);
    const slot = slotOf(a.keys.client(ch));
    const master = await setup!.masterOf(slot);
    const replica = await setup!.replicaOf(master.port);
    await setup!.failover(replica.port);
    await waitUntil(() => b.redisCluster!.pubsub.placedOn(slot) === `127.0.0.1:${replica.port}` && eventsB.resubscribed.some((list) => list.includes(ch)), 'B to follow the slot to the new master', 10_000);
    await waitUntil(async () => {
      await a.broker.publish(ch, '{"n":2}', undefined, { history });
      return true;
    }, 'publishes to work on the new master', 10_000, 100);
    await waitUntil(() => eventsB.on(ch).some((x) => x.data === '{"n":2}'), 'delivery after the failover', 5000);
    const got = eventsB.on(ch);
    assert.deepEqual(got.map((x) => x.offset), [1, 2], 'the history continued on the promoted replica (manual failover: nothing lost)');
    assert.equal(await shardNumsub(b.keys.client(ch)), 1, 'one sharded subscription, on the new master');
  });
});

/** A started engine with ha_engine_wait_replicas on the test cluster. */
async function waitingEngine(name: string, waitReplicas: { replicas: number; timeoutMs: number }): Promise<RedisEngine> {
  await ensureSetup();
  const engine = new RedisEngine({
    shards: parseAddresses({ address: setup!.address }),
    prefix: `${name}${process.pid}.gf_live`,
    self: { id: `${name}-${process.pid}`, name, version: '0' },
    log: createLogger('error'),
    timings: { maxReconnectDelayMs: 300, connectTimeoutMs: 500, commandTimeoutMs: 2000 },
    waitReplicas,
  });
  engines.push(engine);
  await engine.start(new Events(), () => ZERO);
  return engine;
}

describe('redis cluster: ha_engine_wait_replicas', () => {
  test('history publishes are acknowledged after WAIT on the master that took them, one WAIT per batch', async () => {
    await ensureSetup();
    const engine = await waitingEngine('wait', { replicas: 1, timeoutMs: 1000 });
    const history = { size: 100, ttlSeconds: 60 };
    const channels = Array.from({ length: 30 }, (_, i) => `1/grafana/broadcast/wait-${i}`);
    const waits = await callsOnMasters('wait');
    const positions = await Promise.all(channels.flatMap((ch) => [1, 2, 3].map(() => engine.broker.publish(ch, '{}', undefined, { history }))));
    assert.equal(positions.length, 90);
    for (const ch of channels) {
      const top = await engine.broker.history(ch, { limit: 0 }, history);
      assert.equal(top.position.offset, 3, `${ch}: three acknowledged publishes`);
    }
    const stats = engine.replicaAckStats!;
    const masters = (await setup!.nodes()).filter((x) => x.role === 'master' && x.slots.length > 0).length;
    assert.equal(stats.writes, 90);
    assert.ok(stats.batches <= masters * 2, `a few batches (one WAIT each) for 90 publishes in one turn: ${stats.batches}`);
    assert.equal((await callsOnMasters('wait')) - waits, stats.batches, 'one WAIT per batch, on the masters');
    assert.equal(stats.notReplicated, 0);
  });

  test('more replicas than a master has: written, but answered with a temporary error after the timeout', async () => {
    await ensureSetup();
    const engine = await waitingEngine('wait2', { replicas: 2, timeoutMs: 150 });
    const history = { size: 10, ttlSeconds: 60 };
    const t0 = Date.now();
    await assert.rejects(engine.broker.publish('1/grafana/broadcast/wait-two', '{}', undefined, { history }), (err: unknown) => err instanceof EngineUnavailableError && /not acknowledged: 1 of 2 replica/.test(String((err as Error).cause)));
    assert.ok(Date.now() - t0 >= 140, 'waited for the timeout');
    assert.equal(engine.counters.notReplicated, 1);
    // Plain publishes (no history) do not wait.
    await engine.broker.publish('1/grafana/broadcast/wait-two', '{}', undefined, {});
  });
});
