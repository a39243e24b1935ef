// `[live] ha_engine_wait_replicas` on one master with one replica: history publishes are answered
// after WAIT confirmed the replica (one WAIT per batch, on a connection of their own), fail with a
// temporary error when it does not confirm in time, and never hold up the other commands; after a
// promotion the old master's unconfirmed offsets are never continued under the same epoch.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { EngineUnavailableError, UnrecoverablePositionError, type NodeStats } from '../../../src/engine/engine.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { RedisEngine } from '../../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../../src/log/logger.js';
import { parseInfoCalls, startRedisServer, type RedisServer } from '../../../harness/redis.js';
import { waitUntil } from '../../../harness/wait.js';

const ZERO: NodeStats = { numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 };
const history = { size: 100, ttlSeconds: 60 };
let master: RedisServer;
let replica: RedisServer;
let admin: Redis;
let engine: RedisEngine;

/** A write on the master the replica confirms (WAIT): the replica loaded its initial sync. */
async function replicaInSync(): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port: master.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.set(`probe${process.pid}`, '1');
    return Number(await client.call('WAIT', '1', '200')) >= 1;
  } finally {
    client.disconnect();
  }
}

before(async () => {
  master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  await waitUntil(replicaInSync, 'the replica in sync', 10_000, 100);
  admin = new Redis({ host: '127.0.0.1', port: master.port });
  engine = new RedisEngine({
    shards: parseAddresses({ address: `127.0.0.1:${master.port}` }),
    prefix: `wait${process.pid}.gf_live`,
    self: { id: 'wait-node', name: 'wait', version: '0' },
    log: createLogger('error'),
    timings: { maxReconnectDelayMs: 200, connectTimeoutMs: 500, commandTimeoutMs: 2000 },
    waitReplicas: { replicas: 1, timeoutMs: 300 },
  });
  await engine.start({ onPublication() {}, onJoin() {}, onLeave() {} }, () => ZERO);
});

after(async () => {
  await engine?.close();
  admin?.disconnect();
  await Promise.all([master?.kill('SIGKILL'), replica?.kill('SIGKILL')]);
});

test('a turn of history publishes: one pipeline and one WAIT for all of them, on the ack connection', async () => {
  await engine.broker.publish('1/grafana/broadcast/wait-warm', '{}', undefined, { history }); // scripts cached
  const waits = parseInfoCalls(await admin.info('commandstats'), 'wait');
  const stats0 = { ...engine.replicaAckStats! };
  const channels = Array.from({ length: 50 }, (_, i) => `1/grafana/broadcast/wait-${i}`);
  const positions = await Promise.all(channels.flatMap((ch) => [1, 2].map(() => engine.broker.publish(ch, '{"x":1}', undefined, { history }))));
  assert.equal(positions.length, 100);
  const stats = engine.replicaAckStats!;
  assert.equal(stats.writes - stats0.writes, 100);
  assert.equal(stats.batches - stats0.batches, 1, 'one batch');
  assert.equal(parseInfoCalls(await admin.info('commandstats'), 'wait') - waits, 1, 'one WAIT');
  const clients = String(await admin.call('CLIENT', 'LIST'));
  assert.match(clients, /name=livehub:wait-node:ack:0 .*cmd=wait/, 'WAIT ran on the acknowledged-write connection');
});

test('the replica is gone: publishes are written but answered with a temporary error; other commands do not wait', async () => {
  await replica.kill('SIGKILL');
  await waitUntil(async () => /^connected_slaves:0\r?$/m.test(await admin.info('replication')), 'the master to notice', 10_000, 100);
  const ch = '1/grafana/broadcast/wait-alone';
  const t0 = Date.now();
  const pending = engine.broker.publish(ch, '{"lost?":1}', undefined, { history });
  // Meanwhile the command connection serves everything else at once.
  await engine.broker.publish(ch, '{"plain":1}', undefined, {});
  await engine.presence.stats(ch);
  assert.ok(Date.now() - t0 < 250, `other commands did not wait for WAIT (${Date.now() - t0} ms)`);
  await assert.rejects(pending, EngineUnavailableError);
  assert.ok(Date.now() - t0 >= 290, 'answered after the WAIT timeout');
  assert.equal(engine.counters.notReplicated, 1);
  const top = await engine.broker.history(ch, { limit: 0 }, history);
  assert.equal(top.position.offset, 1, 'written on the master all the same (the error means "not known to be replicated")');

  await replica.start();
  await waitUntil(replicaInSync, 'the replica back in sync', 10_000, 100);
  const position = await engine.broker.publish(ch, '{"n":2}', undefined, { history });
  assert.equal(position?.offset, 2);
});

