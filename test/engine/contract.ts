// The engine contract: one suite every adapter must pass (memory now; each Redis mode later). A
// behaviour that differs between adapters is a bug in one of them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  UnrecoverablePositionError,
  type ClientInfo,
  type Engine,
  type EngineEventHandler,
  type Publication,
} from '../../src/engine/engine.js';

export interface EngineFactoryOptions {
  /** Life of a history stream's meta (epoch/offset) after its last publish or read. */
  readonly historyMetaTtlSeconds?: number;
}

export interface EngineFactory {
  /** A fresh engine; runs sharing one backend are kept apart (e.g. by a key prefix). */
  create(options?: EngineFactoryOptions): Promise<Engine>;
  /** How much the backend holds for this engine (memory: stored items; Redis: keys under its prefix). */
  stored?(engine: Engine): Promise<number>;
  /** Another node of `engine`'s cluster (same backend and prefix, its own node id); absent for a cluster of one. */
  peer?(engine: Engine): Promise<Engine>;
}

class Recorder implements EngineEventHandler {
  readonly publications: Array<{ channel: string; publication: Publication }> = [];
  readonly joins: Array<{ channel: string; info: ClientInfo }> = [];
  readonly leaves: Array<{ channel: string; info: ClientInfo }> = [];
  onPublication(channel: string, publication: Publication): void {
    this.publications.push({ channel, publication });
  }
  onJoin(channel: string, info: ClientInfo): void {
    this.joins.push({ channel, info });
  }
  onLeave(channel: string, info: ClientInfo): void {
    this.leaves.push({ channel, info });
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const STATS = () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 });
const HISTORY = { size: 3, ttlSeconds: 60 };
let unique = 0;
const channel = (name: string): string => `1/grafana/broadcast/contract-${process.pid}-${Date.now()}-${unique++}-${name}`;

