// Several RedisEngine instances ("nodes") against real redis-servers: exactly-once delivery, one
// subscription per channel per node with batched SUBSCRIBE, presence with TTL, heartbeats and
// surveys, the shared frame cache, and failure behaviour (down at start, restart, deaf connection).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisServer, parseInfoCalls, startRedisServer, type RedisServer } from '../../../harness/redis.js';
import { startTcpProxy, type TcpProxy } from '../../../harness/tcp-proxy.js';
import { sleep, waitUntil } from '../../../harness/wait.js';
import { EngineUnavailableError, type ClientInfo, type EngineEventHandler, type NodeStats, type Publication } from '../../../src/engine/engine.js';
import { parseAddresses } from '../../../src/engine/redis/address.js';
import { Connection, ioredisOptions } from '../../../src/engine/redis/connections.js';
import { ShardSubscriber } from '../../../src/engine/redis/pubsub.js';
import { RedisEngine, type RedisEngineTimings } from '../../../src/engine/redis/redis-engine.js';
import { SEGMENT_PUBLICATIONS } from '../../../src/engine/redis/publish-batcher.js';
import { createLogger } from '../../../src/log/logger.js';

class Events implements EngineEventHandler {
  readonly publications: Array<{ channel: string; publication: Publication }> = [];
  readonly joins: Array<{ channel: string; info: ClientInfo }> = [];
  readonly resubscribed: string[][] = [];
  /** What `probe` said at each onResubscribed (e.g. whether commands work yet). */
  readonly probedAtResubscribe: boolean[] = [];
  probe: (() => boolean) | undefined;
  onPublication(channel: string, publication: Publication): void {
    this.publications.push({ channel, publication });
  }
  onJoin(channel: string, info: ClientInfo): void {
    this.joins.push({ channel, info });
  }
  onLeave(): void {}
  onResubscribed(channels: readonly string[]): void {
    this.resubscribed.push([...channels]);
    if (this.probe !== undefined) this.probedAtResubscribe.push(this.probe());
  }
  on(channel: string): Publication[] {
    return this.publications.filter((p) => p.channel === channel).map((p) => p.publication);
  }
}

const ZERO: NodeStats = { numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 };
const servers: RedisServer[] = [];
const engines: RedisEngine[] = [];
const admins: Redis[] = [];
const proxies: TcpProxy[] = [];
let shared: RedisServer;
let unique = 0;

interface NodeOptions {
  readonly port: number;
  readonly prefix: string;
  readonly id?: string;
  readonly timings?: Partial<RedisEngineTimings>;
  readonly required?: boolean;
  readonly logLines?: string[];
}

function node(options: NodeOptions): RedisEngine {
  const lines = options.logLines;
  const engine = new RedisEngine({
    shards: parseAddresses({ address: `127.0.0.1:${options.port}` }),
    prefix: options.prefix,
    self: { id: options.id ?? `node-${unique++}`, name: `host-${options.id ?? unique}`, version: '9.9.9' },
    log: lines === undefined ? createLogger('error') : createLogger('debug', (line) => lines.push(line)),
    ...(options.required === undefined ? {} : { required: options.required }),
    timings: { maxReconnectDelayMs: 200, connectTimeoutMs: 500, commandTimeoutMs: 1000, ...options.timings },
  });
  engines.push(engine);
  return engine;
}

function admin(port: number): Redis {
  const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  admins.push(client);
  return client;
}

async function numsub(client: Redis, channels: readonly string[]): Promise<number[]> {
  const reply = (await client.call('PUBSUB', 'NUMSUB', ...channels)) as Array<string | number>;
  const counts: number[] = [];
  for (let i = 1; i < reply.length; i += 2) counts.push(Number(reply[i]));
  return counts;
}

/** The CLIENT LIST line of the connection with this name (client names are set per connection). */
async function clientLine(client: Redis, name: string): Promise<string> {
  const clients = await client.client('LIST') as string;
  return clients.split('\n').find((l) => l.includes(`name=${name} `)) ?? '';
}

async function commandCalls(client: Redis, command: string): Promise<number> {
  return parseInfoCalls(await client.info('commandstats'), command);
}

const prefix = (): string => `ha${process.pid}-${unique++}.gf_live`;

/** Two started nodes on the shared Redis under a fresh prefix; B records what it receives. */
async function startedPair(): Promise<{ p: string; a: RedisEngine; b: RedisEngine; eventsB: Events }> {
  const p = prefix();
  const eventsB = new Events();
  const a = node({ port: shared.port, prefix: p });
  const b = node({ port: shared.port, prefix: p });
  await a.start(new Events(), () => ZERO);
  await b.start(eventsB, () => ZERO);
  return { p, a, b, eventsB };
}

