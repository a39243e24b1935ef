// `[live] ha_engine_wait_replicas` on one master with one replica: history publishes are answered
// after WAIT confirmed the replica (one WAIT per batch, on a connection of their own), fail with a
// temporary error when it does not confirm in time, and never hold up the other commands.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { EngineUnavailableError, type NodeStats } from '../../src/engine/engine.js';
import { parseAddresses } from '../../src/engine/redis/address.js';
import { RedisEngine } from '../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../src/log/logger.js';
import { parseInfoCalls, startRedisServer, waitFor, type RedisServer } from '../helpers/redis-server.js';

const ZERO: NodeStats = { numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 };
const history = { size: 100, ttlSeconds: 60 };
let master: RedisServer;
let replica: RedisServer;
let admin: Redis;
let engine: RedisEngine;

async function replicaInSync(): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port: replica.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return /^master_link_status:up\r?$/m.test(await client.info('replication'));
  } finally {
    client.disconnect();
  }
}

before(async () => {
  master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  await waitFor(replicaInSync, 'the replica in sync', 10_000, 100);
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
  await waitFor(async () => /^connected_slaves:0\r?$/m.test(await admin.info('replication')), 'the master to notice', 10_000, 100);
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
  await waitFor(replicaInSync, 'the replica back in sync', 10_000, 100);
  const position = await engine.broker.publish(ch, '{"n":2}', undefined, { history });
  assert.equal(position?.offset, 2);
});
