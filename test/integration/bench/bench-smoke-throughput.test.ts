// Bench smoke test: fan-out, ingest and memory per connection, each with --quick (shape only; see quick-run.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCommon, finite, quickRuns, type Json } from './quick-run.js';

const result = quickRuns(['fanout', 'ingest', 'memory']);

test('fanout --quick: four peers (livehub in both codecs), three phases, every message delivered to every subscriber', async () => {
  const r = await result('fanout');
  checkCommon(r, 'fanout');
  assert.deepEqual(r['peers'].map((p: Json) => p['protocol']), ['bare', 'livehub', 'livehub-protobuf', 'socketio']);
  for (const p of r['peers'] as Json[]) {
    assert.equal(p['subscribers'], 1000);
    assert.deepEqual(p['phases'].map((x: Json) => x['phase']), ['low', 'single', 'burst']);
    for (const x of p['phases'] as Json[]) {
      assert.ok(x['published'] > 0, `${p['peer']} ${x['phase']}: published`);
      assert.equal(x['publishErrors'], 0, `${p['peer']} ${x['phase']}: ${x['firstError']}`);
      assert.equal(x['deliveries'], x['expectedDeliveries'], `${p['peer']} ${x['phase']}: every message to every subscriber`);
      assert.ok(finite(x['deliveriesPerSec']) && x['deliveriesPerSec'] > 0);
      assert.ok(finite(x['serverCpuUsPerDelivery']) && x['serverCpuUsPerDelivery'] > 0);
      assert.ok(x['bytesPerDelivery'] > 100 && x['bytesPerDelivery'] < 400, `~200-byte messages, got ${x['bytesPerDelivery']}`);
      assert.ok(x['latencyMs']['samples'] > 0 && finite(x['latencyMs']['p99']));
    }
  }
  for (const phase of ['low', 'single', 'burst']) {
    assert.ok(finite(r['ratios'][phase]['vsBareWs']) && finite(r['ratios'][phase]['vsSocketIo']));
    const codec = r['codecs'][phase];
    assert.ok(finite(codec['bytesPerDelivery']) && finite(codec['cpuPerDelivery']) && finite(codec['deliveriesPerSec']), `${phase}: protobuf ÷ JSON`);
  }
});

test('ingest --quick: every variant measured against JSON.parse', async () => {
  const r = await result('ingest');
  assert.equal(r['benchmark'], 'ingest');
  assert.equal(r['quick'], true);
  assert.ok(r['jsonParseLinesPerSec'] > 0);
  for (const v of r['variants'] as Json[]) assert.ok(v['linesPerSec'] > 0 && finite(v['ratioToJsonParse']));
});

test('memory --quick: a fitted slope per peer', async () => {
  const r = await result('memory');
  checkCommon(r, 'memory');
  assert.deepEqual(r['params']['steps'], [200, 800, 1400, 2000]);
  for (const p of r['peers'] as Json[]) {
    assert.equal(p['points'].length, 4);
    for (const x of p['points'] as Json[]) assert.ok(x['vmRss'] > 10 * 1048576 && x['heapUsed'] > 1048576);
    assert.ok(finite(p['rssPerConn']) && finite(p['heapPerConn']) && p['heapPerConn'] > 0, `${p['peer']} heap slope ${p['heapPerConn']}`);
  }
  assert.ok(finite(r['ratios']['rssVsBareWs']) && finite(r['ratios']['heapVsBareWs']));
});
