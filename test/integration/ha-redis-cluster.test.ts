// Faults of a Redis Cluster (3 masters + 3 replicas, redis+cluster://) under publish load, with
// three livehub processes and real centrifuge clients on each (a recoverable channel, a plain
// channel and a managed stream, all three in the slots of ONE master, the one the fault hits). The
// nodes run with `ha_engine_wait_replicas = 1`: a publish acknowledged with 200 is on a replica.
// Counts of messages sent, acknowledged, received, lost (signalled / silently) and duplicated are
// printed per scenario.
//
// 1. Planned switchover: CLUSTER FAILOVER on the master's replica while the old master stays up.
//    Nothing acknowledged on the recoverable channel may be lost, and its subscribers recover; the
//    plain channel and the stream may lose a publication in flight, signalled.
// 2. Slot migration while publishing: the channels' slots move to another master (SETSLOT
//    MIGRATING/IMPORTING, MIGRATE, SETSLOT NODE); subscriptions follow, every hole is signalled.
// 3. The master dies (SIGKILL): its replica is promoted; history publishes of that shard are
//    refused (no replica left to confirm them) until the dead node is back as a replica. Nothing
//    acknowledged is lost; every loss of the plain channel is signalled.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Accounting, PublishLedger, Receiver } from '../../harness/gap-ledger.js';
import { startRedisCluster, type RedisClusterSetup } from '../../harness/redis-cluster.js';
import { redisPrefix } from '../../src/engine/redis/keys.js';
import { PartitionTable, slotOf } from '../../src/engine/redis/partitions.js';
import { disconnectAllClients } from '../helpers/centrifuge.js';
import { assertAccounted, startCluster, Traffic, type Cluster } from '../helpers/cluster.js';
import { assertRecoverableGotEveryAccepted, ledgerFor, recoverAndContinue, settleAndAccount, subscribeOnEveryNode, type FaultChannels } from '../helpers/fault-scenario.js';

interface Channels extends FaultChannels {
  /** The slots of the three channels' Redis names (they may share one). */
  readonly slots: number[];
  /** The master all three slots are on. */
  readonly masterPort: number;
}

interface Outcome {
  readonly traffic: Traffic;
  readonly receivers: Receiver[];
  readonly rows: Accounting[];
  ledgerOf(receiver: Receiver): PublishLedger;
}

const partitions = new PartitionTable();
const prefix = redisPrefix('');

/** Slot of a full channel's sharded PUB/SUB channel (all its keys share it: keys.ts). */
function slotOfChannel(full: string): number {
  return slotOf(`${prefix}.client.${partitions.tagOf(full)}.${full}`);
}

