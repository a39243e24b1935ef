// The memory engine's stored data is bounded in time and bytes by one Retention (retention.ts):
// TTLs expire on the shared timer without any read, the byte budget evicts oldest first and counts,
// recovery stays honest across expiry and eviction, and reads create nothing. A fake clock drives
// time; assertions are on counts and bytes, never on wall time.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { waitUntil } from '../../harness/wait.js';
import { UnrecoverablePositionError, type HistorySettings } from '../../src/engine/engine.js';
import { MemoryEngine, type MemoryEngineOptions } from '../../src/engine/memory/memory-engine.js';

const STATS = () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 });
const HANDLER = { onPublication: () => {}, onJoin: () => {}, onLeave: () => {} };

class FakeClock {
  ms = 1_700_000_000_000;
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

function engineWith(clock: FakeClock, options: MemoryEngineOptions = {}): MemoryEngine {
  return new MemoryEngine({ id: 'node-a', name: 'test', version: '0' }, { now: clock.now, ...options });
}

const ch = (n: number | string): string => `1/grafana/broadcast/retention-${n}`;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** True once nothing holds `ref`'s target any more (after the current job ended and a full GC). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}
const KIB = 'x'.repeat(1024);

describe('memory engine retention', () => {
  test('history entries, then stream meta, expire on the sweep without any read', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { historyMetaTtlSeconds: 60 });
    const settings: HistorySettings = { size: 10, ttlSeconds: 10 };
    for (let i = 0; i < 500; i++) await engine.broker.publish(ch(i), `{"n":${i}}`, undefined, { history: settings });
    assert.deepEqual([engine.counts().historyStreams, engine.counts().historyEntries], [500, 500]);
    assert.ok(engine.retention.stats().bytesByKind.history > 0);

    clock.advance(9);
    engine.retention.sweep();
    assert.equal(engine.counts().historyEntries, 500, 'not yet');
    clock.advance(2);
    engine.retention.sweep();
    assert.equal(engine.counts().historyEntries, 0, 'entries gone after history_ttl');
    assert.equal(engine.retention.stats().bytesByKind.history, 0);
    assert.equal(engine.counts().historyStreams, 500, 'meta outlives entries');
    assert.equal(engine.retention.stats().expirations.history, 500);

    clock.advance(60);
    engine.retention.sweep();
    assert.equal(engine.counts().historyStreams, 0, 'meta gone after the meta TTL');
    assert.equal(engine.retention.stats().bytes, 0);
    assert.equal(engine.retention.stats().items, 0);
    assert.equal(engine.retention.stats().expirations.history_meta, 500);
  });

