// Smoke test of the benchmark suite (docs/performance.md): every scenario runs with --quick in a
// child process (three at a time, each bounded) and its JSON must have the expected shape and sane
// numbers. Never a timing or ratio threshold: CI machines are noisy; the numbers live in the docs.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const runner = join(root, 'dist', 'bench', 'run.js');
const dir = mkdtempSync(join(tmpdir(), 'livehub-bench-smoke-'));
after(() => rmSync(dir, { recursive: true, force: true }));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function runQuick(scenario: string, timeoutMs = 150_000): Promise<Json> {
  const file = join(dir, `${scenario}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, scenario, '--quick', '--json', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`bench ${scenario} --quick exited ${code ?? signal}:\n${out.slice(-4000)}`));
      try {
        resolve(JSON.parse(readFileSync(file, 'utf8')) as Json);
      } catch (err) {
        reject(new Error(`bench ${scenario}: no JSON (${(err as Error).message})\n${out.slice(-2000)}`));
      }
    });
  });
}

const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);

function checkCommon(r: Json, scenario: string): void {
  assert.equal(r['scenario'], scenario);
  assert.equal(r['quick'], true);
  assert.equal(typeof r['run']?.commit, 'string');
  assert.ok(Array.isArray(r['goals']) && r['goals'].length > 0, 'goals listed');
  for (const g of r['goals'] as Json[]) {
    assert.equal(typeof g['id'], 'string');
    assert.equal(typeof g['measured'], 'string');
  }
}

// One scenario at a time: side by side they compete for the 2 cores with each other and with the
// other test files, and a starved quick run proves nothing about the bench.
const groups = [['fanout', 'ingest', 'memory', 'redis', 'latency', 'slow', 'connections', 'failover', 'caps']];
const results = new Map<string, Promise<Json>>();
for (const group of groups) {
  let chain: Promise<unknown> = Promise.resolve();
  for (const scenario of group) {
    const p = chain.then(() => runQuick(scenario));
    results.set(scenario, p);
    chain = p.catch(() => undefined);
  }
}
const result = (s: string): Promise<Json> => results.get(s)!;

test('fanout --quick: three peers, three phases, every message delivered to every subscriber', async () => {
  const r = await result('fanout');
  checkCommon(r, 'fanout');
  assert.deepEqual(r['peers'].map((p: Json) => p['protocol']), ['bare', 'livehub', 'socketio']);
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
  for (const phase of ['low', 'single', 'burst']) assert.ok(finite(r['ratios'][phase]['vsBareWs']) && finite(r['ratios'][phase]['vsSocketIo']));
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

test('connections --quick: holds max_connections and refuses the rest with 3504', async () => {
  const r = await result('connections');
  checkCommon(r, 'connections');
  assert.equal(r['connected'], r['params']['maxConnections']);
  assert.equal(r['extra']['refused3504'], r['params']['extraAttempts']);
  assert.equal(r['afterRefusals']['healthy'], true);
  assert.equal(r['afterRefusals']['stillConnected'], r['connected']);
  assert.ok(r['rttMs']['samples'] > 0 && finite(r['rttMs']['p99']));
});

test('latency --quick: both paths at every rate', async () => {
  const r = await result('latency');
  checkCommon(r, 'latency');
  assert.deepEqual(r['setups'].map((s: Json) => s['setup']), ['single', 'redis']);
  for (const s of r['setups'] as Json[]) {
    assert.equal(s['phases'].length, r['params']['rates'].length);
    for (const p of s['phases'] as Json[]) {
      assert.equal(p['publishErrors'], 0, `${s['setup']} ${p['phase']}: ${p['firstError']}`);
      assert.equal(p['deliveries'], p['expectedDeliveries'], `${s['setup']} ${p['phase']}: every frame delivered`);
      assert.ok(p['latencyMs']['samples'] > 0 && p['latencyMs']['p99'] > 0);
    }
  }
  for (const x of r['p99Ratios'] as Json[]) assert.ok(finite(x['ratio']));
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

test('ingest --quick: every variant measured against JSON.parse', async () => {
  const r = await result('ingest');
  assert.equal(r['benchmark'], 'ingest');
  assert.equal(r['quick'], true);
  assert.ok(r['jsonParseLinesPerSec'] > 0);
  for (const v of r['variants'] as Json[]) assert.ok(v['linesPerSec'] > 0 && finite(v['ratioToJsonParse']));
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
