// Fault 3: one of three livehub processes is killed with SIGKILL while messages flow. Its clients
// reconnect to the other nodes through a client-side list of node URLs; recoverable subscribers
// recover everything they missed from history, the others see a reconnect covering every loss;
// clients of the surviving nodes notice nothing. /api/live/list stays 200 (partial) while the dead
// node is still in the registry, /api/live/cluster drops it, and its clients' presence entries —
// nobody refreshes them any more — expire within the 60 s presence TTL.
//
// Presence TTL: livehub has no configuration key for it (60 s, refreshed every 25 s, as Grafana),
// so the test does not shorten it. Instead it reads the dead node's entries' expire-at scores from
// the Redis ZSET (`gf_live.presence.expire.<channel>`): each must be at most kill time + 60 s
// (nobody extends them), and it then waits — bounded by the largest score plus a margin, at most
// ~70 s — until presence_stats and presence no longer count them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, Subscription } from 'centrifuge';
import { Redis } from 'ioredis';
import { account, printTable, Receiver } from '../../harness/gap-ledger.js';
import { http } from '../../harness/http.js';
import type { LivehubNode } from '../../harness/livehub.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil } from '../../harness/wait.js';
import { connected, disconnectAllClients, newClient, subscribed } from '../helpers/centrifuge.js';
import { assertAccounted, broadcastSeq, clusterNodeIds, rotatingWebSocket, startCluster, Traffic, type Cluster } from '../helpers/cluster.js';

const REC = 'grafana/broadcast/fault-kill-rec';
const PLAIN = 'grafana/broadcast/fault-kill-plain';
const PRESENCE_TTL_SECONDS = 60;

interface TrackedClient {
  readonly home: string;
  readonly client: Centrifuge;
  readonly subs: Subscription[];
  /** Client id of every connection, in order. */
  readonly ids: string[];
}