export function engineContract(name: string, factory: EngineFactory): void {
  describe(`engine contract: ${name}`, () => {
    let engine: Engine;
    const events = new Recorder();

    before(async () => {
      engine = await factory.create();
      await engine.start(events, STATS);
    });
    after(() => engine.close());

    test('delivers publications of subscribed channels in order, with publisher info', async () => {
      const ch = channel('order');
      await engine.broker.subscribe([ch]);
      const info = { user: '5', client: 'c-1' };
      for (let i = 0; i < 20; i++) await engine.broker.publish(ch, JSON.stringify({ i }), i === 0 ? info : undefined, {});
      await eventually(() => events.publications.filter((p) => p.channel === ch).length === 20, 'publications');
      const got = events.publications.filter((p) => p.channel === ch).map((p) => p.publication);
      assert.deepEqual(got.map((p) => JSON.parse(p.data) as unknown), Array.from({ length: 20 }, (_, i) => ({ i })));
      assert.deepEqual(got[0]!.info, info);
      assert.equal(got[1]!.info, undefined);
      assert.equal(got[0]!.offset, undefined, 'no offsets without history');
    });

    test('publishes with history get increasing offsets within one epoch', async () => {
      const ch = channel('offsets');
      await engine.broker.subscribe([ch]);
      const positions = [];
      for (let i = 1; i <= 5; i++) positions.push(await engine.broker.publish(ch, `{"n":${i}}`, undefined, { history: HISTORY }));
      assert.deepEqual(positions.map((p) => p?.offset), [1, 2, 3, 4, 5]);
      const epochs = new Set(positions.map((p) => p?.epoch));
      assert.equal(epochs.size, 1);
      await eventually(() => events.publications.filter((p) => p.channel === ch).length === 5, 'history publications');
      const delivered = events.publications.filter((p) => p.channel === ch).map((p) => p.publication);
      assert.deepEqual(delivered.map((p) => p.offset), [1, 2, 3, 4, 5]);
      assert.deepEqual(delivered.map((p) => p.epoch), positions.map((p) => p?.epoch));
    });

    test('history: bounded size, limit, since, reverse, epoch check', async () => {
      const ch = channel('history');
      for (let i = 1; i <= 5; i++) await engine.broker.publish(ch, `{"n":${i}}`, { user: '1', client: 'x' }, { history: HISTORY });
      const top = await engine.broker.history(ch, { limit: 0 }, HISTORY);
      assert.equal(top.publications.length, 0);
      assert.equal(top.position.offset, 5);
      const all = await engine.broker.history(ch, { limit: -1 }, HISTORY);
      assert.deepEqual(all.publications.map((p) => p.offset), [3, 4, 5], 'size 3 keeps the latest three');
      assert.deepEqual(all.publications[0]!.info, { user: '1', client: 'x' });
      assert.equal(all.publications[0]!.data, '{"n":3}');
      const since = await engine.broker.history(ch, { limit: 10, since: { offset: 3, epoch: top.position.epoch } }, HISTORY);
      assert.deepEqual(since.publications.map((p) => p.offset), [4, 5]);
      const reverse = await engine.broker.history(ch, { limit: 2, reverse: true }, HISTORY);
      assert.deepEqual(reverse.publications.map((p) => p.offset), [5, 4]);
      const reverseSince = await engine.broker.history(ch, { limit: 10, reverse: true, since: { offset: 5, epoch: top.position.epoch } }, HISTORY);
      assert.deepEqual(reverseSince.publications.map((p) => p.offset), [4, 3]);
      await assert.rejects(engine.broker.history(ch, { limit: 10, since: { offset: 1, epoch: 'otherEpo' } }, HISTORY), UnrecoverablePositionError);
    });

    test('reads of channels that hold nothing create nothing', async (t) => {
      const stored = factory.stored;
      if (stored === undefined) return t.skip('the factory cannot count what its backend holds');
      const before = await stored(engine);
      for (let i = 0; i < 200; i++) {
        const ch = channel(`unused-${i}`);
        const position = (await engine.broker.history(ch, { limit: -1 }, HISTORY)).position;
        await engine.broker.history(ch, { limit: 0 }, HISTORY);
        await engine.broker.history(ch, { limit: 10, reverse: true }, HISTORY);
        await engine.broker.history(ch, { limit: 10, since: position }, HISTORY);
        await assert.rejects(engine.broker.history(ch, { limit: 10, since: { offset: 3, epoch: 'otherEpo' } }, HISTORY), UnrecoverablePositionError);
        await engine.presence.get(ch);
        await engine.presence.stats(ch);
        await engine.store.get(`kv.${ch}`);
        await engine.frames.get(ch);
      }
      assert.equal(await stored(engine), before);
    });

    test('a stream that expired answers a new epoch; positions in it or from before it are refused', async () => {
      const shortMeta = await factory.create({ historyMetaTtlSeconds: 1 });
      await shortMeta.start(new Recorder(), STATS);
      try {
        const ch = channel('meta-ttl');
        const settings = { size: 10, ttlSeconds: 1 };
        const unused = (await shortMeta.broker.history(ch, { limit: 0 }, settings)).position;
        const published = await shortMeta.broker.publish(ch, '{}', undefined, { history: settings });
        assert.equal(published?.offset, 1);
        await shortMeta.broker.publish(ch, '{}', undefined, { history: settings });
        // One read only, after the TTL: a read refreshes a live meta's TTL, as a publish does.
        await new Promise((r) => setTimeout(r, 2200));
        const now = (await shortMeta.broker.history(ch, { limit: 0 }, settings)).position;
        assert.equal(now.offset, 0, 'the expired stream is gone');
        assert.notEqual(now.epoch, published!.epoch);
        assert.notEqual(now.epoch, unused.epoch, 'a client that saw offset 0 before the stream existed missed publications');
        await assert.rejects(shortMeta.broker.history(ch, { limit: 10, since: published! }, settings), UnrecoverablePositionError);
        await assert.rejects(shortMeta.broker.history(ch, { limit: 10, since: unused }, settings), UnrecoverablePositionError);
        // The next incarnation of the stream never reuses the old epoch (offsets restart at 1).
        const again = await shortMeta.broker.publish(ch, '{}', undefined, { history: settings });
        assert.equal(again?.offset, 1);
        assert.notEqual(again?.epoch, published!.epoch);
      } finally {
        await shortMeta.close();
      }
    });

    test('history of an unknown channel has an epoch and offset 0', async () => {
      const ch = channel('fresh');
      const result = await engine.broker.history(ch, { limit: -1 }, HISTORY);
      assert.equal(result.position.offset, 0);
      assert.match(result.position.epoch, /^[a-zA-Z]{8}$/);
      const again = await engine.broker.history(ch, { limit: 0 }, HISTORY);
      assert.equal(again.position.epoch, result.position.epoch, 'the epoch is stable once created');
    });

    test('the first publish continues the position handed out while the channel was empty', async () => {
      const ch = channel('first');
      const empty = (await engine.broker.history(ch, { limit: 0 }, HISTORY)).position;
      const first = await engine.broker.publish(ch, '{"n":1}', undefined, { history: HISTORY });
      // A subscriber positioned at {0, epoch} receives offset 1 of the same epoch: no resubscribe.
      assert.deepEqual(first, { offset: 1, epoch: empty.epoch });
      const since = await engine.broker.history(ch, { since: empty, limit: 10 }, HISTORY);
      assert.deepEqual(since.publications.map((p) => p.offset), [1], 'a client at offset 0 recovers the first publication');
    });

    test('history entries expire after their TTL; the offset does not go back', async () => {
      const ch = channel('ttl');
      const shortLived = { size: 10, ttlSeconds: 1 };
      await engine.broker.publish(ch, '{}', undefined, { history: shortLived });
      await new Promise((r) => setTimeout(r, 1300));
      const result = await engine.broker.history(ch, { limit: -1 }, shortLived);
      assert.equal(result.publications.length, 0);
      assert.equal(result.position.offset, 1);
    });

    test('join and leave reach subscribed nodes', async () => {
      const ch = channel('joins');
      await engine.broker.subscribe([ch]);
      await engine.broker.publishJoin(ch, { user: '1', client: 'a' });
      await engine.broker.publishLeave(ch, { user: '1', client: 'a' });
      await eventually(() => events.joins.some((j) => j.channel === ch) && events.leaves.some((l) => l.channel === ch), 'join/leave');
    });

    test('presence: add, refresh, stats with unique users, remove', async () => {
      const ch = channel('presence');
      await engine.presence.add(ch, { user: '1', client: 'a' });
      await engine.presence.add(ch, { user: '1', client: 'b' });
      await engine.presence.add(ch, { user: '2', client: 'c' });
      await engine.presence.add(ch, { user: '2', client: 'c' });
      assert.deepEqual(await engine.presence.stats(ch), { numClients: 3, numUsers: 2 });
      const entries = await engine.presence.get(ch);
      assert.deepEqual([...entries.keys()].sort(), ['a', 'b', 'c']);
      assert.deepEqual(entries.get('c'), { user: '2', client: 'c' });
      await engine.presence.remove(ch, 'a');
      await engine.presence.remove(ch, 'nobody');
      assert.deepEqual(await engine.presence.stats(ch), { numClients: 2, numUsers: 2 });
      assert.deepEqual(await engine.presence.stats(channel('empty')), { numClients: 0, numUsers: 0 });
    });

    test('key/value store with expiry', async () => {
      const key = `kv.${channel('kv')}`;
      assert.equal(await engine.store.get(key), undefined);
      await engine.store.set(key, '{"a":1}', 60);
      assert.equal(await engine.store.get(key), '{"a":1}');
      await engine.store.set(key, '{"a":2}', 1);
      assert.equal(await engine.store.get(key), '{"a":2}');
      await new Promise((r) => setTimeout(r, 1300));
      assert.equal(await engine.store.get(key), undefined);
    });

    test('frame cache: full frame when the schema changes, data-only otherwise, last frame kept', async () => {
      const ch = channel('frames');
      await engine.broker.subscribe([ch]);
      const schemaA = '{"schema":{"name":"cpu","fields":[]}}';
      const schemaB = '{"schema":{"name":"cpu","fields":[{"name":"x"}]}}';
      const push = (schema: string, n: number) => engine.frames.push(ch, {
        schema,
        frame: `${schema.slice(0, -1)},"data":{"values":[[${n}]]}}`,
        data: `{"data":{"values":[[${n}]]}}`,
      });
      assert.equal(await engine.frames.get(ch), undefined);
      assert.deepEqual(await push(schemaA, 1), { changed: true });
      assert.deepEqual(await push(schemaA, 2), { changed: false });
      assert.deepEqual(await push(schemaB, 3), { changed: true });
      await eventually(() => events.publications.filter((p) => p.channel === ch).length === 3, 'frame publications');
      const sent = events.publications.filter((p) => p.channel === ch).map((p) => p.publication.data);
      assert.deepEqual(sent, [
        '{"schema":{"name":"cpu","fields":[]},"data":{"values":[[1]]}}',
        '{"data":{"values":[[2]]}}',
        '{"schema":{"name":"cpu","fields":[{"name":"x"}]},"data":{"values":[[3]]}}',
      ]);
      assert.deepEqual(await engine.frames.get(ch), { schema: schemaB, frame: sent[2] });
    });

    test('cluster: lists this node and answers its own survey', async () => {
      const nodes = engine.cluster.nodes();
      assert.ok(nodes.some((n) => n.id === engine.cluster.nodeId));
      engine.cluster.onSurvey('echo', async (payload) => `{"echo":${payload}}`);
      const result = await engine.cluster.survey('echo', '"hi"', 1000);
      assert.deepEqual(result.replies, [{ nodeId: engine.cluster.nodeId, payload: '{"echo":"hi"}' }]);
      assert.deepEqual(result.missing, []);
      const unknown = await engine.cluster.survey('nosuchop', '{}', 500);
      assert.equal(unknown.replies.length, 0);
    });

    test('cluster: a notification is sent without error and never comes back to its sender', async () => {
      const got: string[] = [];
      engine.cluster.onNotify('contract-note', (payload) => got.push(payload));
      await engine.cluster.notify('contract-note', '{"r":["glh:x"],"c":[]}');
      // A published control message would be back within milliseconds.
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(got, []);
    });

    test('publication data and publisher info arrive byte for byte', async () => {
      const ch = channel('bytes');
      await engine.broker.subscribe([ch]);
      const odd = ['{ "a" : 1.0 ,"b":[1e2, -0] }', '"é ✓ 漢字 \\"q\\" ,\\"d\\":"', '{"big":123456789012345678901234567890}', '[]'];
      const info = { user: 'user "one"', client: 'c,"d":1' };
      for (const data of odd) await engine.broker.publish(ch, data, info, {});
      await eventually(() => events.publications.filter((p) => p.channel === ch).length === odd.length, 'odd publications');
      const got = events.publications.filter((p) => p.channel === ch).map((p) => p.publication);
      assert.deepEqual(got.map((p) => p.data), odd);
      for (const p of got) assert.deepEqual(p.info, info);
    });

    test('history offsets are per channel; since the top returns nothing', async () => {
      const a = channel('per-a');
      const b = channel('per-b');
      const pa1 = await engine.broker.publish(a, '1', undefined, { history: HISTORY });
      const pa2 = await engine.broker.publish(a, '2', undefined, { history: HISTORY });
      const pb1 = await engine.broker.publish(b, '1', undefined, { history: HISTORY });
      assert.deepEqual([pa1?.offset, pa2?.offset, pb1?.offset], [1, 2, 1]);
      const atTop = await engine.broker.history(a, { limit: -1, since: { offset: 2, epoch: pa2!.epoch } }, HISTORY);
      assert.deepEqual(atTop.publications, []);
      assert.deepEqual(atTop.position, { offset: 2, epoch: pa2!.epoch });
      const many = await engine.broker.history(a, { limit: 50 }, HISTORY);
      assert.deepEqual(many.publications.map((p) => [p.offset, p.data]), [[1, '1'], [2, '2']]);
    });

    test('join and leave carry the client info', async () => {
      const ch = channel('join-info');
      await engine.broker.subscribe([ch]);
      const info = { user: '42', client: 'client-xyz' };
      await engine.broker.publishJoin(ch, info);
      await engine.broker.publishLeave(ch, info);
      await eventually(() => events.leaves.some((l) => l.channel === ch), 'leave');
      assert.deepEqual(events.joins.filter((j) => j.channel === ch).map((j) => j.info), [info]);
      assert.deepEqual(events.leaves.filter((l) => l.channel === ch).map((l) => l.info), [info]);
    });

    test('presence of a channel nobody joined is empty', async () => {
      const entries = await engine.presence.get(channel('nobody'));
      assert.equal(entries.size, 0);
    });

    test('survey: a failing handler reports this node missing', async () => {
      engine.cluster.onSurvey('fails', async () => {
        throw new Error('boom');
      });
      const result = await engine.cluster.survey('fails', '{}', 500);
      assert.deepEqual(result.replies, []);
      assert.ok(result.missing.includes(engine.cluster.nodeId));
    });

    test('cluster: asking one node — itself in-process; an unknown node, op or failing handler gives no answer', async () => {
      engine.cluster.onSurvey('ask-echo', async (payload) => `echo ${payload}`);
      engine.cluster.onSurvey('ask-fails', async () => {
        throw new Error('boom');
      });
      const self = engine.cluster.nodeId;
      assert.equal(await engine.cluster.askNode(self, 'ask-echo', 'x', 1000), 'echo x');
      assert.equal(await engine.cluster.askNode(self, 'ask-nosuchop', 'x', 1000), undefined);
      assert.equal(await engine.cluster.askNode(self, 'ask-fails', 'x', 1000), undefined);
      const started = Date.now();
      assert.equal(await engine.cluster.askNode('no-such-node', 'ask-echo', 'x', 3000), undefined);
      assert.ok(Date.now() - started < 1000, 'a node never seen is not waited for');
    });

    test('cluster: asking another node reaches that node alone, and its answer comes back', { skip: factory.peer === undefined ? 'a cluster of one' : false }, async () => {
      const peer = await factory.peer!(engine);
      const third = await factory.peer!(engine);
      const heard: string[] = [];
      try {
        await peer.start(new Recorder(), STATS);
        await third.start(new Recorder(), STATS);
        peer.cluster.onSurvey('ask-who', async (payload) => {
          heard.push(`peer:${payload}`);
          return `peer got ${payload}`;
        });
        third.cluster.onSurvey('ask-who', async (payload) => {
          heard.push(`third:${payload}`);
          return `third got ${payload}`;
        });
        await eventually(() => engine.cluster.nodes().some((n) => n.id === peer.cluster.nodeId), 'peer heartbeat seen');
        assert.equal(await engine.cluster.askNode(peer.cluster.nodeId, 'ask-who', '1', 2000), 'peer got 1');
        assert.equal(await engine.cluster.askNode(peer.cluster.nodeId, 'ask-nosuchop', '2', 500), undefined);
        // Let a misdirected copy arrive, if there were one.
        await new Promise((r) => setTimeout(r, 100));
        assert.deepEqual(heard, ['peer:1'], 'only the node asked heard the request');
      } finally {
        await peer.close();
        await third.close();
      }
    });

    test('health reports ok when running', () => {
      assert.equal(engine.health().healthy, true);
    });
  });
}