test('after a promotion the old master\'s unconfirmed offsets are never continued; confirmed positions are', async () => {
  const old = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  const promoted = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0', '--replicaof', '127.0.0.1', String(old.port)] });
  const clients: Redis[] = [];
  const on = (port: number): Redis => {
    const c = new Redis({ host: '127.0.0.1', port });
    clients.push(c);
    return c;
  };
  const engineOn = (port: number, id: string): RedisEngine => new RedisEngine({
    shards: parseAddresses({ address: `127.0.0.1:${port}` }),
    prefix: `lineage${process.pid}.gf_live`,
    self: { id, name: id, version: '0' },
    log: createLogger('error'),
    timings: { maxReconnectDelayMs: 200, connectTimeoutMs: 500, commandTimeoutMs: 2000 },
    waitReplicas: { replicas: 1, timeoutMs: 200 },
  });
  const ch = '1/grafana/broadcast/lineage';
  const empty = '1/grafana/broadcast/lineage-empty';
  const onOld = engineOn(old.port, 'on-old');
  let onNew: RedisEngine | undefined;
  try {
    // A write the replica confirms: it loaded the initial sync and answers WAIT.
    const replicaOnline = async (master: number): Promise<boolean> => {
      await on(master).set(`probe${process.pid}`, '1');
      return Number(await on(master).call('WAIT', '1', '200')) >= 1;
    };
    await waitUntil(() => replicaOnline(old.port), 'the replica in sync', 10_000, 100);
    await onOld.start({ onPublication() {}, onJoin() {}, onLeave() {} }, () => ZERO);
    for (let i = 1; i <= 3; i++) await onOld.broker.publish(ch, `{"n":${i}}`, undefined, { history });
    const confirmed = (await onOld.broker.history(ch, { limit: 0 }, history)).position;
    const emptyBefore = (await onOld.broker.history(empty, { limit: 0 }, history)).position;
    assert.equal(confirmed.offset, 3);

    // The replica is promoted while the old master goes on taking writes: written there, never confirmed.
    await on(promoted.port).call('REPLICAOF', 'NO', 'ONE');
    await waitUntil(async () => /^connected_slaves:0\r?$/m.test(await on(old.port).info('replication')), 'the old master to lose its replica', 10_000, 50);
    for (let i = 4; i <= 5; i++) await assert.rejects(onOld.broker.publish(ch, `{"n":${i}}`, undefined, { history }), EngineUnavailableError);
    const unconfirmed = (await onOld.broker.history(ch, { limit: 0 }, history)).position;
    assert.equal(unconfirmed.offset, 5, 'offsets 4 and 5 were handed out by the old master alone');
    await onOld.broker.publish(empty, '{"phantom":1}', undefined, { history }).catch(() => undefined);

    // The old master becomes a replica of the new one (its own writes are gone); nodes move over.
    await on(old.port).call('REPLICAOF', '127.0.0.1', String(promoted.port));
    await waitUntil(() => replicaOnline(promoted.port), 'the old master in sync as a replica', 10_000, 100);
    onNew = engineOn(promoted.port, 'on-new');
    await onNew.start({ onPublication() {}, onJoin() {}, onLeave() {} }, () => ZERO);
    const next = await onNew.broker.publish(ch, '{"n":"new 4"}', undefined, { history });
    assert.equal(next?.offset, 4, 'offsets continue from what the new master has');
    assert.notEqual(next?.epoch, confirmed.epoch, 'under a new epoch: offset 4 of the old one meant something else');

    const fromConfirmed = await onNew.broker.history(ch, { since: confirmed, limit: 10 }, history);
    assert.deepEqual(fromConfirmed.publications.map((p) => [p.offset, p.data]), [[4, '{"n":"new 4"}']], 'a confirmed position continues into the new epoch');
    assert.equal(fromConfirmed.position.epoch, next?.epoch);
    await assert.rejects(onNew.broker.history(ch, { since: unconfirmed, limit: 10 }, history), UnrecoverablePositionError, 'a position only the old master handed out is refused');
    await onNew.broker.publish(ch, '{"n":"new 5"}', undefined, { history });
    await assert.rejects(onNew.broker.history(ch, { since: unconfirmed, limit: 10 }, history), UnrecoverablePositionError, 'also once the new master passed that offset');

    // A channel that was empty on the old master: offset 0 there continues, a later offset does not.
    const emptyNow = await onNew.broker.history(empty, { since: emptyBefore, limit: 10 }, history);
    assert.deepEqual(emptyNow.position.offset, 0);
    await assert.rejects(onNew.broker.history(empty, { since: { offset: 1, epoch: emptyBefore.epoch }, limit: 10 }, history), UnrecoverablePositionError);
  } finally {
    await onOld.close();
    await onNew?.close();
    for (const c of clients) c.disconnect();
    await Promise.all([old.kill('SIGKILL'), promoted.kill('SIGKILL')]);
  }
});