describe('fault: a node killed with SIGKILL', () => {
  let redis: RedisServer;
  let cluster: Cluster;
  let admin: Redis;

  before(async () => {
    redis = await startRedisServer();
    admin = new Redis({ host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: 1, lazyConnect: true });
    admin.on('error', () => undefined);
    await admin.connect();
    cluster = await startCluster({ names: ['A', 'B', 'C'], redisAddress: `127.0.0.1:${redis.port}`, env: { GF_LIVE_HISTORY_SIZE: '1000' } });
    await cluster.seeEachOther();
  });

  after(async () => {
    disconnectAllClients();
    admin?.disconnect();
    await cluster?.stop();
    await redis?.kill('SIGKILL');
  });

  test('clients fail over, recoverable ones lose nothing, every loss is signalled, the dead node\'s presence expires', async () => {
    const [A, B, C] = cluster.nodes as [LivehubNode, LivehubNode, LivehubNode];
    const urls = cluster.nodes.map((n) => n.wsUrl);
    const tracked: TrackedClient[] = [];
    const receivers: Receiver[] = [];
    for (const [index, home] of [0, 0, 1, 1, 2, 2].entries()) {
      const node = cluster.nodes[home]!;
      const client = newClient(node.wsUrl, { websocket: rotatingWebSocket(urls, home) });
      const entry: TrackedClient = { home: node.name, client, subs: [], ids: [] };
      client.on('connected', (ctx) => entry.ids.push(ctx.client));
      await connected(client);
      for (const [channel, recoverable] of [[REC, true], [PLAIN, false]] as const) {
        const sub = client.newSubscription(`1/${channel}`, { minResubscribeDelay: 100, maxResubscribeDelay: 1000, ...(recoverable ? { recoverable: true } : {}) });
        receivers.push(new Receiver(`${node.name}${index % 2 + 1} ${channel.split('/').pop()}`, node.name, recoverable, sub, client, broadcastSeq));
        entry.subs.push(sub);
        await subscribed(sub);
      }
      tracked.push(entry);
    }
    const onB = tracked.find((t) => t.home === 'B')!.client;
    assert.equal((await onB.presenceStats(`1/${REC}`)).numClients, 6, 'six clients on three nodes');

    const traffic = new Traffic({ targets: () => cluster.nodes, token: cluster.tokens.editor, recoverableChannel: REC, plainChannel: PLAIN, intervalMs: 25 });
    traffic.start();
    let killedAt = 0;
    let listWhileDead: { status: number; partial?: boolean; missingNodes?: string[] } | undefined;
    try {
      await traffic.rounds(20);
      await A.kill('SIGKILL');
      killedAt = Date.now();
      traffic.phase = 'A dead';

      // Right away A is still in the others' registries: the list is partial, never an error.
      const list = await http('GET', `${B.httpUrl}/api/live/list`, { token: cluster.tokens.viewer });
      listWhileDead = { status: list.status, ...(list.body as { partial?: boolean; missingNodes?: string[] }) };

      const orphans = tracked.filter((t) => t.home === 'A');
      await waitUntil(() => orphans.every((t) => t.ids.length === 2 && t.client.state === 'connected' && t.subs.every((s) => s.state === 'subscribed')),
        'A\'s clients to reconnect elsewhere and resubscribe', 15_000, 20);
      await traffic.rounds(20);
    } finally {
      await traffic.stop();
    }
    await waitUntil(() => receivers.every((r) => {
      const ledger = r.recoverable ? traffic.recoverable : traffic.plain;
      const accepted = ledger.accepted;
      return r.recoverable ? accepted.every((s) => r.has(s)) : r.has(accepted[accepted.length - 1]!);
    }), 'deliveries to settle', 15_000, 50);

    const rows = receivers.map((r) => account(r.recoverable ? traffic.recoverable : traffic.plain, r));
    printTable('Node A killed (SIGKILL): per subscriber (2 clients per node x 2 channels)', rows);
    process.stdout.write(`publish status by phase:\n${traffic.ledgers.map((l) => `  ${l.channel}: ${JSON.stringify(traffic.statusByPhase(l))}`).join('\n')}\n`);
    process.stdout.write(`reconnected to: ${tracked.filter((t) => t.home === 'A').map((t) => t.client.state).join(', ')}; /api/live/list on B right after the kill: ${JSON.stringify({ status: listWhileDead?.status, partial: listWhileDead?.partial, missingNodes: listWhileDead?.missingNodes })}\n`);

    // A publish in flight when A died may have reached Redis without its answer reaching us.
    for (const ledger of traffic.ledgers) {
      const inFlight = traffic.inFlightFailures(ledger);
      assert.ok(inFlight.length <= 1, `${ledger.channel}: at most the one request in flight at the kill failed before it (${inFlight.join(',')})`);
      const afterKill = ledger.attempts.filter((a) => traffic.phaseOf.get(a.seq) === 'A dead');
      assert.ok(afterKill.filter((a) => a.node === 'A').every((a) => a.status === 0), 'the dead node answers nothing');
      assert.ok(afterKill.filter((a) => a.node !== 'A').every((a) => a.status === 200), 'the live nodes accept everything');
    }
    for (const [i, row] of rows.entries()) {
      const ledger = receivers[i]!.recoverable ? traffic.recoverable : traffic.plain;
      const inFlight = traffic.inFlightFailures(ledger);
      assertAccounted(row, inFlight, 'the kill');
      const survivor = !row.subscriber.startsWith('A');
      if (survivor) assert.deepEqual([row.signals, row.lostSignalled], [0, 0], `${row.subscriber}: clients of live nodes are not disturbed`);
    }
    for (const r of receivers.filter((x) => x.recoverable && x.node === 'A')) {
      assert.ok(r.subscribedEvents.slice(1).some((e) => e.wasRecovering && e.recovered), `${r.label}: recovered on the new node (${JSON.stringify(r.subscribedEvents)})`);
    }
    assert.equal(listWhileDead?.status, 200, '/api/live/list answers while a node is dead');
    if (listWhileDead?.partial === true) assert.deepEqual(listWhileDead.missingNodes, [A.nodeId], 'the dead node is reported missing');

    // The survivors forget A (heartbeats stop; a node is dropped 7 s after its last one).
    for (const node of [B, C]) {
      await waitUntil(async () => JSON.stringify(await clusterNodeIds(node, cluster.tokens.viewer)) === JSON.stringify([B.nodeId, C.nodeId].sort()), `${node.name} to drop A from /api/live/cluster`, 20_000);
    }
    const list = await http('GET', `${B.httpUrl}/api/live/list`, { token: cluster.tokens.viewer });
    assert.deepEqual([list.status, (list.body as { partial?: boolean }).partial], [200, undefined], 'complete again without A');

    // Presence: A's old connections stay listed until their entries expire; nobody refreshes them.
    const staleIds = tracked.filter((t) => t.home === 'A').map((t) => t.ids[0]!);
    const liveIds = tracked.map((t) => t.ids[t.ids.length - 1]!);
    const expireAt = await Promise.all(staleIds.map(async (id) => Number(await admin.zscore(`gf_live.presence.expire.1/${REC}`, id))));
    process.stdout.write(`presence of A's dead connections expires at +${expireAt.map((s) => (s - killedAt / 1000).toFixed(1)).join(' s, +')} s after the kill (TTL ${PRESENCE_TTL_SECONDS} s)\n`);
    for (const score of expireAt) {
      assert.ok(score > 0, 'a stale entry is still there');
      assert.ok(score <= Math.ceil(killedAt / 1000) + PRESENCE_TTL_SECONDS, `expire-at ${score} within the TTL of the kill (${killedAt / 1000})`);
    }
    const stats = await onB.presenceStats(`1/${REC}`);
    assert.equal(stats.numClients, 6 + staleIds.filter((_, i) => expireAt[i]! * 1000 > Date.now()).length, 'live clients plus not yet expired stale entries');
    const waitMs = Math.max(...expireAt) * 1000 - Date.now() + 5000;
    await waitUntil(async () => (await onB.presenceStats(`1/${REC}`)).numClients === 6, 'the dead connections to leave presence', Math.max(waitMs, 5000), 1000);
    const presence = await onB.presence(`1/${REC}`);
    assert.deepEqual(Object.keys(presence.clients).sort(), [...liveIds].sort(), 'exactly the live connections');
  });
});