before(async () => {
  shared = await startRedisServer();
  servers.push(shared);
});

after(async () => {
  await Promise.all(engines.map((e) => e.close()));
  for (const a of admins) a.disconnect();
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(servers.map((s) => s.kill('SIGKILL')));
});

describe('two nodes on one Redis', () => {
  test('a publication from A reaches B exactly once (and A itself once)', async () => {
    const p = prefix();
    const eventsA = new Events();
    const eventsB = new Events();
    const a = node({ port: shared.port, prefix: p });
    const b = node({ port: shared.port, prefix: p });
    await a.start(eventsA, () => ZERO);
    await b.start(eventsB, () => ZERO);
    const ch = '1/grafana/broadcast/once';
    await a.broker.subscribe([ch]);
    await b.broker.subscribe([ch]);
    for (let i = 0; i < 50; i++) await a.broker.publish(ch, `{"i":${i}}`, undefined, i % 2 === 0 ? { history: { size: 100, ttlSeconds: 60 } } : {});
    await b.broker.publishJoin(ch, { user: '7', client: 'j' });
    await waitUntil(() => eventsA.on(ch).length === 50 && eventsB.on(ch).length === 50 && eventsA.joins.length === 1, 'deliveries on both nodes', 5000);
    await sleep(200); // duplicates would arrive by now
    const expected = Array.from({ length: 50 }, (_, i) => `{"i":${i}}`);
    assert.deepEqual(eventsB.on(ch).map((p) => p.data), expected);
    assert.deepEqual(eventsA.on(ch).map((p) => p.data), expected);
    assert.deepEqual(eventsB.on(ch).filter((_, i) => i % 2 === 0).map((p) => p.offset), Array.from({ length: 25 }, (_, i) => i + 1), 'both nodes see the same offsets');
    assert.deepEqual(eventsA.joins, [{ channel: ch, info: { user: '7', client: 'j' } }]);
  });

  test('publications of one loop turn travel in a few batched Redis commands, in order per channel', async () => {
    // Its own Redis and no periodic heartbeats, so commandstats counts only this test's commands.
    const own = await startRedisServer();
    servers.push(own);
    const p = prefix();
    const eventsB = new Events();
    const quiet = { heartbeatIntervalMs: 600_000 };
    const a = node({ port: own.port, prefix: p, timings: quiet });
    const b = node({ port: own.port, prefix: p, timings: quiet });
    await a.start(new Events(), () => ZERO);
    await b.start(eventsB, () => ZERO);
    const channels = ['1/grafana/broadcast/batch-x', '1/grafana/broadcast/batch-y', '1/grafana/broadcast/batch-z'];
    await b.broker.subscribe(channels);
    await sleep(300); // the start-up heartbeats are out before counting
    const client = admin(own.port);
    const before = await commandCalls(client, 'evalsha');
    const publishesBefore = await commandCalls(client, 'publish');
    const stats0 = { ...a.broker.batcher.stats };
    // 1,500 publications (3 × 500, ~1 KB each with a multi-byte character) and a join, all in one
    // synchronous run: one turn for the batcher.
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 500; i++) {
      for (const ch of channels) pending.push(a.broker.publish(ch, JSON.stringify({ i, s: `é${'x'.repeat(1000)}` }), { user: '3', client: `c${i}` }, {}));
    }
    pending.push(a.broker.publishJoin(channels[0]!, { user: '8', client: 'late' }));
    await Promise.all(pending);
    await waitUntil(() => eventsB.publications.length === 1500 && eventsB.joins.length === 1, 'all 1,500 publications and the join on B', 10_000);
    for (const ch of channels) {
      const got = eventsB.on(ch);
      assert.deepEqual(got.map((x) => (JSON.parse(x.data) as { i: number }).i), Array.from({ length: 500 }, (_, i) => i), `order of ${ch}`);
      assert.deepEqual(got[7]!.info, { user: '3', client: 'c7' });
    }
    const stats = a.broker.batcher.stats;
    const commands = stats.commands - stats0.commands;
    assert.equal(stats.publications - stats0.publications, 1501);
    assert.equal(commands, Math.ceil(1501 / SEGMENT_PUBLICATIONS), 'one script call per segment of the turn');
    // Every segment holds all three channels, each channel's share packed into one Redis message.
    assert.equal(stats.messages - stats0.messages, 3 * commands);
    assert.equal((await commandCalls(client, 'evalsha')) - before, commands);
    // commandstats counts the script's own redis.call('publish'): one per channel per segment.
    assert.equal((await commandCalls(client, 'publish')) - publishesBefore, 3 * commands, 'one PUBLISH per channel per segment');
    assert.equal(b.counters.undecodable, 0);
  });

  test('a single publication of a turn is one plain PUBLISH; a failed turn rejects all its callers', async () => {
    const own = await startRedisServer();
    servers.push(own);
    const p = prefix();
    const a = node({ port: own.port, prefix: p });
    await a.start(new Events(), () => ZERO);
    const client = admin(own.port);
    const before = await commandCalls(client, 'publish');
    await a.broker.publish('1/grafana/broadcast/single', '{"one":1}', undefined, {});
    assert.equal((await commandCalls(client, 'publish')) - before, 1);
    await own.kill('SIGKILL');
    await waitUntil(() => !a.health().healthy, 'the node to notice Redis is gone', 5000);
    const results = await Promise.allSettled([1, 2, 3].map((i) => a.broker.publish('1/grafana/broadcast/single', `{"i":${i}}`, undefined, {})));
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof EngineUnavailableError), 'every caller gets the engine error');
  });

  test('one Redis subscription per channel per node; SUBSCRIBE/UNSUBSCRIBE batched by 512', async () => {
    const p = prefix();
    const a = node({ port: shared.port, prefix: p });
    const b = node({ port: shared.port, prefix: p });
    await a.start(new Events(), () => ZERO);
    await b.start(new Events(), () => ZERO);
    const redis = admin(shared.port);
    const channels = Array.from({ length: 1200 }, (_, i) => `1/grafana/broadcast/many-${i}`);
    const redisChannels = channels.map((c) => `${p}.client.${c}`);

    const before = await commandCalls(redis, 'subscribe');
    await a.broker.subscribe(channels);
    const afterA = await commandCalls(redis, 'subscribe');
    assert.equal(afterA - before, 3, '1200 channels = 3 SUBSCRIBE commands');
    assert.ok((await numsub(redis, redisChannels)).every((n) => n === 1));

    await b.broker.subscribe(channels);
    assert.ok((await numsub(redis, redisChannels)).every((n) => n === 2), 'one subscription per node');

    const unsubBefore = await commandCalls(redis, 'unsubscribe');
    await a.broker.unsubscribe(channels);
    assert.equal((await commandCalls(redis, 'unsubscribe')) - unsubBefore, 3);
    assert.ok((await numsub(redis, redisChannels)).every((n) => n === 1));
    await b.broker.unsubscribe(channels);
    assert.ok((await numsub(redis, redisChannels)).every((n) => n === 0));
  });

  test('presence is shared, kept alive by its node, and gone within the TTL after that node dies', async () => {
    const p = prefix();
    const timings = { presenceTtlSeconds: 2, presenceRefreshMs: 300 };
    const a = node({ port: shared.port, prefix: p, timings });
    const b = node({ port: shared.port, prefix: p, timings });
    await a.start(new Events(), () => ZERO);
    await b.start(new Events(), () => ZERO);
    const ch = '1/grafana/dashboard/uid/presence';
    await a.presence.add(ch, { user: '1', client: 'a1' });
    await a.presence.add(ch, { user: '1', client: 'a2' });
    await b.presence.add(ch, { user: '2', client: 'b1' });
    assert.deepEqual(await b.presence.stats(ch), { numClients: 3, numUsers: 2 });
    assert.deepEqual([...(await a.presence.get(ch)).keys()].sort(), ['a1', 'a2', 'b1']);

    await sleep(2600); // longer than the TTL: only the refresh keeps the entries
    assert.deepEqual(await b.presence.stats(ch), { numClients: 3, numUsers: 2 }, 'refreshed while the nodes live');

    await a.close(); // node A dies: nobody refreshes a1/a2 any more
    const diedAt = Date.now();
    await waitUntil(async () => (await b.presence.stats(ch)).numClients === 1, "A's clients to expire", 4000);
    assert.ok(Date.now() - diedAt <= 3000, `gone after ${Date.now() - diedAt} ms (TTL 2 s)`);
    assert.deepEqual([...(await b.presence.get(ch)).entries()], [['b1', { user: '2', client: 'b1' }]]);
  });

  test('heartbeats build the node list; surveys collect every node and report a stopped one missing', async () => {
    const p = prefix();
    const timings = { heartbeatIntervalMs: 200, nodeExpiryMs: 700, nodeCleanupMs: 300 };
    const ids = ['node-a', 'node-b', 'node-c'];
    const [a, b, c] = ids.map((id) => node({ port: shared.port, prefix: p, id, timings })) as [RedisEngine, RedisEngine, RedisEngine];
    await a.start(new Events(), () => ({ numClients: 1, numUsers: 1, numSubscriptions: 1, numChannels: 1 }));
    await b.start(new Events(), () => ({ numClients: 7, numUsers: 3, numSubscriptions: 9, numChannels: 2 }));
    await c.start(new Events(), () => ZERO);
    for (const e of [a, b, c]) e.cluster.onSurvey('echo', async (payload) => `{"from":"${e.cluster.nodeId}","got":${payload}}`);

    await waitUntil(() => a.cluster.nodes().length === 3, 'A to know all three nodes', 3000);
    const nodeB = a.cluster.nodes().find((n) => n.id === 'node-b');
    assert.deepEqual(
      { name: nodeB?.name, version: nodeB?.version, numClients: nodeB?.numClients, numUsers: nodeB?.numUsers, numSubscriptions: nodeB?.numSubscriptions, numChannels: nodeB?.numChannels },
      { name: 'host-node-b', version: '9.9.9', numClients: 7, numUsers: 3, numSubscriptions: 9, numChannels: 2 },
    );
    assert.equal(a.cluster.nodes()[0]!.id, 'node-a', 'self first');

    const all = await a.cluster.survey('echo', '1', 1000);
    assert.deepEqual(all.replies.map((r) => r.nodeId).sort(), ids);
    assert.equal(all.replies.find((r) => r.nodeId === 'node-c')?.payload, '{"from":"node-c","got":1}');
    assert.deepEqual(all.missing, []);

    const unknown = await b.cluster.survey('no-such-op', '{}', 1000);
    assert.deepEqual(unknown.replies, []);
    assert.deepEqual([...unknown.missing].sort(), ids);

    await c.close();
    const started = Date.now();
    const partial = await a.cluster.survey('echo', '2', 500);
    const took = Date.now() - started;
    assert.deepEqual(partial.replies.map((r) => r.nodeId).sort(), ['node-a', 'node-b']);
    assert.deepEqual(partial.missing, ['node-c']);
    assert.ok(took >= 450 && took < 1000, `answered within the timeout (${took} ms)`);

    await waitUntil(() => !a.cluster.nodes().some((n) => n.id === 'node-c'), 'C to leave the node list', 2000);
    const quick = Date.now();
    assert.deepEqual((await a.cluster.survey('echo', '3', 1000)).missing, []);
    assert.ok(Date.now() - quick < 500, 'no waiting for a node that is gone');
  });

  test('a notification reaches every other node once, not its sender; unknown ops and garbage are dropped', async () => {
    const p = prefix();
    const [a, b, c] = ['n-a', 'n-b', 'n-c'].map((id) => node({ port: shared.port, prefix: p, id })) as [RedisEngine, RedisEngine, RedisEngine];
    for (const e of [a, b, c]) await e.start(new Events(), () => ZERO);
    const got = new Map<string, string[]>([['n-a', []], ['n-b', []], ['n-c', []]]);
    for (const e of [a, b, c]) e.cluster.onNotify('note', (payload) => got.get(e.cluster.nodeId)!.push(payload));
    // No heartbeat needed: a node that just started hears notifications before it is in anyone's node list.
    await a.cluster.notify('note', '{"r":["glh:abc"],"c":[]}');
    await b.cluster.notify('other-op', 'ignored');
    await admin(shared.port).publish(`${p}.control`, '{"v":1,"t":"nt","n":"x"}');
    await waitUntil(() => got.get('n-b')!.length === 1 && got.get('n-c')!.length === 1, 'B and C to hear A', 3000);
    await sleep(200);
    assert.deepEqual(Object.fromEntries(got), { 'n-a': [], 'n-b': ['{"r":["glh:abc"],"c":[]}'], 'n-c': ['{"r":["glh:abc"],"c":[]}'] });
    await c.close();
    await assert.rejects(c.cluster.notify('note', '{}'), /control shard/, 'a closed engine cannot send');
  });

  test('the frame cache is shared: push on A, read and receive on B', async () => {
    const { p, a, b, eventsB } = await startedPair();
    const ch = '1/stream/telegraf/cpu';
    await b.broker.subscribe([ch]);
    const schema = '{"schema":{"name":"cpu","fields":[{"name":"time"}]}}';
    const frame = (n: number) => ({ schema, frame: `{"schema":{"name":"cpu","fields":[{"name":"time"}]},"data":{"values":[[${n}]]}}`, data: `{"data":{"values":[[${n}]]}}` });
    assert.deepEqual(await a.frames.push(ch, frame(1)), { changed: true });
    assert.deepEqual(await a.frames.push(ch, frame(2)), { changed: false });
    assert.deepEqual(await b.frames.get(ch), { schema, frame: frame(2).frame });
    // B's first push after connecting is a full frame even with the same schema (resync rule).
    assert.deepEqual(await b.frames.push(ch, frame(3)), { changed: true });
    assert.deepEqual(await b.frames.push(ch, frame(4)), { changed: false });
    assert.deepEqual(await a.frames.push(ch, frame(5)), { changed: false });
    await waitUntil(() => eventsB.on(ch).length === 5, 'frame publications on B', 3000);
    assert.deepEqual(eventsB.on(ch).map((p) => p.data), [frame(1).frame, frame(2).data, frame(3).frame, frame(4).data, frame(5).data]);
    const redis = admin(shared.port);
    const ttl = await redis.ttl(`${p}.managed_stream.${ch}`);
    assert.ok(ttl > 604_000 && ttl <= 604_800, `7-day TTL (${ttl})`);
  });

  test('frame pushes of one turn share one script call and behave exactly as one by one', async () => {
    const { a, b, eventsB } = await startedPair();
    const cpu = '1/stream/telegraf/cpu';
    const mem = '1/stream/telegraf/mem';
    await b.broker.subscribe([cpu, mem]);
    const s1 = '{"schema":{"fields":[{"name":"time"}]}}';
    const s2 = '{"schema":{"fields":[{"name":"time"},{"name":"v"}]}}';
    const push = (ch: string, schema: string, n: number) => a.frames.push(ch, { schema, frame: `{"f":${n}}`, data: `{"d":${n}}` });
    const stats0 = { ...a.frames.batcher.stats };
    // All in one synchronous run: the first push of each channel is full (new to this node), the same
    // schema again is data only, a new schema is full, and the next one is data only again.
    const results = await Promise.all([push(cpu, s1, 1), push(mem, s1, 1), push(cpu, s1, 2), push(cpu, s2, 3), push(mem, s1, 2), push(cpu, s2, 4)]);
    assert.deepEqual(results.map((r) => r.changed), [true, true, false, true, false, false]);
    assert.equal(a.frames.batcher.stats.commands - stats0.commands, 1, 'one FRAME_PUSH call for the turn');
    await waitUntil(() => eventsB.publications.length === 6, 'six frame publications on B', 3000);
    assert.deepEqual(eventsB.on(cpu).map((x) => x.data), ['{"f":1}', '{"d":2}', '{"f":3}', '{"d":4}']);
    assert.deepEqual(eventsB.on(mem).map((x) => x.data), ['{"f":1}', '{"d":2}']);
    assert.deepEqual(await b.frames.get(cpu), { schema: s2, frame: '{"f":4}' });
    assert.deepEqual(await b.frames.get(mem), { schema: s1, frame: '{"f":2}' });
  });

  test('undecodable traffic is dropped and counted; on P.control it is blamed on a shared prefix', async () => {
    const p = prefix();
    const lines: string[] = [];
    const events = new Events();
    const e = node({ port: shared.port, prefix: p, logLines: lines });
    await e.start(events, () => ZERO);
    const ch = '1/grafana/broadcast/garbage';
    await e.broker.subscribe([ch]);
    const redis = admin(shared.port);
    await redis.publish(`${p}.client.${ch}`, '\u0008\u0001protobuf-ish');
    await redis.publish(`${p}.control`, '\u0008\u0002grafana heartbeat');
    await e.broker.publish(ch, '{"ok":true}', undefined, {});
    await waitUntil(() => events.on(ch).length === 1 && e.counters.undecodableControl === 1, 'the good publication and the control count', 3000);
    assert.equal(e.counters.undecodable, 1);
    assert.deepEqual(events.on(ch).map((p) => p.data), ['{"ok":true}']);
    assert.ok(lines.some((l) => l.includes('"level":"error"') && l.includes('another installation') && l.includes('ha_prefix')), lines.join('\n'));
  });
});

