// The managed-stream registry: per-org quotas on stream ids and channels (all-or-nothing per push,
// other orgs unaffected), idle eviction in order of last push that frees quota and brings the
// registry back to empty, and the sweep cost being what it evicts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManagedStreamRegistry, type PushedChannel } from '../../src/features/streams/stream-registry.js';

const SCHEMA = '{"schema":{"fields":[]}}';

function channels(orgId: number, streamId: string, ...measurements: string[]): PushedChannel[] {
  return measurements.map((m) => ({ full: `${orgId}/stream/${streamId}/${m}`, channel: `stream/${streamId}/${m}`, schema: SCHEMA }));
}

function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

test('channel quota per org: a push that would pass it is refused whole; another org is unaffected', () => {
  const registry = new ManagedStreamRegistry({ maxStreamsPerOrg: 10, maxChannelsPerOrg: 3, idleTimeoutMs: 0 });
  assert.deepEqual(registry.admit(1, 's', channels(1, 's', 'a', 'b')), { ok: true });
  const refused = registry.admit(1, 's', channels(1, 's', 'a', 'c', 'd'));
  assert.equal(refused.ok, false);
  assert.ok(!refused.ok && refused.limit === 'channels' && refused.max === 3);
  assert.ok(!refused.ok && /org 1 would push to 4 managed-stream channels on this node, more than 3/.test(refused.message));
  assert.equal(registry.orgChannelCount(1), 2, 'nothing of the refused push was recorded');
  // Known channels never count twice; the last slot is still free.
  assert.deepEqual(registry.admit(1, 's', channels(1, 's', 'a', 'b', 'c')), { ok: true });
  assert.equal(registry.admit(1, 't', channels(1, 't', 'x')).ok, false);
  assert.deepEqual(registry.admit(2, 's', channels(2, 's', 'a', 'b', 'c')), { ok: true }, 'org 2 has its own quota');
  assert.deepEqual(registry.size(), { channels: 6, streams: 2 });
});

test('stream quota per org counts stream ids, not channels', () => {
  const registry = new ManagedStreamRegistry({ maxStreamsPerOrg: 2, maxChannelsPerOrg: 100, idleTimeoutMs: 0 });
  assert.ok(registry.admit(1, 'one', channels(1, 'one', 'a', 'b')).ok);
  assert.ok(registry.admit(1, 'two', channels(1, 'two', 'a')).ok);
  assert.ok(registry.admit(1, 'two', channels(1, 'two', 'b')).ok, 'a new channel of a known stream');
  const refused = registry.admit(1, 'three', channels(1, 'three', 'a'));
  assert.ok(!refused.ok && refused.limit === 'streams' && refused.max === 2);
  assert.ok(!refused.ok && /stream "three" would be one more/.test(refused.message));
  assert.ok(registry.admit(7, 'three', channels(7, 'three', 'a')).ok);
});

test('idle channels are swept in order of last push; the registry empties and quota comes back', () => {
  const c = clock();
  const registry = new ManagedStreamRegistry({ maxStreamsPerOrg: 10, maxChannelsPerOrg: 3, idleTimeoutMs: 60_000 }, c.now);
  registry.admit(1, 's', channels(1, 's', 'a', 'b'));
  c.advance(30_000);
  registry.admit(1, 's', channels(1, 's', 'c'));
  c.advance(20_000);
  registry.admit(1, 's', channels(1, 's', 'a')); // a is active again
  c.advance(15_000); // b idle 65 s, c 35 s, a 15 s
  assert.equal(registry.sweep(), 1);
  assert.deepEqual([...registry.orgRecords(1)].map((r) => r.channel).sort(), ['stream/s/a', 'stream/s/c']);
  c.advance(50_000);
  assert.equal(registry.sweep(), 2);
  assert.equal(registry.orgChannelCount(1), 0);
  assert.deepEqual(registry.size(), { channels: 0, streams: 0 });
  assert.equal(registry.counters.evictions, 3);
  assert.ok(registry.admit(1, 's', channels(1, 's', 'x', 'y', 'z')).ok, 'the quota is free again');
});

test('admission sweeps first: idle channels never hold a quota', () => {
  const c = clock();
  const registry = new ManagedStreamRegistry({ maxStreamsPerOrg: 1, maxChannelsPerOrg: 1, idleTimeoutMs: 1000 }, c.now);
  assert.ok(registry.admit(1, 'old', channels(1, 'old', 'a')).ok);
  assert.equal(registry.admit(1, 'new', channels(1, 'new', 'a')).ok, false);
  c.advance(1000);
  assert.ok(registry.admit(1, 'new', channels(1, 'new', 'a')).ok);
});

test('minute_rate and schema follow the pushes that reached the engine', () => {
  const c = clock();
  const registry = new ManagedStreamRegistry({ maxStreamsPerOrg: 10, maxChannelsPerOrg: 10, idleTimeoutMs: 0 }, c.now);
  const [a] = channels(1, 's', 'a');
  registry.admit(1, 's', [a!]);
  const record = [...registry.orgRecords(1)][0]!;
  assert.equal(record.minuteRate(), 0, 'admitted, not pushed yet');
  assert.equal(record.schema, SCHEMA);
  registry.recordPush(a!.full, '{"schema":{"name":"a","fields":[]}}');
  registry.recordPush(a!.full, '{"schema":{"name":"a","fields":[]}}');
  assert.equal(record.minuteRate(), 2);
  assert.equal(record.schema, '{"schema":{"name":"a","fields":[]}}');
  registry.recordPush('1/stream/s/unknown', SCHEMA); // swept meanwhile: ignored
  assert.equal(registry.size().channels, 1);
});

test('the shared sweep timer empties the registry on its own and stops', async () => {
  const registry = new ManagedStreamRegistry({ maxStreamsPerOrg: 10, maxChannelsPerOrg: 1000, idleTimeoutMs: 1000 });
  registry.startSweeping();
  try {
    for (let i = 0; i < 500; i++) registry.admit(1 + (i % 5), 's', channels(1 + (i % 5), 's', `m${i}`));
    assert.equal(registry.size().channels, 500);
    const deadline = Date.now() + 5000;
    while (registry.size().channels > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(registry.size(), { channels: 0, streams: 0 });
    assert.equal(registry.counters.evictions, 500);
  } finally {
    registry.stopSweeping();
  }
});
