// Bench smoke test: connection limits, latency, Redis and slow consumers, each with --quick (shape only; see quick-run.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCommon, finite, quickRuns, type Json } from './quick-run.js';

const result = quickRuns(['connections', 'latency', 'redis', 'slow']);

test('connections --quick: holds max_connections and refuses the rest with 3504', async () => {
  const r = await result('connections');
  checkCommon(r, 'connections');
  assert.equal(r['connected'], r['params']['maxConnections']);
  assert.equal(r['extra']['refused3504'], r['params']['extraAttempts']);
  assert.equal(r['afterRefusals']['healthy'], true);
  assert.equal(r['afterRefusals']['stillConnected'], r['connected']);
  assert.ok(r['rttMs']['samples'] > 0 && finite(r['rttMs']['p99']));
});

test('latency --quick: all three paths at every rate', async () => {
  const r = await result('latency');
  checkCommon(r, 'latency');
  assert.deepEqual(r['setups'].map((s: Json) => s['setup']), ['single', 'redis', 'cluster']);
  for (const s of r['setups'] as Json[]) {
    assert.equal(s['phases'].length, r['params']['rates'].length);
    for (const p of s['phases'] as Json[]) {
      assert.equal(p['publishErrors'], 0, `${s['setup']} ${p['phase']}: ${p['firstError']}`);
      assert.equal(p['deliveries'], p['expectedDeliveries'], `${s['setup']} ${p['phase']}: every frame delivered`);
      assert.ok(p['latencyMs']['samples'] > 0 && p['latencyMs']['p99'] > 0);
    }
  }
  for (const x of r['p99Ratios'] as Json[]) assert.ok(finite(x['ratio']) && finite(x['clusterRatio']));
});

test('redis --quick: one subscription per channel per node; publish rates measured', async () => {
  const r = await result('redis');
  checkCommon(r, 'redis');
  assert.equal(r['subscriptions']['hotChannelNumsub'], 2);
  assert.deepEqual(r['subscriptions']['groupChannelsNumsub'], { min: 2, max: 2 });
  assert.equal(r['subscriptions']['afterNodeBLeft']['hotChannelNumsub'], 1);
  for (const n of r['subscriptions']['livehub'] as Json[]) {
    assert.equal(n['redisSubscriptions'], n['distinctChannels'] + r['subscriptions']['serviceChannelsPerNode']);
    assert.equal(n['redisPatternSubscriptions'], 0);
  }
  assert.ok(r['publish']['livehubPerSec'] > 0 && r['publish']['redisBenchmarkPerSec'] > 0);
  assert.equal(r['publish']['livehubErrors'], 0);
  // Redis Cluster: one sharded subscription per channel per node; both setups publish.
  const c = r['cluster'];
  assert.deepEqual(c['subscriptions']['shardNumsub'], { min: 2, max: 2, channels: 51 });
  assert.equal(c['subscriptions']['mastersUsed'], c['masters']);
  for (const n of c['subscriptions']['nodes'] as Json[]) {
    assert.equal(n['shardedSubscriptions'], n['distinctChannels']);
    assert.equal(n['classicSubscriptions'], 3);
    assert.equal(n['patternSubscriptions'], 0);
  }
  assert.deepEqual(c['runs'].map((x: Json) => [x['setup'], x['kind']]), [['1 master', 'plain'], ['1 master', 'history'], ['3 masters (cluster)', 'plain'], ['3 masters (cluster)', 'history']]);
  for (const x of c['runs'] as Json[]) assert.ok(x['perSec'] > 0 && x['errors'] === 0, `${x['setup']} ${x['kind']}`);
  // Acknowledged publishes: measured without and with WAIT, one WAIT per batch.
  assert.deepEqual(r['acknowledged']['runs'].map((x: Json) => x['waitReplicas']), [0, 1]);
  for (const x of r['acknowledged']['runs'] as Json[]) assert.ok(x['sequential']['samples'] > 0 && x['perSec'] > 0 && x['errors'] === 0);
  assert.equal(r['acknowledged']['runs'][0]['waitsPerPublish'], 0);
  assert.ok(r['acknowledged']['runs'][1]['waitsPerPublish'] > 0 && r['acknowledged']['runs'][1]['waitsPerPublish'] < 1);
});

test('slow --quick: all-healthy and 1 % stalled runs', async () => {
  const r = await result('slow');
  checkCommon(r, 'slow');
  assert.deepEqual(r['runs'].map((x: Json) => x['run']), ['all-healthy', 'one-percent-stalled']);
  assert.equal(r['runs'][0]['stalled'], 0);
  assert.equal(r['runs'][1]['stalled'], Math.floor(r['params']['subscribers'] / r['params']['stalledEvery']));
  for (const x of r['runs'] as Json[]) assert.ok(x['phase']['deliveries'] > 0 && finite(x['deliveriesPerHealthySubscriberPerSec']));
  assert.ok(finite(r['healthyRatio']));
});