describe('failure behaviour', () => {
  test('Redis down at start: start resolves, reports not ready, then connects and delivers', async () => {
    const server = await createRedisServer();
    servers.push(server);
    const lines: string[] = [];
    const events = new Events();
    const e = node({ port: server.port, prefix: prefix(), logLines: lines, timings: { startWaitMs: 300, downLogIntervalMs: 250 } });
    const t0 = Date.now();
    await e.start(events, () => ZERO);
    assert.ok(Date.now() - t0 < 1500, 'start() did not wait for Redis');
    const health = e.health();
    assert.equal(health.healthy, false);
    assert.equal(health.state, 'connecting');
    assert.match(health.detail ?? '', new RegExp(String(server.port)));

    const ch = '1/grafana/broadcast/late';
    const t1 = Date.now();
    await assert.rejects(e.broker.publish(ch, '{}', undefined, {}), EngineUnavailableError);
    await assert.rejects(e.broker.subscribe([ch]), EngineUnavailableError);
    await assert.rejects(e.broker.history(ch, { limit: 0 }, { size: 1, ttlSeconds: 1 }), EngineUnavailableError);
    await assert.rejects(e.presence.add(ch, { user: '1', client: 'c' }), EngineUnavailableError);
    await assert.rejects(e.store.get('k'), EngineUnavailableError);
    await assert.rejects(e.frames.push(ch, { schema: '{}', frame: '{}', data: '{}' }), EngineUnavailableError);
    assert.ok(Date.now() - t1 < 200, 'calls fail fast while Redis is down');

    await sleep(600);
    assert.ok(lines.some((l) => l.includes('live engine cannot reach redis')), 'start-up error logged');
    assert.ok(lines.filter((l) => l.includes('still retrying')).length >= 1, 'periodic error while down');

    await server.start();
    await waitUntil(() => e.health().healthy, 'the engine to become healthy', 5000);
    assert.equal(e.health().state, 'ok');
    await e.broker.subscribe([ch]);
    await e.broker.publish(ch, '{"late":1}', undefined, {});
    await waitUntil(() => events.on(ch).length === 1, 'delivery after Redis came up', 3000);
    assert.deepEqual(events.resubscribed, [], 'nothing to resynchronise: nothing was subscribed');
  });

  test('ha_engine_required: start fails when Redis is unreachable', async () => {
    const server = await createRedisServer();
    const e = node({ port: server.port, prefix: prefix(), required: true, timings: { startWaitMs: 300 } });
    await assert.rejects(e.start(new Events(), () => ZERO), /failed to setup redis live engine/);
    assert.equal(e.health().healthy, false);
  });

  test('Redis restarted mid-stream: fast failures, batched resubscribe, onResubscribed, deliveries resume', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const p = prefix();
    const eventsA = new Events();
    const a = node({ port: server.port, prefix: p });
    const b = node({ port: server.port, prefix: p });
    await a.start(eventsA, () => ZERO);
    await b.start(new Events(), () => ZERO);
    // Clients told to resubscribe come back with commands at once: the command connection must work.
    eventsA.probe = () => a.shardList[0]!.cmd.ready;
    const live = '1/grafana/broadcast/live';
    const channels = [live, ...Array.from({ length: 1100 }, (_, i) => `1/grafana/broadcast/r-${i}`)];
    await a.broker.subscribe(channels);
    await b.broker.publish(live, '{"n":1}', undefined, {});
    await waitUntil(() => eventsA.on(live).length === 1, 'delivery before the restart', 3000);

    await server.kill('SIGKILL');
    await waitUntil(() => !a.health().healthy && !b.health().healthy, 'both engines to notice', 3000);
    assert.equal(a.health().state, 'disconnected');
    const t0 = Date.now();
    await assert.rejects(b.broker.publish(live, '{"n":2}', undefined, {}), EngineUnavailableError);
    await assert.rejects(b.broker.publish(live, '{"n":2}', undefined, { history: { size: 5, ttlSeconds: 60 } }), EngineUnavailableError);
    await assert.rejects(a.broker.subscribe(['1/grafana/broadcast/new']), EngineUnavailableError);
    await assert.rejects(b.presence.stats(live), EngineUnavailableError);
    assert.ok(Date.now() - t0 < 500, 'no hanging while Redis is down');

    await server.start();
    await waitUntil(() => eventsA.resubscribed.length === 1 && a.health().healthy && b.health().healthy, 'resubscribe after the restart', 5000);
    assert.deepEqual([...eventsA.resubscribed[0]!].sort(), [...channels].sort(), 'the node is told every channel it had');
    assert.deepEqual(eventsA.probedAtResubscribe, [true], 'told only once its command connection is usable');
    const redis = admin(server.port);
    // Fresh server: A's service channels (1) + 1101 channels in 3 batches; B's service channels (1).
    assert.equal(await commandCalls(redis, 'subscribe'), 5);
    assert.ok((await numsub(redis, channels.map((c) => `${p}.client.${c}`))).every((n) => n === 1), 'every channel subscribed again, once');

    await b.broker.publish(live, '{"n":3}', undefined, { history: { size: 5, ttlSeconds: 60 } });
    await waitUntil(() => eventsA.on(live).length === 2, 'deliveries resume', 3000);
    assert.deepEqual(eventsA.on(live).map((p) => [p.data, p.offset]), [['{"n":1}', undefined], ['{"n":3}', 1]]);
  });

  test('after a PUB/SUB reconnect the subscriber holds messages back until the gap is signalled', async () => {
    const address = parseAddresses({ address: `127.0.0.1:${shared.port}` })[0]!;
    const name = `gapunit-${process.pid}`;
    const connection = new Connection('sub', ioredisOptions(address, 'sub', { connectTimeoutMs: 500, commandTimeoutMs: 1000, maxReconnectDelayMs: 200 }, name), 200);
    const received: string[] = [];
    const resubscribed: string[][] = [];
    const probe = `gapunit-probe-${process.pid}`;
    const subscriber = new ShardSubscriber(0, connection, [probe], probe, 60_000, {
      message: (channel, payload) => received.push(`${channel}=${payload}`),
      resubscribed: (channels) => resubscribed.push([...channels]),
      stateChanged: () => undefined,
      publishProbe: async () => undefined,
      log: () => undefined,
    });
    const redis = admin(shared.port);
    try {
      subscriber.start();
      await waitUntil(() => subscriber.live, 'the subscriber to connect', 3000);
      const [kept, dropped, fresh] = ['gap-kept', 'gap-dropped', 'gap-fresh'].map((c) => `${c}-${process.pid}`) as [string, string, string];
      await subscriber.subscribe([kept, dropped]);
      await redis.publish(kept, 'a');
      await waitUntil(() => received.length === 1, 'delivery before the reconnect', 3000);

      const id = /id=(\d+) /.exec(await clientLine(redis, name))?.[1];
      assert.ok(id !== undefined, 'subscriber connection found');
      await redis.client('KILL', 'ID', id);
      await waitUntil(() => resubscribed.length === 1, 'the resubscribe', 3000);
      assert.deepEqual([...resubscribed[0]!].sort(), [dropped, kept].sort());

      // Not told yet: nothing of the two channels may reach the node.
      await redis.publish(kept, 'b');
      await redis.publish(kept, 'c');
      // A channel left during the gap and a fresh subscription have no gap to tell about.
      await subscriber.unsubscribe([dropped]);
      await subscriber.subscribe([dropped, fresh]);
      await redis.publish(dropped, 'x');
      await redis.publish(fresh, 'y');
      await waitUntil(() => received.length === 3, 'deliveries of the channels without a gap', 3000);
      assert.equal(subscriber.awaitingSignal, 1);
      assert.equal(subscriber.gapSignalled([kept]), 2, 'two messages were held back');
      assert.equal(subscriber.awaitingSignal, 0);
      await redis.publish(kept, 'd');
      await waitUntil(() => received.length === 4, 'delivery once the gap was signalled', 3000);
      assert.deepEqual(received, [`${kept}=a`, `${dropped}=x`, `${fresh}=y`, `${kept}=d`]);
    } finally {
      subscriber.stop();
      await connection.close(500);
    }
  });

  test('PUB/SUB reconnects under load: every hole is signalled before the next delivery', async () => {
    const p = prefix();
    const id = `gapload-${process.pid}`;
    const watched = '1/grafana/broadcast/gap-0';
    // Three SUBSCRIBE batches: the watched channel is in the first, so without holding back its
    // messages would flow during the two later round trips, before onResubscribed.
    const channels = Array.from({ length: 1100 }, (_, i) => `1/grafana/broadcast/gap-${i}`);
    const order: Array<number | 'told'> = [];
    const events = new (class extends Events {
      override onPublication(channel: string, publication: Publication): void {
        super.onPublication(channel, publication);
        if (channel === watched) order.push(Number(publication.data));
      }
      override onResubscribed(list: readonly string[]): void {
        super.onResubscribed(list);
        order.push('told');
      }
    })();
    const e = node({ port: shared.port, prefix: p, id });
    await e.start(events, () => ZERO);
    await e.broker.subscribe(channels);
    const redis = admin(shared.port);
    const publisher = admin(shared.port);
    let seq = 0;
    let publishing = true;
    const loop = (async () => {
      while (publishing) {
        const pipeline = publisher.pipeline();
        for (let i = 0; i < 10; i++) pipeline.publish(`${p}.client.${watched}`, `{"v":1,"t":"p","d":${++seq}}`);
        await pipeline.exec();
        await sleep(1);
      }
    })();
    const kills = 4;
    for (let k = 1; k <= kills; k++) {
      const seen = order.length;
      await waitUntil(() => order.length > seen + 20, 'deliveries before the kill', 3000);
      await redis.client('KILL', 'ID', /id=(\d+) /.exec(await clientLine(redis, `livehub:${id}:sub:0`))?.[1] ?? '0');
      await waitUntil(() => events.resubscribed.length === k, `resubscribe ${k}`, 5000);
    }
    await waitUntil(() => order.length > 0 && order[order.length - 1] !== 'told' && order.lastIndexOf('told') < order.length - 20, 'deliveries after the last resubscribe', 3000);
    publishing = false;
    await loop;

    let last = 0;
    let told = false;
    let signalled = 0;
    const silent: number[] = [];
    for (const item of order) {
      if (item === 'told') {
        told = true;
        continue;
      }
      assert.ok(item > last, `in order (${item} after ${last})`);
      if (item > last + 1) {
        if (told) signalled++;
        else silent.push(item);
      }
      last = item;
      told = false;
    }
    assert.deepEqual(silent, [], 'deliveries that followed a hole nobody was told about');
    assert.ok(signalled >= kills, `every reconnect left a hole, signalled (${signalled})`);
    process.stdout.write(`held back ${e.counters.heldBeforeResubscribeSignal} over ${kills} reconnects\n`);
  });

  test('a deaf command connection: calls time out within the bound, the PING watchdog reconnects', async () => {
    const proxy = await startTcpProxy(shared.port);
    proxies.push(proxy);
    const id = `deafcmd-${process.pid}`;
    const events = new Events();
    const e = node({ port: proxy.port, prefix: prefix(), id, timings: { probeIntervalMs: 300, commandTimeoutMs: 800 } });
    await e.start(events, () => ZERO);
    const ch = '1/grafana/broadcast/deaf-cmd';
    await e.broker.subscribe([ch]);
    const redis = admin(shared.port);
    const line = await clientLine(redis, `livehub:${id}:cmd:0`);
    assert.ok(proxy.freeze(Number(/addr=127\.0\.0\.1:(\d+)/.exec(line)?.[1])), 'command connection found');

    const t0 = Date.now();
    await assert.rejects(e.broker.publish(ch, '{"n":1}', undefined, {}), EngineUnavailableError);
    const took = Date.now() - t0;
    assert.ok(took >= 700 && took < 1500, `rejected after the command timeout (${took} ms)`);

    await waitUntil(async () => {
      await e.broker.publish(ch, '{"n":2}', undefined, {});
      return true;
    }, 'publishes to work again after the watchdog reconnected', 5000, 100);
    await waitUntil(() => events.on(ch).some((p) => p.data === '{"n":2}'), 'delivery after the reconnect', 3000);
  });

  test('a deaf PUB/SUB connection (TCP up, nothing arrives) is found by the liveness probe and restarted', async () => {
    const proxy = await startTcpProxy(shared.port);
    proxies.push(proxy);
    const p = prefix();
    const events = new Events();
    const e = node({ port: proxy.port, prefix: p, id: `deaf-${process.pid}`, timings: { probeIntervalMs: 300, heartbeatIntervalMs: 60_000 } });
    await e.start(events, () => ZERO);
    const ch = '1/grafana/broadcast/deaf';
    await e.broker.subscribe([ch]);
    const redis = admin(shared.port);
    await redis.publish(`${p}.client.${ch}`, '{"v":1,"t":"p","d":1}');
    await waitUntil(() => events.on(ch).length === 1, 'delivery through the proxy', 3000);

    // Freeze exactly the subscriber connection, found by its client name.
    const port = Number(/addr=127\.0\.0\.1:(\d+)/.exec(await clientLine(redis, `livehub:deaf-${process.pid}:sub:0`))?.[1]);
    assert.ok(proxy.freeze(port), 'subscriber connection found');
    await redis.publish(`${p}.client.${ch}`, '{"v":1,"t":"p","d":2}'); // lost in the frozen link

    await waitUntil(() => events.resubscribed.length === 1, 'the probe to restart the connection', 5000);
    assert.deepEqual(events.resubscribed[0], [ch]);
    await redis.publish(`${p}.client.${ch}`, '{"v":1,"t":"p","d":3}');
    await waitUntil(() => events.on(ch).length === 2, 'delivery on the new connection', 3000);
    assert.deepEqual(events.on(ch).map((p) => p.data), ['1', '3']);
  });
});