  test('the engine\'s own timer sweeps: expiry needs no read and no call', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { sweepIntervalMs: 10 });
    await engine.start(HANDLER, STATS);
    try {
      await engine.store.set('live_message.1/grafana/broadcast/a', KIB, 5);
      await engine.broker.publish(ch('timer'), KIB, undefined, { history: { size: 5, ttlSeconds: 5 } });
      assert.equal(engine.counts().values, 1);
      clock.advance(6);
      await waitUntil(() => engine.counts().values === 0 && engine.counts().historyEntries === 0, 'the sweep timer', 2000, 10);
    } finally {
      await engine.close();
    }
  });

  test('last messages expire without a get; frames after frame_cache_ttl without a push', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { frameCacheTtlSeconds: 30 });
    for (let i = 0; i < 100; i++) await engine.store.set(`live_message.${ch(i)}`, KIB, 300);
    const frame = (n: number) => ({ schema: '{"schema":{}}', frame: `{"schema":{},"data":{"values":[[${n}]]}}`, data: `{"data":{"values":[[${n}]]}}` });
    await engine.frames.push('1/stream/a/cpu', frame(1));
    await engine.frames.push('1/stream/a/mem', frame(1));
    assert.deepEqual([engine.counts().values, engine.counts().frames], [100, 2]);

    clock.advance(20);
    await engine.frames.push('1/stream/a/cpu', frame(2)); // refreshes cpu's idle TTL only
    clock.advance(15);
    engine.retention.sweep();
    assert.equal(engine.counts().frames, 1, 'mem idle for 35 s is gone');
    assert.deepEqual(await engine.frames.get('1/stream/a/cpu'), { schema: '{"schema":{}}', frame: frame(2).frame });
    assert.equal(await engine.frames.get('1/stream/a/mem'), undefined);

    clock.advance(300);
    engine.retention.sweep();
    assert.deepEqual([engine.counts().values, engine.counts().frames], [0, 0]);
    assert.equal(engine.retention.stats().bytes, 0);
    assert.equal(engine.retention.stats().expirations.value, 100);
    assert.equal(engine.retention.stats().expirations.frame, 2);
  });

  test('at the budget the oldest data goes first, of any kind, and evictions are counted', async () => {
    const clock = new FakeClock();
    const budget = 64 * 1024;
    const engine = engineWith(clock, { budgetBytes: budget });
    const settings: HistorySettings = { size: 100, ttlSeconds: 300 };
    await engine.store.set('live_message.oldest', KIB, 300);
    await engine.frames.push('1/stream/a/old', { schema: '{"schema":{}}', frame: KIB, data: '{}' });
    let maxBytes = 0;
    for (let i = 0; i < 400; i++) {
      clock.advance(0.01);
      await engine.broker.publish(ch(i), `"${KIB}"`, undefined, { history: settings });
      maxBytes = Math.max(maxBytes, engine.retention.bytes);
    }
    const stats = engine.retention.stats();
    assert.ok(maxBytes <= budget, `never above the budget (max ${maxBytes})`);
    assert.ok(stats.bytes > budget / 2, 'the budget is used, not emptied');
    assert.equal(await engine.store.get('live_message.oldest'), undefined, 'the oldest value went first');
    assert.equal(await engine.frames.get('1/stream/a/old'), undefined, 'then the old frame');
    assert.deepEqual([stats.evictions.value, stats.evictions.frame], [1, 1]);
    assert.ok(stats.evictions.history > 300, `history evicted: ${stats.evictions.history}`);
    // The newest channels keep their entry; the oldest lost it (and, eventually, their meta).
    const newest = await engine.broker.history(ch(399), { limit: -1 }, settings);
    assert.equal(newest.publications.length, 1);
    const oldest = await engine.broker.history(ch(0), { limit: -1 }, settings);
    assert.equal(oldest.publications.length, 0);
    assert.ok(stats.evictions.history_meta > 0, 'old stream meta evicted too');
    const counts = engine.counts();
    assert.equal(counts.historyEntries, stats.itemsByKind.history);
    assert.equal(counts.historyStreams, stats.itemsByKind.history_meta);
  });

  test('an entry larger than the whole budget is delivered but not kept', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { budgetBytes: 65536 });
    const got: string[] = [];
    await engine.start({ ...HANDLER, onPublication: (_c, p) => got.push(p.data) }, STATS);
    const big = `"${'y'.repeat(100_000)}"`;
    const position = await engine.broker.publish(ch('big'), big, undefined, { history: { size: 10, ttlSeconds: 60 } });
    assert.equal(position?.offset, 1);
    assert.deepEqual(got, [big]);
    assert.ok(engine.retention.bytes <= 65536);
    assert.equal(engine.counts().historyEntries, 0);
    await engine.close();
  });

  test('recovery stays honest when eviction takes part of a stream, then its meta', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { budgetBytes: 20 * 1024 });
    const settings: HistorySettings = { size: 100, ttlSeconds: 300 };
    let top = await engine.broker.publish(ch('hot'), `"${KIB}"`, undefined, { history: settings });
    for (let i = 2; i <= 6; i++) top = await engine.broker.publish(ch('hot'), `"${KIB}"`, undefined, { history: settings });
    const epoch = top!.epoch;
    assert.equal(top!.offset, 6);

    // Others' publications push the hot channel's oldest entries out, one at a time.
    let partial = false;
    for (let i = 0; i < 100 && !partial; i++) {
      await engine.broker.publish(ch(`other-${i}`), `"${KIB}"`, undefined, { history: settings });
      const left = await engine.broker.history(ch('hot'), { limit: -1 }, settings);
      if (left.publications.length < 6 && left.publications.length > 0) {
        partial = true;
        // What is kept is a contiguous run up to the top, so a client behind it is refused.
        const offsets = left.publications.map((p) => p.offset);
        assert.deepEqual(offsets, Array.from({ length: offsets.length }, (_, k) => 7 - offsets.length + k));
        // The rule subscribe.ts applies: recovered iff the first returned offset follows the client's.
        for (let k = 0; k <= 5; k++) {
          const since = await engine.broker.history(ch('hot'), { since: { offset: k, epoch }, limit: 300 }, settings);
          const recovered = since.publications[0]?.offset === k + 1 && since.publications.at(-1)?.offset === 6;
          assert.equal(recovered, k + 1 >= offsets[0]!, `client at ${k}, kept from ${offsets[0]}`);
        }
      }
    }
    assert.ok(partial, 'the hot stream was partly evicted at some point');
    // Keep going until the stream is forgotten entirely (no reads meanwhile: a read refreshes the
    // meta like a publish does); its epoch must never come back.
    for (let i = 0; i < 5; i++) await engine.broker.publish(ch(`flood-${i}`), `"${KIB.repeat(15)}"`, undefined, { history: settings });
    assert.notEqual((await engine.broker.history(ch('hot'), { limit: 0 }, settings)).position.epoch, epoch);
    await assert.rejects(engine.broker.history(ch('hot'), { since: { offset: 6, epoch }, limit: 300 }, settings), UnrecoverablePositionError);
    const fresh = await engine.broker.publish(ch('hot'), '{}', undefined, { history: settings });
    assert.equal(fresh!.offset, 1);
    assert.notEqual(fresh!.epoch, epoch);
    assert.ok(engine.retention.stats().evictions.history_meta > 0);
  });

  test('reads of unused channels create nothing', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock);
    const settings: HistorySettings = { size: 10, ttlSeconds: 60 };
    for (let i = 0; i < 2000; i++) {
      await engine.broker.history(ch(i), { limit: -1 }, settings);
      await engine.broker.history(ch(i), { limit: 0 }, settings);
      await engine.presence.get(ch(i));
      await engine.presence.stats(ch(i));
      await engine.store.get(`live_message.${ch(i)}`);
      await engine.frames.get(ch(i));
    }
    assert.deepEqual(engine.counts(), { historyStreams: 0, historyEntries: 0, values: 0, frames: 0, presenceChannels: 0 });
    assert.equal(engine.retention.stats().items, 0);
    assert.equal(engine.retention.bytes, 0);
  });

  test('a position handed out for an unused channel continues into its stream, and is refused once that stream came and went', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { historyMetaTtlSeconds: 60 });
    const settings: HistorySettings = { size: 10, ttlSeconds: 10 };
    const before = (await engine.broker.history(ch('cycle'), { limit: 0 }, settings)).position;
    assert.equal(before.offset, 0);
    assert.equal((await engine.broker.history(ch('cycle'), { limit: 0 }, settings)).position.epoch, before.epoch, 'stable while nothing happens');
    const published = await engine.broker.publish(ch('cycle'), '{}', undefined, { history: settings });
    assert.deepEqual(published, { offset: 1, epoch: before.epoch }, 'the stream starts with the epoch handed out');
    clock.advance(61);
    engine.retention.sweep();
    assert.equal(engine.counts().historyStreams, 0);
    const after = (await engine.broker.history(ch('cycle'), { limit: 0 }, settings)).position;
    assert.equal(after.offset, 0);
    assert.notEqual(after.epoch, before.epoch, 'the client that saw offset 0 missed a publication');
    assert.notEqual(after.epoch, published!.epoch);
    await assert.rejects(engine.broker.history(ch('cycle'), { since: before, limit: 10 }, settings), UnrecoverablePositionError);
    const reborn = await engine.broker.publish(ch('cycle'), '{}', undefined, { history: settings });
    assert.deepEqual(reborn, { offset: 1, epoch: after.epoch }, 'a new incarnation, a new epoch');
  });

  test('what the engine drops is unreachable: expired, trimmed and evicted entries are not kept by their stream', async () => {
    const clock = new FakeClock();
    const engine = engineWith(clock, { budgetBytes: 64 * 1024 });
    const settings: HistorySettings = { size: 2, ttlSeconds: 10 };
    const publish = async (channel: string, data = '{}'): Promise<WeakRef<object>> => {
      const info = { user: '1', client: `c-${Math.random()}` };
      await engine.broker.publish(channel, data, info, { history: settings });
      return new WeakRef(info);
    };
    const expired = await publish(ch('gc-expired'));
    const trimmed = await publish(ch('gc-trimmed'));
    await publish(ch('gc-trimmed'));
    await publish(ch('gc-trimmed')); // size 2: the first one is trimmed
    assert.ok(await collected(trimmed), 'an entry trimmed by history_size');

    clock.advance(11);
    engine.retention.sweep();
    assert.equal(engine.counts().historyStreams, 2, 'the streams (meta) are still there');
    assert.ok(await collected(expired), 'an expired entry of a stream whose meta lives on');

    const evicted = await publish(ch('gc-evicted'));
    for (let i = 0; i < 80; i++) await publish(ch(`gc-flood-${i}`), `"${KIB}"`);
    assert.equal((await engine.broker.history(ch('gc-evicted'), { limit: -1 }, settings)).publications.length, 0);
    assert.ok(await collected(evicted), 'an evicted entry');
  });
});
