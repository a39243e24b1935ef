// Fault 2: Sentinel fails the Redis master over while three livehub processes, which know nothing
// but HAProxy's address, publish and deliver. HAProxy runs the repository's example configuration
// (examples/ha/haproxy.cfg with only the ports replaced; its tcp-check sends `info replication` and
// expects `role:master`). Counts of messages sent, received and signalled are printed per scenario.
//
// 1. The master dies (SIGKILL): Sentinel promotes the replica, HAProxy follows. Publishes while no
//    master is reachable are refused (never a silent 200), every subscriber is resubscribed (2500)
//    once its node is through to the new master, recoverable subscribers recover from the
//    replicated history, and every other loss is signalled.
// 2. A planned switchover (SENTINEL FAILOVER) while the old master stays up — a todo: with the
//    example configuration both servers pass the `role:master` check for ~10 s (Sentinel demotes the
//    old master only some seconds after promoting the replica), HAProxy balances new connections
//    over two masters, and publishes acknowledged with 200 by the old master are lost.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Subscription } from 'centrifuge';
import { Redis } from 'ioredis';
import { account, printTable, Receiver, type Accounting, type PublishLedger } from '../../harness/gap-ledger.js';
import { startHaproxy, type Haproxy } from '../../harness/haproxy.js';
import { createRedisServer, type RedisServer } from '../../harness/redis.js';
import { startSentinelSetup, type SentinelSetup } from '../../harness/sentinel.js';
import { waitUntil } from '../../harness/wait.js';
import { connected, disconnectAllClients, newClient, subscribed } from '../helpers/centrifuge.js';
import { assertAccounted, broadcastSeq, frameSeq, health, startCluster, Traffic, type Cluster } from '../helpers/cluster.js';

interface Outcome {
  readonly traffic: Traffic;
  readonly receivers: Receiver[];
  readonly rows: Accounting[];
  ledgerOf(receiver: Receiver): PublishLedger;
}

