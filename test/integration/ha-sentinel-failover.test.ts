// Fault 2: Sentinel fails the Redis master over while three livehub processes, which know nothing
// but HAProxy's address, publish and deliver. HAProxy runs the repository's example configuration
// (examples/ha/haproxy.cfg with only the ports replaced; its tcp-check sends `info replication` and
// expects `role:master`). Counts of messages sent, received and signalled are printed per scenario.
//
// 1. The master dies (SIGKILL): Sentinel promotes the replica, HAProxy follows. Publishes while no
//    master is reachable are refused (never a silent 200), every subscriber is resubscribed (2500)
//    once its node is through to the new master, recoverable subscribers recover from the
//    replicated history, and every other loss is signalled.
// 2. A planned switchover (SENTINEL FAILOVER) while the old master stays up, nodes as shipped
//    (`ha_engine_wait_replicas = 0`) — a todo that shows the loss: with the example configuration
//    both servers pass the `role:master` check for ~10 s (Sentinel demotes the old master only some
//    seconds after promoting the replica), HAProxy balances new connections over two masters, and
//    publishes acknowledged with 200 by the old master are lost.
// 3. The same switchover back, with nodes started with `ha_engine_wait_replicas = 1`: a history
//    publish is acknowledged only once WAIT saw the replica take it. The old master lost its
//    replica at the promotion, so what it takes from then on is answered 503 (it may still reach
//    the subscribers on it: unacknowledged, not lost), and nothing acknowledged is lost: recoverable
//    subscribers get every acknowledged publication, other subscribers' losses are signalled.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Accounting, PublishLedger, Receiver } from '../../harness/gap-ledger.js';
import { startHaproxy, type Haproxy } from '../../harness/haproxy.js';
import { createRedisServer, type RedisServer } from '../../harness/redis.js';
import { startSentinelSetup, type SentinelSetup } from '../../harness/sentinel.js';
import { waitUntil } from '../../harness/wait.js';
import { disconnectAllClients } from '../helpers/centrifuge.js';
import { assertAccounted, startCluster, Traffic, type Cluster } from '../helpers/cluster.js';
import { assertRecoverableGotEveryAccepted, ledgerFor, recoverAndContinue, settleAndAccount, subscribeOnEveryNode } from '../helpers/fault-scenario.js';

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
    const nodes = cluster.nodes;
    const rec = `grafana/broadcast/failover-${tag}-rec`;
    const plain = `grafana/broadcast/failover-${tag}-plain`;
    const stream = { streamId: `failover${tag}`, measurement: 'm' };
    const subscribers = await subscribeOnEveryNode(nodes, { rec, plain, stream });
    const { receivers, kindOf } = subscribers;
    const traffic = new Traffic({ targets: () => nodes, token: cluster.tokens.editor, recoverableChannel: rec, plainChannel: plain, stream, intervalMs: 25 });
    const ledgerOf = (r: Receiver): PublishLedger => ledgerFor(traffic, kindOf(r));
    const states: string[] = [];
    traffic.start();
    try {
      await traffic.rounds(20);
      const newMaster = await failover(traffic);
      states.push(`right after: ${JSON.stringify(await haproxy.serverStates())}`);
      await haproxy.waitForOnlyUp(newMaster, 30_000);
      traffic.phase = 'haproxy switched';
      await recoverAndContinue(nodes, subscribers, traffic);
    } finally {
      await traffic.stop();
    }
    const rows = await settleAndAccount(name, traffic, receivers, ledgerOf, `HAProxy ${states.join('; ')}\n`);
    return { traffic, receivers, rows, ledgerOf };
  }

  /**
   * `waitReplicas`: with ha_engine_wait_replicas a publish answered 503 may have been written (the
   * replica did not confirm it): it may arrive, unacknowledged. And the two masters' histories part
   * at the promotion with such publications only, so a recoverable subscriber positioned in the old
   * master's part is told `recovered: false` (a signal, honest: it holds publications the new
   * master never had) — what it must not miss is any acknowledged publication.
   */
  function assertAccounting(outcome: Outcome, waitReplicas = false): void {
    for (const [i, row] of outcome.rows.entries()) {
      const ledger = outcome.ledgerOf(outcome.receivers[i]!);
      const inFlight = outcome.traffic.inFlightFailures(ledger);
      assert.ok(inFlight.length <= 1, `${row.subscriber}: one request at most was in flight at the failure (${inFlight.join(',')})`);
      const answered503 = waitReplicas ? ledger.attempts.filter((a) => a.status === 503).map((a) => a.seq) : [];
      assertAccounted(row, [...inFlight, ...answered503], waitReplicas ? 'the failure, or answered 503 (not confirmed by the replica)' : 'the failure');
    }
    for (const r of outcome.receivers.filter((x) => x.recoverable)) {
      const resubscribes = r.subscribedEvents.slice(1);
      if (!waitReplicas) assert.ok(resubscribes.every((e) => e.wasRecovering && e.recovered), `${r.label}: recovered (${JSON.stringify(r.subscribedEvents)})`);
      else process.stdout.write(`  ${r.label}: ${resubscribes.filter((e) => e.wasRecovering && e.recovered).length} of ${resubscribes.length} resubscribes recovered\n`);
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

  test('a planned switchover (SENTINEL FAILOVER) with the old master still up (ha_engine_wait_replicas = 0)', {
    todo: 'examples/ha/haproxy.cfg: for ~10 s after the promotion both servers pass the role:master check (Sentinel demotes the old master '
      + 'seconds later), HAProxy balances reconnects over two masters, and publishes acknowledged with 200 by the old master are lost '
      + '(recoverable subscribers get recovered: false) — with the shipped default ha_engine_wait_replicas = 0; the next test runs the same '
      + 'switchover with ha_engine_wait_replicas = 1, which loses nothing acknowledged',
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

  test('a planned switchover (SENTINEL FAILOVER) with the old master still up, ha_engine_wait_replicas = 1: nothing acknowledged is lost', async () => {
    // The previous test left `revived` as the master (or about to be) and `current` demoted to its replica.
    const [revivedPort, currentPort] = [sentinel.servers[0]!.port, sentinel.servers[1]!.port];
    await waitUntil(async () => (await sentinel.master()).port === revivedPort, 'the Sentinels to name the revived server master', 30_000, 100);
    await waitUntil(() => replicaLinkUp(currentPort), 'the old master back in sync as a replica', 30_000, 100);
    await haproxy.waitForOnlyUp(revivedPort, 30_000);
    // Nodes D, E, F with the option replace A, B, C.
    for (const node of cluster.nodes.splice(0)) await node.kill('SIGKILL');
    for (const name of ['D', 'E', 'F']) await cluster.add(name, { GF_LIVE_HA_ENGINE_WAIT_REPLICAS: '1', GF_LIVE_HA_ENGINE_WAIT_TIMEOUT: '500ms' });
    await cluster.seeEachOther();
    const outcome = await scenario('Planned switchover (SENTINEL FAILOVER) behind HAProxy, ha_engine_wait_replicas = 1: per subscriber (3 nodes x 3 channels)', 'wait', async (traffic) => {
      traffic.phase = 'switchover';
      const promoted = await sentinel.failover(30_000);
      assert.equal(promoted.port, currentPort);
      traffic.phase = 'promoted';
      return currentPort;
    });
    assertAccounting(outcome, true);
    // The option makes a 200 mean "in the replicated history": every recoverable subscriber has each
    // acknowledged publication (live or recovered). A subscriber that does not recover (the plain
    // channel's, the stream's: PUB/SUB is at most once) may miss one in flight while the nodes switch
    // masters, only signalled, as every loss must be (assertAccounting).
    assertRecoverableGotEveryAccepted(outcome.receivers, outcome.ledgerOf);
    // The old master lost its replica at the promotion: what it took from then on was refused.
    const refused = Object.entries(outcome.traffic.statusByPhase(outcome.traffic.recoverable)).filter(([phase]) => phase !== 'before' && phase !== 'after').reduce((n, [, counts]) => n + (counts['503'] ?? 0), 0);
    assert.ok(refused > 0, 'history publishes the old master took without a replica were answered 503');
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