describe('fault: Redis Cluster failover, planned switchover and resharding under load (ha_engine_wait_replicas = 1)', () => {
  let redis: RedisClusterSetup;
  let cluster: Cluster;

  before(async () => {
    redis = await startRedisCluster();
    cluster = await startCluster({
      names: ['A', 'B', 'C'],
      redisAddress: redis.address,
      env: { GF_LIVE_HISTORY_SIZE: '1000', GF_LIVE_HA_ENGINE_WAIT_REPLICAS: '1', GF_LIVE_HA_ENGINE_WAIT_TIMEOUT: '500ms' },
    });
    await cluster.seeEachOther();
  });

  after(async () => {
    disconnectAllClients();
    await cluster?.stop();
    await redis?.stop();
  });

  /** Channel names of a scenario whose three slots are served by one master. */
  async function channelsOnOneMaster(tag: string): Promise<Channels> {
    for (let i = 0; i < 500; i++) {
      const rec = `grafana/broadcast/cl-${tag}-${i}-rec`;
      const plain = `grafana/broadcast/cl-${tag}-${i}-plain`;
      const stream = { streamId: `cl${tag}${i}`, measurement: 'm' };
      const slots = [`1/${rec}`, `1/${plain}`, `1/stream/${stream.streamId}/${stream.measurement}`].map(slotOfChannel);
      const masters = await Promise.all(slots.map((s) => redis.masterOf(s)));
      if (masters.every((m) => m.port === masters[0]!.port)) return { rec, plain, stream, slots, masterPort: masters[0]!.port };
    }
    throw new Error('no channel names on one master');
  }

  /** Clients on every node, steady traffic, the fault, recovery, then the counts. */
  async function scenario(name: string, channels: Channels, fault: (traffic: Traffic) => Promise<void>): Promise<Outcome> {
    const subscribers = await subscribeOnEveryNode(cluster.nodes, channels);
    const { receivers, kindOf } = subscribers;
    const traffic = new Traffic({ targets: () => cluster.nodes, token: cluster.tokens.editor, recoverableChannel: channels.rec, plainChannel: channels.plain, stream: channels.stream, intervalMs: 20 });
    const ledgerOf = (r: Receiver): PublishLedger => ledgerFor(traffic, kindOf(r));
    traffic.start();
    try {
      await traffic.rounds(20);
      await fault(traffic);
      await recoverAndContinue(cluster.nodes, subscribers, traffic);
    } finally {
      await traffic.stop();
    }
    const rows = await settleAndAccount(name, traffic, receivers, ledgerOf);
    return { traffic, receivers, rows, ledgerOf };
  }

  /**
   * The rule of every scenario: nothing twice, nothing out of order, no silent loss, and nothing
   * acknowledged lost for recoverable subscribers. A publish answered 503 may have been written
   * (WAIT did not confirm the replica, or the connection broke after the write): it may arrive.
   */
  function assertAccounting(outcome: Outcome): void {
    for (const [i, row] of outcome.rows.entries()) {
      const ledger = outcome.ledgerOf(outcome.receivers[i]!);
      const mayArrive = ledger.attempts.filter((a) => a.status === 503 || a.status === 0).map((a) => a.seq);
      assertAccounted(row, mayArrive, 'a publish answered 503 (or not at all)');
    }
  }

  test('planned switchover (CLUSTER FAILOVER) with the old master up: nothing acknowledged on the recoverable channel is lost, its subscribers recover, other losses are signalled', async () => {
    const channels = await channelsOnOneMaster('switch');
    const replica = await redis.replicaOf(channels.masterPort);
    const outcome = await scenario(`Redis Cluster planned switchover (CLUSTER FAILOVER ${channels.masterPort} → ${replica.port}): per subscriber (3 nodes x 3 channels)`, channels, async (traffic) => {
      traffic.phase = 'switchover';
      await redis.failover(replica.port);
      traffic.phase = 'promoted';
    });
    assertAccounting(outcome);
    // A plain channel or stream keeps no history: a publication in flight while the shard switches
    // may reach nobody, allowed only when signalled (assertAccounting).
    assertRecoverableGotEveryAccepted(outcome.receivers, outcome.ledgerOf);
    for (const r of outcome.receivers.filter((x) => x.recoverable)) {
      assert.ok(r.subscribedEvents.slice(1).every((e) => e.wasRecovering && e.recovered), `${r.label}: recovered (${JSON.stringify(r.subscribedEvents)})`);
    }
  });

  test('slot migration while publishing: subscriptions follow the slots, every hole is signalled, recoverable subscribers recover', async () => {
    const channels = await channelsOnOneMaster('reshard');
    const masters = (await redis.nodes()).filter((n) => n.role === 'master' && n.slots.length > 0);
    const to = masters.find((m) => m.port !== channels.masterPort)!;
    let keys = 0;
    const outcome = await scenario(`Redis Cluster resharding (the channels' ${new Set(channels.slots).size} slot(s) ${channels.masterPort} → ${to.port}): per subscriber (3 nodes x 3 channels)`, channels, async (traffic) => {
      traffic.phase = 'migrating';
      for (const slot of new Set(channels.slots)) keys += await redis.migrateSlot(slot, to.port, () => new Promise((r) => setTimeout(r, 20)));
      traffic.phase = 'migrated';
    });
    process.stdout.write(`keys migrated: ${keys}\n`);
    // A plain publication that reaches the new owner before this node's subscription moved there
    // is lost for its subscribers, who are told (2500): counted as lost + signalled.
    assertAccounting(outcome);
    for (const r of outcome.receivers.filter((x) => x.recoverable)) {
      assert.ok(r.subscribedEvents.slice(1).every((e) => e.wasRecovering && e.recovered), `${r.label}: recovered (${JSON.stringify(r.subscribedEvents)})`);
    }
  });

  test('the master dies: its replica is promoted, nothing acknowledged is lost, every loss is signalled', async () => {
    const channels = await channelsOnOneMaster('kill');
    const victim = redis.server(channels.masterPort);
    const outcome = await scenario(`Redis Cluster master SIGKILLed (${channels.masterPort}), replica promoted, then back as a replica: per subscriber (3 nodes x 3 channels)`, channels, async (traffic) => {
      await victim.kill('SIGKILL');
      traffic.phase = 'no master';
      await redis.waitForPromotion(channels.masterPort);
      traffic.phase = 'promoted, no replica';
      await traffic.rounds(10);
      traffic.phase = 'replica restarting';
      await victim.start(); // rejoins as a replica of the promoted node (nodes.conf), syncs
      await redis.waitHealthy();
      traffic.phase = 'replica back';
    });
    const byPhase = outcome.traffic.statusByPhase(outcome.traffic.recoverable);
    assert.equal(byPhase['no master']?.['200'], undefined, 'no recoverable publish acknowledged while the shard had no master');
    // Phases are those at send time: the request in flight when the dead node came back as a
    // replica may be confirmed by it within the WAIT timeout, so at most that one.
    assert.ok((byPhase['promoted, no replica']?.['200'] ?? 0) <= 1, 'none while the new master had no replica to confirm it');
    assert.ok((byPhase['promoted, no replica']?.['503'] ?? 0) > 0, 'refused with 503 meanwhile');
    for (const ledger of outcome.traffic.ledgers) {
      assert.deepEqual(Object.keys(outcome.traffic.statusByPhase(ledger)['after'] ?? {}), ['200'], `${ledger.channel}: everything accepted after recovery`);
    }
    assertAccounting(outcome);
  });
});
