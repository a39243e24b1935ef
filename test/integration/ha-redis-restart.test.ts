// Fault 1: Redis killed (SIGKILL) and restarted while three livehub processes publish and deliver.
// During the outage every publish is refused (HTTP 503 / WS error 100, never a silent 200) and
// /api/health answers 503; after the restart every subscriber is told to resubscribe (2500),
// recoverable subscribers recover what they missed from history (Redis runs with AOF, so history
// and epochs survive), and every message anyone missed is covered by a signal. The message counts
// are printed as a table.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, Subscription } from 'centrifuge';
import { account, printTable, Receiver } from '../../harness/gap-ledger.js';
import { createRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil } from '../../harness/wait.js';
import { connected, disconnectAllClients, newClient, subscribed } from '../helpers/centrifuge.js';
import { assertAccounted, broadcastSeq, frameSeq, health, startCluster, Traffic, type Cluster } from '../helpers/cluster.js';

const REC = 'grafana/broadcast/fault-restart-rec';
const PLAIN = 'grafana/broadcast/fault-restart-plain';
const STREAM = { streamId: 'faultrestart', measurement: 'm' };
const SUB_OPTIONS = { minResubscribeDelay: 100, maxResubscribeDelay: 1000 };

describe('fault: Redis killed and restarted mid-stream', () => {
  let redis: RedisServer;
  let cluster: Cluster;
  const subs: Subscription[] = [];
  /** HTTP statuses of broadcast publishes while Redis was down (for the todo test). */
  const outageStatuses: string[] = [];

  before(async () => {
    // AOF with fsync on every write: history and epochs survive the kill, so recovery is truthful.
    redis = await createRedisServer({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    await redis.start();
    cluster = await startCluster({ names: ['A', 'B', 'C'], redisAddress: `127.0.0.1:${redis.port}`, env: { GF_LIVE_HISTORY_SIZE: '1000' } });
    await cluster.seeEachOther();
  });

  after(async () => {
    disconnectAllClients();
    await cluster?.stop();
    await redis?.kill('SIGKILL');
  });

  test('outage refused loudly, health follows Redis, 2500 resubscribe and recovery afterwards; counts add up', async () => {
    const receivers: Receiver[] = [];
    const clients: Centrifuge[] = [];
    for (const node of cluster.nodes) {
      const c = newClient(node.wsUrl);
      await connected(c);
      clients.push(c);
      const channels: Array<[string, boolean, (d: unknown) => number | undefined]> = [
        [`1/${REC}`, true, broadcastSeq],
        [`1/${PLAIN}`, false, broadcastSeq],
        [`1/stream/${STREAM.streamId}/${STREAM.measurement}`, false, frameSeq],
      ];
      for (const [channel, recoverable, seqOf] of channels) {
        const sub = c.newSubscription(channel, { ...SUB_OPTIONS, ...(recoverable ? { recoverable: true } : {}) });
        const label = `${node.name} ${channel.split('/').slice(-1)[0]}`;
        receivers.push(new Receiver(label, node.name, recoverable, sub, c, seqOf));
        subs.push(sub);
        await subscribed(sub);
      }
    }

    const traffic = new Traffic({ targets: () => cluster.nodes, token: cluster.tokens.editor, recoverableChannel: REC, plainChannel: PLAIN, stream: STREAM, intervalMs: 25 });
    traffic.start();
    try {
      await traffic.rounds(20);

      // ---- Redis dies ----
      await redis.kill('SIGKILL');
      traffic.phase = 'outage';
      const healthDown: Record<string, { status: number; state: string }> = {};
      for (const node of cluster.nodes) {
        await waitUntil(async () => (await health(node)).status === 503, `${node.name} /api/health 503`, 10_000);
        healthDown[node.name] = await health(node);
      }
      // A publish over WebSocket is refused with the temporary error 100 (the client retries).
      const wsError = await clients[0]!.publish(`1/${PLAIN}`, { ws: true }).then(
        () => undefined,
        (err: { code: number; temporary?: boolean }) => err,
      );
      await traffic.rounds(15);

      // ---- Redis is back (same data: AOF) ----
      traffic.phase = 'restarting';
      await redis.start();
      traffic.phase = 'after';
      for (const node of cluster.nodes) {
        await waitUntil(async () => (await health(node)).status === 200, `${node.name} /api/health 200 again`, 20_000);
      }
      await waitUntil(() => receivers.every((r) => r.resubscribeCodes.includes(2500)), 'every subscriber told to resubscribe (2500)', 15_000, 20);
      await waitUntil(() => subs.every((s) => s.state === 'subscribed'), 'every subscription back', 15_000, 20);
      await traffic.rounds(20);
      await traffic.stop();

      // Recoverable subscribers end up with everything; the others at least with the last message.
      await waitUntil(() => receivers.every((r) => {
        const accepted = (r.recoverable ? traffic.recoverable : r.label.endsWith(' m') ? traffic.stream! : traffic.plain).accepted;
        return r.recoverable ? accepted.every((s) => r.has(s)) : r.has(accepted[accepted.length - 1]!);
      }), 'deliveries to settle', 15_000, 50);

      const ledgerOf = (r: Receiver) => (r.recoverable ? traffic.recoverable : r.label.endsWith(' m') ? traffic.stream! : traffic.plain);
      const rows = receivers.map((r) => account(ledgerOf(r), r));
      printTable('Redis killed and restarted: per subscriber (3 nodes x 3 channels)', rows);
      process.stdout.write(`publish status by phase:\n${traffic.ledgers.map((l) => `  ${l.channel}: ${JSON.stringify(traffic.statusByPhase(l))}`).join('\n')}\n`);
      process.stdout.write(`health while down: ${JSON.stringify(healthDown)}; WS publish while down: ${JSON.stringify(wsError)}\n`);

      // Never a silent 200 while Redis was dead.
      for (const ledger of traffic.ledgers) {
        const outage = traffic.statusByPhase(ledger)['outage'] ?? {};
        assert.ok((Object.values(outage).reduce((a, b) => a + b, 0)) > 0, `${ledger.channel}: attempts during the outage`);
        assert.equal(outage['200'], undefined, `${ledger.channel}: no 200 while Redis was down (${JSON.stringify(outage)})`);
      }
      assert.deepEqual(Object.keys(traffic.statusByPhase(traffic.stream!)['outage']!), ['503'], 'Telegraf pushes: 503');
      for (const ledger of [traffic.recoverable, traffic.plain]) {
        // 5xx, never 200. (503 is the contract, checked by the test below.)
        outageStatuses.push(...Object.keys(traffic.statusByPhase(ledger)['outage']!));
        assert.ok(outageStatuses.every((s) => s.startsWith('5')), `${ledger.channel}: ${outageStatuses.join(',')}`);
      }
      assert.equal(wsError?.code, 100, 'WS publish: error 100');
      assert.equal(wsError?.temporary, true, 'WS publish: temporary');
      for (const [name, h] of Object.entries(healthDown)) assert.deepEqual(h, { status: 503, state: 'disconnected' }, `${name} health while down`);

      for (const [i, row] of rows.entries()) {
        const inFlight = traffic.inFlightFailures(ledgerOf(receivers[i]!));
        assert.ok(inFlight.length <= 1, `${row.subscriber}: one request at most was in flight at the kill (${inFlight.join(',')})`);
        assertAccounted(row, inFlight, 'the kill');
      }
      for (const r of receivers.filter((x) => x.recoverable)) {
        assert.ok(r.subscribedEvents.slice(1).some((e) => e.wasRecovering && e.recovered), `${r.label}: recovered after 2500 (${JSON.stringify(r.subscribedEvents)})`);
      }
      for (const node of cluster.nodes) {
        assert.ok(node.logsWith('live engine lost redis: publishes and subscribes fail until it is back').length >= 1, `${node.name} logged the loss`);
        assert.ok(node.logsWith('live engine reconnected to redis').length >= 1, `${node.name} logged the reconnect`);
        assert.ok(node.logsWith('engine feed restored: subscribers told to resubscribe').some((l) => Number(l['subscriptions']) >= 3), `${node.name} told its subscribers`);
      }
    } finally {
      await traffic.stop();
    }
  });

  test('HTTP publish to a broadcast channel while Redis is down answers 503', () => {
    assert.ok(outageStatuses.length > 0, 'the fault test ran');
    assert.deepEqual([...new Set(outageStatuses)], ['503']);
  });
});
