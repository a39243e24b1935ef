// Bench smoke test: failover and the abuse scenarios (storm, flood, caps), each with --quick (shape only; see quick-run.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCommon, finite, quickRuns, type Json } from './quick-run.js';

const result = quickRuns(['failover', 'storm', 'flood', 'caps']);

test('failover --quick: Redis restart resubscribes every channel; every client is judged after a Redis restart and a node kill', async () => {
  const r = await result('failover');
  checkCommon(r, 'failover');
  const rs = r['resubscribe'];
  assert.equal(rs['channels'], r['params']['resubscribeChannels']);
  assert.ok(finite(rs['restoreMs']) && rs['restoreMs'] >= 0, `restore time ${rs['restoreMs']}`);
  assert.ok(rs['subscribeCommandsAtRestore'] > 0, 'SUBSCRIBE commands counted on the new Redis');
  assert.equal(rs['subscribeCommandsBound'], Math.ceil(rs['channels'] / 512) + 1);
  assert.equal(rs['clientsReadyAfter'], rs['clients'], 'every client resubscribed');
  assert.equal(rs['redisSubscriptionsAfter'], rs['channels'] + 3, 'the node holds every channel again');
  const h = r['honesty'];
  assert.deepEqual(h['events'].map((e: Json) => e['event']), ['redis restart', 'node B killed']);
  const rep = h['report'];
  assert.equal(rep['clients'], 2 * h['clientsPerNode']);
  assert.equal(rep['complete'] + rep['signalled'] + rep['silent'], rep['clients'], 'every client classified');
  assert.ok(h['publisher']['acked'] > 0 && rep['deliveries'] > 0);
  assert.ok(finite(h['honestRatio']));
  assert.ok(r['goals'].some((g: Json) => g['id'] === 'G8c'));
});

test('storm --quick: every client subscribed at once; the default policy bounds join pushes, no limit gives N(N-1)/2', async () => {
  const r = await result('storm');
  checkCommon(r, 'storm');
  assert.deepEqual(r['runs'].map((x: Json) => x['run']), ['default policy', 'no limit (Grafana)']);
  for (const x of r['runs'] as Json[]) {
    assert.equal(x['connected'], x['clients']);
    assert.equal(x['subscribed'], x['clients'], `${x['run']}: every subscribe answered`);
    assert.equal(x['subscribeErrors'], 0, `${x['run']}: ${x['firstError']}`);
    assert.equal(x['presenceSubscriptions'], x['clients']);
    assert.ok(finite(x['allAnsweredMs']) && x['allAnsweredMs'] > 0);
    assert.ok(x['peakRssBytes'] > 10 * 1048576);
    for (const k of ['baseline', 'idleConnected', 'subscribed', 'afterLeave']) assert.ok(x['heapAfterGc'][k] > 1048576, `heap ${k}`);
  }
  // Each join reaches at most the subscribers before it; with the limit only the first `limit`
  // subscribers announce themselves, so at most limit·(limit−1)/2 pushes, and at least
  // clients − limit joins and as many leaves are suppressed.
  const [limited, unlimited] = r['runs'] as Json[];
  const n = limited!['joinLeaveLimit'] as number;
  assert.ok(limited!['joinPushes'] > 0 && limited!['joinPushes'] <= (n * (n - 1)) / 2, `joins ${limited!['joinPushes']}`);
  assert.ok(limited!['suppressedJoinLeave'] >= 2 * (limited!['clients'] - n), `suppressed ${limited!['suppressedJoinLeave']}`);
  const m = unlimited!['clients'] as number;
  assert.ok(unlimited!['joinPushes'] > 0 && unlimited!['joinPushes'] <= (m * (m - 1)) / 2);
  assert.equal(unlimited!['suppressedJoinLeave'], 0);
});

test('flood --quick: the node stays up, the engine stays within its budget and evicts', async () => {
  const r = await result('flood');
  checkCommon(r, 'flood');
  assert.equal(r['alive'], true);
  assert.equal(r['healthAfter'], 200);
  assert.ok(r['accepted'] > 0 && r['statuses']['200'] === r['accepted']);
  assert.ok(r['peakEngineBytes'] > 0 && r['peakEngineBytes'] <= r['params']['budgetBytes'], `engine held ${r['peakEngineBytes']}`);
  assert.ok(r['acceptedBytes'] <= r['params']['budgetBytes'] || r['evictions'] > 0, 'past the budget the engine evicted');
  assert.ok(r['afterFlood'].length > 0 && finite(r['preFlood']['heapUsed']));
});

test('caps --quick: every hostile push answered, quotas held, every listed page walked', async () => {
  const r = await result('caps');
  checkCommon(r, 'caps');
  assert.equal(r['hostile'].length, 7);
  for (const h of r['hostile'] as Json[]) {
    assert.ok([200, 400, 403, 413].includes(h['status']), `${h['name']} ${h['format']}: ${h['status']} ${h['message']}`);
    assert.ok(finite(h['answerMs']) && finite(h['rssGrowthMiB']) && finite(h['healthMaxMs']));
  }
  const distinct = (r['hostile'] as Json[]).filter((h) => h['name'].startsWith('12,000'));
  for (const h of distinct) assert.match(h['message'], /push_max_frame_fields/);
  assert.equal((r['hostile'] as Json[]).find((h) => h['name'].startsWith('16 MiB'))?.['status'], 413);
  const [capped, lifted] = r['cardinality'] as [Json, Json];
  assert.equal(capped['channels'], 10_000, 'the default channel quota holds');
  assert.equal(capped['refusedPushes'], capped['pushes'] - 5);
  assert.equal(lifted['channels'], r['params']['measurements']);
  for (const c of [capped, lifted]) {
    assert.equal(c['walk']['channels'], c['firstPage']['total'], `${c['run']}: the walk lists every channel`);
    assert.equal(c['walk']['pages'], Math.ceil(c['firstPage']['total'] / 1000));
    assert.ok(c['firstPage']['bytes'] < 4 * 1024 * 1024);
  }
});