describe('fault: Sentinel failover of the master behind HAProxy (examples/ha/haproxy.cfg)', () => {
  let sentinel: SentinelSetup;
  let haproxy: Haproxy;
  let cluster: Cluster;
  const extraServers: RedisServer[] = [];

  before(async () => {
    sentinel = await startSentinelSetup();
    const [master, replica] = sentinel.servers as [RedisServer, RedisServer];
    haproxy = await startHaproxy([master.port, replica.port]);
    // HAProxy starts with every server UP and marks the replica DOWN only after its failed checks;
    // nodes connecting before that could land on the read-only replica.
    await haproxy.waitForOnlyUp(master.port);
    cluster = await startCluster({ names: ['A', 'B', 'C'], redisAddress: `127.0.0.1:${haproxy.ports.frontend}`, env: { GF_LIVE_HISTORY_SIZE: '1000' } });
    await cluster.seeEachOther();
  });

  after(async () => {
    disconnectAllClients();
    await cluster?.stop();
    await haproxy?.stop();
    await sentinel?.stop();
    await Promise.all(extraServers.map((s) => s.kill('SIGKILL')));
  });

  /** Clients on every node, steady traffic, the failover, recovery of the cluster, then the counts. */
  async function scenario(name: string, tag: string, failover: (traffic: Traffic) => Promise<number>): Promise<Outcome> {
    const rec = `grafana/broadcast/failover-${tag}-rec`;
    const plain = `grafana/broadcast/failover-${tag}-plain`;
    const stream = { streamId: `failover${tag}`, measurement: 'm' };
    const receivers: Receiver[] = [];
    const subs: Subscription[] = [];
    for (const node of cluster.nodes) {
      const c = newClient(node.wsUrl);
      await connected(c);
      const channels: Array<[string, boolean, (d: unknown) => number | undefined]> = [
        [`1/${rec}`, true, broadcastSeq],
        [`1/${plain}`, false, broadcastSeq],
        [`1/stream/${stream.streamId}/${stream.measurement}`, false, frameSeq],
      ];
      for (const [channel, recoverable, seqOf] of channels) {
        const sub = c.newSubscription(channel, { minResubscribeDelay: 100, maxResubscribeDelay: 1000, ...(recoverable ? { recoverable: true } : {}) });
        receivers.push(new Receiver(`${node.name} ${channel.split('/').pop()!.replace(`failover-${tag}-`, '')}`, node.name, recoverable, sub, c, seqOf));
        subs.push(sub);
        await subscribed(sub);
      }
    }
    const traffic = new Traffic({ targets: () => cluster.nodes, token: cluster.tokens.editor, recoverableChannel: rec, plainChannel: plain, stream, intervalMs: 25 });
    const ledgerOf = (r: Receiver) => (r.recoverable ? traffic.recoverable : r.label.endsWith(' m') ? traffic.stream! : traffic.plain);
    const states: string[] = [];
    traffic.start();
    try {
      await traffic.rounds(20);
      const newMaster = await failover(traffic);
      states.push(`right after: ${JSON.stringify(await haproxy.serverStates())}`);
      await haproxy.waitForOnlyUp(newMaster, 30_000);
      traffic.phase = 'haproxy switched';
      for (const node of cluster.nodes) {
        await waitUntil(async () => (await health(node)).status === 200, `${node.name} healthy through HAProxy again`, 20_000);
      }
      await waitUntil(() => receivers.every((r) => r.resubscribeCodes.includes(2500)), 'every subscriber told to resubscribe (2500)', 20_000, 20);
      await waitUntil(() => subs.every((s) => s.state === 'subscribed'), 'every subscription back', 15_000, 20);
      traffic.phase = 'after';
      await traffic.rounds(20);
    } finally {
      await traffic.stop();
    }
    await waitUntil(() => receivers.every((r) => {
      const accepted = ledgerOf(r).accepted;
      return r.recoverable ? accepted.every((s) => r.has(s)) : r.has(accepted[accepted.length - 1]!);
    }), 'deliveries to settle', 10_000, 50).catch(() => undefined); // the accounting below names what is missing
    const rows = receivers.map((r) => account(ledgerOf(r), r));
    printTable(name, rows);
    process.stdout.write(`publish status by phase:\n${traffic.ledgers.map((l) => `  ${l.channel}: ${JSON.stringify(traffic.statusByPhase(l))}`).join('\n')}\nHAProxy ${states.join('; ')}\n`);
    for (const r of receivers) {
      const missing = ledgerOf(r).accepted.filter((s) => !r.has(s));
      if (missing.length > 0) process.stdout.write(`  ${r.label}: accepted but not received: ${missing.length > 12 ? `${missing.slice(0, 12).join(',')},… (${missing.length})` : missing.join(',')}\n`);
    }
    return { traffic, receivers, rows, ledgerOf };
  }

  function assertAccounting(outcome: Outcome): void {
    for (const [i, row] of outcome.rows.entries()) {
      const inFlight = outcome.traffic.inFlightFailures(outcome.ledgerOf(outcome.receivers[i]!));
      assert.ok(inFlight.length <= 1, `${row.subscriber}: one request at most was in flight at the failure (${inFlight.join(',')})`);
      assertAccounted(row, inFlight, 'the failure');
    }
    for (const r of outcome.receivers.filter((x) => x.recoverable)) {
      assert.ok(r.subscribedEvents.slice(1).every((e) => e.wasRecovering && e.recovered), `${r.label}: recovered (${JSON.stringify(r.subscribedEvents)})`);
    }
  }

  test('the master dies: Sentinel promotes the replica, HAProxy follows, nodes resubscribe; counts add up', async () => {
    const [master, replica] = sentinel.servers as [RedisServer, RedisServer];
    const outcome = await scenario('Sentinel failover behind HAProxy, master SIGKILLed: per subscriber (3 nodes x 3 channels)', 'kill', async (traffic) => {
      await master.kill('SIGKILL');
      traffic.phase = 'no master';
      await waitUntil(async () => (await sentinel.master()).port === replica.port, 'the Sentinels to promote the replica', 30_000, 100);
      traffic.phase = 'promoted';
      return replica.port;
    });
    for (const ledger of outcome.traffic.ledgers) {
      const dead = outcome.traffic.statusByPhase(ledger)['no master'] ?? {};
      assert.equal(dead['200'], undefined, `${ledger.channel}: no 200 while no master was reachable (${JSON.stringify(dead)})`);
      assert.deepEqual(Object.keys(outcome.traffic.statusByPhase(ledger)['after'] ?? {}), ['200'], `${ledger.channel}: everything accepted after the switch`);
    }
    assertAccounting(outcome);
    for (const node of cluster.nodes) assert.ok(node.logsWith('live engine reconnected to redis').length >= 1, `${node.name} reconnected`);
  });

  test('a planned switchover (SENTINEL FAILOVER) with the old master still up', {
    todo: 'examples/ha/haproxy.cfg: for ~10 s after the promotion both servers pass the role:master check (Sentinel demotes the old master '
      + 'seconds later), HAProxy balances reconnects over two masters, and publishes acknowledged with 200 by the old master are lost '
      + '(recoverable subscribers get recovered: false); see the report',
  }, async () => {
    const [oldMaster, current] = sentinel.servers as [RedisServer, RedisServer];
    // Bring the dead server back as a replica of the current master, on its old port (HAProxy's redis_01).
    const revived = await createRedisServer({ port: oldMaster.port, args: ['--replicaof', '127.0.0.1', String(current.port)] });
    extraServers.push(revived);
    await revived.start();
    await waitUntil(() => replicaLinkUp(revived.port), 'the revived replica in sync', 15_000, 100);
    await haproxy.waitForOnlyUp(current.port);
    const outcome = await scenario('Planned switchover (SENTINEL FAILOVER) behind HAProxy: per subscriber (3 nodes x 3 channels)', 'switch', async (traffic) => {
      traffic.phase = 'switchover';
      const promoted = await sentinel.failover(30_000);
      assert.equal(promoted.port, revived.port);
      traffic.phase = 'promoted';
      return revived.port;
    });
    assertAccounting(outcome);
    for (const ledger of outcome.traffic.ledgers) {
      const readers = outcome.receivers.filter((r) => outcome.ledgerOf(r) === ledger);
      const reachedNobody = ledger.accepted.filter((s) => !readers.some((r) => r.has(s)));
      assert.deepEqual(reachedNobody, [], `${ledger.channel}: publishes acknowledged with 200 that reached no subscriber`);
    }
  });
});

async function replicaLinkUp(port: number): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return /^master_link_status:up\r?$/m.test(await client.info('replication'));
  } finally {
    client.disconnect();
  }
}
