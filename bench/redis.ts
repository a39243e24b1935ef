// Scenario `redis` (performance.md G4): Redis efficiency of the HA engine.
//  1. Subscriptions: two livehub nodes on one Redis, many clients on one hot channel plus 50 group
//     channels on each node. `PUBSUB NUMSUB` of every channel must equal the number of nodes that
//     have subscribers, each node's PUB/SUB connection must hold exactly one subscription per channel
//     (CLIENT LIST sub=…, plus its 3 service channels) and no pattern subscription, whatever the
//     client count; after the last client of a node leaves, that node's subscription goes away.
//     Socket.IO's classic redis-adapter is shown next to it (it PSUBSCRIBEs).
//  2. Publish throughput: the engine's broker.publish (batched per loop turn: publish-batcher.ts) driven in-process
//     with many publications in flight, against `redis-benchmark -P 64 -t publish` on the same Redis.
//  3. Redis CPU per delivered message (spec G4, scenario B): two nodes on one Redis, subscribers of one
//     channel on node B, a publisher on node A — livehub through its Telegraf HTTP push (the main data
//     path: frame-cache script per push), Socket.IO through `io.to(room).emit` with the classic
//     adapter — at two fixed rates; Redis CPU (INFO cpu, above idle) ÷ deliveries.
//  4. Redis Cluster (3 masters) against one Redis, and 5. acknowledged publishes
//     (ha_engine_wait_replicas): redis-cluster.ts.

import { spawnSync } from 'node:child_process';
import { redisInfo, type RedisServer } from '../harness/redis.js';
import { sleep, waitUntil } from '../harness/wait.js';
import { loadConfig } from '../src/config/load.js';
import { createEngine } from '../src/engine/create-engine.js';
import type { Engine } from '../src/engine/engine.js';
import { createLogger } from '../src/log/logger.js';
import { channelFor } from './fanout.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { runPhase, type PhaseResult } from './lib/phase.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { pushToken, startLivehub, startRedis, startSocketIo, type ServerHandle } from './lib/servers.js';
import { ratio, round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';
import { runAckSection, runClusterSection, type AckSection, type ClusterSection } from './redis-cluster.js';

interface RedisClientInfo {
  name: string;
  sub: number;
  psub: number;
}

export interface NodeSubscriptions {
  readonly node: string;
  readonly clients: number;
  readonly distinctChannels: number;
  /** Subscriptions of the node's PUB/SUB connection(s) (CLIENT LIST sub=…). */
  readonly redisSubscriptions: number;
  readonly redisPatternSubscriptions: number;
}

export interface CrossNodePhase {
  readonly phase: string;
  readonly publishedPerSec: number;
  readonly deliveriesPerSec: number;
  readonly complete: number;
  /** Redis CPU (INFO cpu, µs precision) over the phase, and what the same time costs idle. */
  readonly redisCpuSeconds: number;
  readonly redisIdleCpuSeconds: number;
  /** Above idle, per published message and per delivered message. */
  readonly redisUsPerMessage: number;
  readonly redisUsPerDelivery: number;
  /** Both nodes' CPU (cores). */
  readonly nodesCores: number;
}

export interface CrossNodePeer {
  readonly peer: string;
  /** All on node B; the publisher is on node A. */
  readonly subscribers: number;
  readonly idleRedisCpuPerSecond: number;
  readonly phases: CrossNodePhase[];
}

export interface RedisResult {
  readonly scenario: 'redis';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { clientsPerNode: number; groupChannels: number; publishSeconds: number; inFlight: number; messageBytes: number; benchmarkRequests: number };
  readonly subscriptions: {
    readonly livehub: NodeSubscriptions[];
    readonly hotChannelNumsub: number;
    readonly groupChannelsNumsub: { min: number; max: number };
    readonly serviceChannelsPerNode: number;
    readonly afterNodeBLeft: { hotChannelNumsub: number };
    readonly socketIo: NodeSubscriptions[];
  };
  readonly publish: {
    readonly livehubPerSec: number;
    readonly livehubErrors: number;
    readonly redisCpuPerPublishUs: number;
    readonly redisBenchmarkPerSec: number;
    readonly ratio: number;
  };
  /** Section 3: Redis CPU per delivered message, above idle. */
  readonly crossNode: {
    readonly peers: CrossNodePeer[];
    /** Per phase: livehub's Redis µs per delivery ÷ Socket.IO's. */
    readonly ratios: { phase: string; livehub: number; socketIo: number; ratio: number; comparable: boolean }[];
  };
  /** Section 4: Redis Cluster against one Redis. */
  readonly cluster: ClusterSection;
  /** Section 5: acknowledged publishes (ha_engine_wait_replicas). */
  readonly acknowledged: AckSection;
  readonly goals: Goal[];
}

/** Redis CPU seconds (used_cpu_sys + used_cpu_user) from INFO cpu. */
async function redisCpu(redis: RedisServer): Promise<number> {
  const info = await redisInfo(redis.port, 'cpu');
  return Number(info['used_cpu_sys']) + Number(info['used_cpu_user']);
}

async function clientList(redis: RedisServer): Promise<RedisClientInfo[]> {
  const text = String(await redis.command('CLIENT', 'LIST'));
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const f = Object.fromEntries(line.split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
      return { name: f['name'] ?? '', sub: Number(f['sub'] ?? 0), psub: Number(f['psub'] ?? 0) };
    });
}

async function numsub(redis: RedisServer, channels: string[]): Promise<number[]> {
  const reply = (await redis.command('PUBSUB', 'NUMSUB', ...channels)) as unknown[];
  const out: number[] = [];
  for (let i = 1; i < reply.length; i += 2) out.push(Number(reply[i]));
  return out;
}

function redisBenchmark(port: number, requests: number): number {
  // `-t publish` is not one of redis-benchmark's built-in tests: give the command itself (200-byte payload).
  const args = ['-h', '127.0.0.1', '-p', String(port), '-P', '64', '-n', String(requests), '--csv', 'PUBLISH', 'bench-channel', 'x'.repeat(200)];
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 120_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.toUpperCase().includes('PUBLISH'));
  if (line === undefined) throw new Error(`redis-benchmark: no PUBLISH line (${r.stderr ?? ''}${r.stdout ?? ''})`);
  return Number(line.split(',')[1]!.replace(/"/g, ''));
}

async function inProcessEngine(redisPort: number): Promise<Engine> {
  const { config } = loadConfig({ env: { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redisPort}`, GF_LOG_LEVEL: 'error' } });
  const engine = createEngine(config, { id: 'bench-publisher', name: 'bench', version: 'bench' }, createLogger('error'));
  await engine.start({ onPublication() {}, onJoin() {}, onLeave() {} }, () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 }));
  return engine;
}

async function publishThroughput(engine: Engine, seconds: number, inFlight: number, size: number): Promise<{ perSec: number; errors: number }> {
  const data = JSON.stringify({ p: 'x'.repeat(size - 8) });
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      try {
        await engine.broker.publish('1/stream/bench/publish-throughput', data, undefined, {});
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return { perSec: Math.round(done / ((performance.now() - t0) / 1000)), errors };
}

/** Section 3 for one peer: 2 nodes, subscribers on both, publisher on node A; Redis is the "server". */
async function crossNode(protocol: 'livehub' | 'socketio', redis: RedisServer, quick: boolean, log: (line: string) => void): Promise<CrossNodePeer> {
  // Few subscribers, so the nodes can publish fast enough for Redis's per-message cost to stand out
  // from its background work; Redis's cost does not depend on the subscriber count anyway.
  const subscribers = quick ? 50 : 100;
  const phaseMs = quick ? 1000 : 8000;
  const servers: ServerHandle[] = [];
  const gen = LoadGen.start(1, '1');
  try {
    if (protocol === 'livehub') {
      const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}` };
      servers.push(await startLivehub({ name: 'livehub A', env }), await startLivehub({ name: 'livehub B', env }));
    } else {
      servers.push(await startSocketIo({ name: 'Socket.IO A', redisUrl: redis.url }), await startSocketIo({ name: 'Socket.IO B', redisUrl: redis.url }));
    }
    // Spec scenario B: publisher on node A, subscribers on node B only. livehub's node A holds no
    // subscription, so Redis writes each message to B alone; the classic adapter's PSUBSCRIBE makes
    // Redis write every message to every node.
    const t = await gen.open({
      protocol, host: '127.0.0.1', port: servers[1]!.port, count: subscribers, channels: [channelFor(protocol, 'fanout')],
      rampPerSec: 3000, localAddresses: LOCAL_ADDRESSES, sampleEvery: 0, stallEvery: 0, timeoutMs: 60_000,
    });
    if (t.ready !== subscribers) throw new Error(`${servers[1]!.name}: ${t.ready}/${subscribers} ready (${t.failures.slice(0, 3).join('; ')})`);
    const publish = { protocol, host: '127.0.0.1', port: servers[0]!.port, channel: protocol === 'livehub' ? 'bench' : 'fanout', token: pushToken(), size: 200, lines: 1 };
    const runOne = (name: string, mode: 'rate' | 'window', rate: number, window: number, durationMs: number): Promise<PhaseResult> =>
      runPhase({
        name, gen, subscribers, serverCpu: () => servers.reduce((sum, s) => sum + s.cpuSeconds(), 0),
        publish: { ...publish, mode, rate, window, durationMs }, idleMs: quick ? 300 : 600,
      });
    await runOne('warmup', 'window', 0, 4, quick ? 300 : 1000);
    // Redis's own background work (cron at 10 Hz, the nodes' heartbeats, pings) costs about as much
    // as a few thousand publishes a second: measured idle with everyone connected, then subtracted.
    const idle0 = await redisCpu(redis);
    const idleT0 = performance.now();
    await sleep(phaseMs);
    const idlePerSecond = (await redisCpu(redis) - idle0) / ((performance.now() - idleT0) / 1000);
    const measured = async (name: string, mode: 'rate' | 'window', rate: number, window: number): Promise<CrossNodePhase> => {
      const r0 = await redisCpu(redis);
      const t0 = performance.now();
      const p = await runOne(name, mode, rate, window, phaseMs);
      const redisCpuSeconds = (await redisCpu(redis)) - r0;
      const redisIdleCpuSeconds = idlePerSecond * ((performance.now() - t0) / 1000);
      const above = Math.max(0, redisCpuSeconds - redisIdleCpuSeconds);
      return {
        phase: name,
        publishedPerSec: p.publishedPerSec,
        deliveriesPerSec: p.deliveriesPerSec,
        complete: round(p.deliveries / Math.max(1, p.expectedDeliveries), 3),
        redisCpuSeconds: round(redisCpuSeconds, 4),
        redisIdleCpuSeconds: round(redisIdleCpuSeconds, 4),
        redisUsPerMessage: round((above / Math.max(1, p.published)) * 1e6, 2),
        redisUsPerDelivery: round((above / Math.max(1, p.deliveries)) * 1e6, 4),
        nodesCores: p.serverCores,
      };
    };
    // Fixed rates both peers deliver completely (Socket.IO acknowledges a publish once it is in
    // Redis, so an open-loop burst would measure messages its node B never delivered).
    const phases = [await measured('500/s', 'rate', 500, 1000), await measured('1500/s', 'rate', 1500, 1000)];
    for (const p of phases) log(`redis cross-node ${protocol} ${p.phase}: ${fmt(p.publishedPerSec)} msgs/s, ${fmt(p.deliveriesPerSec)} deliveries/s, Redis ${p.redisUsPerMessage} µs/message above idle`);
    return { peer: protocol === 'livehub' ? 'livehub' : 'Socket.IO (classic adapter)', subscribers, idleRedisCpuPerSecond: round(idlePerSecond, 5), phases };
  } finally {
    await gen.stop();
    for (const s of servers) await s.stop();
  }
}

export async function runRedis(opts: { quick: boolean; log?: (line: string) => void }): Promise<RedisResult> {
  const log = opts.log ?? (() => {});
  const clientsPerNode = opts.quick ? 200 : 2000;
  const groups = 50;
  const publishSeconds = opts.quick ? 1 : 5;
  const inFlight = 1000;
  const size = 200;
  const benchmarkRequests = opts.quick ? 200_000 : 2_000_000;
  const redis = await startRedis();
  const servers: ServerHandle[] = [];
  const gens: LoadGen[] = [];
  try {
    // ---- 1. subscriptions ---------------------------------------------------------------------
    const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}` };
    const a = await startLivehub({ name: 'livehub A', env });
    const b = await startLivehub({ name: 'livehub B', env });
    servers.push(a, b);
    const hot = channelFor('livehub', 'redis-hot');
    const groupPrefix = channelFor('livehub', 'redis-g');
    const open = async (server: ServerHandle): Promise<LoadGen> => {
      const gen = LoadGen.start(LoadGen.childrenFor(clientsPerNode));
      gens.push(gen);
      const t = await gen.open({
        protocol: 'livehub',
        host: '127.0.0.1',
        port: server.port,
        count: clientsPerNode,
        channels: [hot],
        groups: { prefix: groupPrefix, n: groups },
        rampPerSec: 3000,
        localAddresses: LOCAL_ADDRESSES,
        sampleEvery: 0,
        stallEvery: 0,
        timeoutMs: 60_000,
      });
      if (t.ready !== clientsPerNode) throw new Error(`${server.name}: ${t.ready}/${clientsPerNode} ready (${t.failures.slice(0, 3).join('; ')})`);
      return gen;
    };
    await open(a);
    const genB = await open(b);
    await sleep(300);
    const redisName = (full: string): string => `gf_live.client.${full}`;
    const hotNumsub = (await numsub(redis, [redisName(hot)]))[0]!;
    const groupNumsub = await numsub(redis, Array.from({ length: groups }, (_, i) => redisName(`${groupPrefix}${i}`)));
    const list = await clientList(redis);
    const perNode = (server: ServerHandle, id: string): NodeSubscriptions => {
      const subs = list.filter((c) => c.name.includes(`:sub:`) && c.name.startsWith(`livehub:${id}`));
      return {
        node: server.name,
        clients: clientsPerNode,
        distinctChannels: 1 + groups,
        redisSubscriptions: subs.reduce((s, c) => s + c.sub, 0),
        redisPatternSubscriptions: subs.reduce((s, c) => s + c.psub, 0),
      };
    };
    // Node ids are random: find each node's sub connection by elimination (A started first).
    const subConns = list.filter((c) => c.name.includes(':sub:'));
    const ids = [...new Set(subConns.map((c) => c.name.split(':')[1]!))];
    const livehubNodes = ids.map((id, i) => perNode(servers[i]!, id));
    log(`redis: hot channel NUMSUB ${hotNumsub}; per node ${livehubNodes.map((n) => `${n.redisSubscriptions} subs/${n.redisPatternSubscriptions} psubs`).join(', ')}`);

    // Node B's clients leave: its subscriptions must go (unsubscribe is debounced by 100 ms).
    await genB.closeAll();
    await waitUntil(async () => (await numsub(redis, [redisName(hot)]))[0] === 1, 'node B to unsubscribe the hot channel', 10_000).catch(() => undefined);
    const afterB = (await numsub(redis, [redisName(hot)]))[0]!;
    for (const g of gens) await g.stop();
    gens.length = 0;
    for (const s of servers) await s.stop();
    servers.length = 0;

    // Socket.IO classic adapter, same clients, for comparison.
    const sa = await startSocketIo({ name: 'Socket.IO A', redisUrl: redis.url });
    const sb = await startSocketIo({ name: 'Socket.IO B', redisUrl: redis.url });
    servers.push(sa, sb);
    const before = new Set((await clientList(redis)).map((c) => c.name));
    void before;
    for (const s of [sa, sb]) {
      const gen = LoadGen.start(1);
      gens.push(gen);
      await gen.open({ protocol: 'socketio', host: '127.0.0.1', port: s.port, count: Math.min(clientsPerNode, 500), channels: ['redis-hot'], groups: { prefix: 'redis-g', n: groups }, rampPerSec: 3000, localAddresses: LOCAL_ADDRESSES, sampleEvery: 0, stallEvery: 0, timeoutMs: 60_000 });
    }
    const sioList = (await clientList(redis)).filter((c) => c.sub > 0 || c.psub > 0);
    const socketIo: NodeSubscriptions[] = sioList.map((c, i) => ({
      node: `Socket.IO connection ${i + 1}`,
      clients: Math.min(clientsPerNode, 500),
      distinctChannels: 1 + groups,
      redisSubscriptions: c.sub,
      redisPatternSubscriptions: c.psub,
    }));
    for (const g of gens) await g.stop();
    gens.length = 0;
    for (const s of servers) await s.stop();
    servers.length = 0;

    // ---- 2. publish throughput ----------------------------------------------------------------
    const engine = await inProcessEngine(redis.port);
    await publishThroughput(engine, Math.min(1, publishSeconds), inFlight, size); // warm-up
    const rcpu0 = await redisCpu(redis);
    const lh = await publishThroughput(engine, publishSeconds, inFlight, size);
    const rcpu = (await redisCpu(redis)) - rcpu0;
    await engine.close();
    const bench = redisBenchmark(redis.port, benchmarkRequests);
    log(`redis: livehub engine ${fmt(lh.perSec)} publishes/s, redis-benchmark -P 64 ${fmt(bench)}/s`);
    const publishRatio = round(ratio(lh.perSec, bench), 3);

    // ---- 3. Redis CPU per delivered message ---------------------------------------------------
    const crossPeers = [await crossNode('livehub', redis, opts.quick, log), await crossNode('socketio', redis, opts.quick, log)];
    const crossRatios = crossPeers[0]!.phases.map((p, i) => {
      const sio = crossPeers[1]!.phases[i]!;
      // Only a phase both delivered completely compares like with like.
      const comparable = p.complete >= 0.99 && sio.complete >= 0.99;
      return { phase: p.phase, livehub: p.redisUsPerDelivery, socketIo: sio.redisUsPerDelivery, ratio: round(ratio(p.redisUsPerDelivery, sio.redisUsPerDelivery), 3), comparable };
    });
    // ---- 4. Redis Cluster, 5. acknowledged publishes ------------------------------------------
    const cluster = await runClusterSection({ quick: opts.quick, log });
    const acknowledged = await runAckSection({ quick: opts.quick, log });
    const clusterNodesOk = cluster.subscriptions.nodes.length === 2 && cluster.subscriptions.nodes.every((n) => n.shardedSubscriptions === n.distinctChannels && n.patternSubscriptions === 0 && n.classicSubscriptions === 3);
    const [ack0, ack1] = acknowledged.runs;
    const svc = 3;
    const exactlyOne = livehubNodes.length === 2 && livehubNodes.every((n) => n.redisSubscriptions === n.distinctChannels + svc && n.redisPatternSubscriptions === 0);
    const goals: Goal[] = [
      {
        id: 'G4a',
        description: 'one Redis subscription per channel per node, whatever the client count',
        target: `NUMSUB = 2 nodes for every channel; each node: ${1 + groups} channels + ${svc} service = ${1 + groups + svc} subscriptions, 0 patterns; 1 after node B's clients left`,
        measured: `hot NUMSUB ${hotNumsub}, groups NUMSUB ${Math.min(...groupNumsub)}–${Math.max(...groupNumsub)}, per node ${livehubNodes.map((n) => `${n.redisSubscriptions}/${n.redisPatternSubscriptions}p`).join(', ')} for ${clientsPerNode} clients each; after B left ${afterB}`,
        met: exactlyOne && hotNumsub === 2 && groupNumsub.every((n) => n === 2) && afterB === 1,
      },
      {
        id: 'G4b',
        description: 'engine publish throughput vs redis-benchmark -P 64 -t publish (same Redis)',
        target: '≥ 0.5×',
        measured: `${publishRatio.toFixed(2)}× (${fmt(lh.perSec)} vs ${fmt(bench)} publishes/s)`,
        met: opts.quick ? undefined : publishRatio >= 0.5,
      },
      ...crossRatios.map((r): Goal => ({
        id: 'G4c',
        description: `Redis CPU per delivered message vs Socket.IO's classic adapter, ${r.phase} (publisher on node A, ${crossPeers[0]!.subscribers} subscribers on node B)`,
        target: '≤ 0.5×',
        measured: `${r.ratio.toFixed(2)}× (${r.livehub} vs ${r.socketIo} µs of Redis CPU per delivery, above idle)${r.comparable ? '' : '; not comparable: a peer did not deliver everything'}`,
        met: opts.quick ? undefined : r.ratio <= 0.5 && r.comparable,
      })),
      {
        id: 'G4d',
        description: 'Redis Cluster: one sharded subscription per channel per node (PUBSUB SHARDNUMSUB on the channel\'s master)',
        target: `SHARDNUMSUB = 2 nodes for every channel; each node: ${cluster.subscriptions.nodes[0]?.distinctChannels ?? 0} SSUBSCRIBE subscriptions over all masters + 3 classic (control), 0 patterns`,
        measured: `SHARDNUMSUB ${cluster.subscriptions.shardNumsub.min}–${cluster.subscriptions.shardNumsub.max} over ${cluster.subscriptions.shardNumsub.channels} channels on ${cluster.subscriptions.mastersUsed} masters; per node ${cluster.subscriptions.nodes.map((n) => `${n.shardedSubscriptions} ssub (${n.shardedConnections} connections) + ${n.classicSubscriptions} sub`).join(', ')}`,
        met: clusterNodesOk && cluster.subscriptions.shardNumsub.min === 2 && cluster.subscriptions.shardNumsub.max === 2,
      },
      {
        id: 'G4e',
        description: `engine publish throughput, ${cluster.masters} cluster masters ÷ 1 Redis (2-core host: the masters, their replicas and the publisher share 2 cores)`,
        target: 'reported (no target on this host)',
        measured: `plain ${cluster.speedup.plain.toFixed(2)}×, with history ${cluster.speedup.history.toFixed(2)}×`,
        met: undefined,
      },
      {
        id: 'G4f',
        description: 'ha_engine_wait_replicas = 1: cost of a history publish acknowledged after WAIT (one master, one replica)',
        target: 'reported; one WAIT per batch, not per publication',
        measured: ack0 === undefined || ack1 === undefined ? 'not run' : `one at a time p50 ${ack0.sequential.p50Ms} → ${ack1.sequential.p50Ms} ms, p99 ${ack0.sequential.p99Ms} → ${ack1.sequential.p99Ms} ms; ${acknowledged.inFlight} in flight ${fmt(ack0.perSec)} → ${fmt(ack1.perSec)}/s with ${ack1.waitsPerPublish} WAIT per publish`,
        met: ack1 === undefined ? undefined : ack1.waitsPerPublish < 0.5 && ack1.errors === 0,
      },
    ];
    return {
      scenario: 'redis',
      quick: opts.quick,
      run: runInfo(),
      params: { clientsPerNode, groupChannels: groups, publishSeconds, inFlight, messageBytes: size, benchmarkRequests },
      subscriptions: {
        livehub: livehubNodes,
        hotChannelNumsub: hotNumsub,
        groupChannelsNumsub: { min: Math.min(...groupNumsub), max: Math.max(...groupNumsub) },
        serviceChannelsPerNode: svc,
        afterNodeBLeft: { hotChannelNumsub: afterB },
        socketIo,
      },
      publish: {
        livehubPerSec: lh.perSec,
        livehubErrors: lh.errors,
        redisCpuPerPublishUs: round((rcpu / Math.max(1, lh.perSec * publishSeconds)) * 1e6, 3),
        redisBenchmarkPerSec: bench,
        ratio: publishRatio,
      },
      crossNode: { peers: crossPeers, ratios: crossRatios },
      cluster,
      acknowledged,
      goals,
    };
  } finally {
    for (const g of gens) await g.stop();
    for (const s of servers) await s.stop();
    await redis.stop();
  }
}

export function formatRedis(r: RedisResult): string {
  const s = r.subscriptions;
  const rows = [...s.livehub, ...s.socketIo].map((n) => [n.node, n.clients, n.distinctChannels, n.redisSubscriptions, n.redisPatternSubscriptions]);
  return [
    `redis: 2 nodes + 1 Redis, ${r.params.clientsPerNode} clients per node on 1 hot + ${r.params.groupChannels} group channels; publish ${r.params.messageBytes}-byte messages, ${r.params.inFlight} in flight; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(['node', 'clients', 'channels', 'Redis subscriptions', 'pattern subscriptions'], rows),
    `PUBSUB NUMSUB: hot channel ${s.hotChannelNumsub}, group channels ${s.groupChannelsNumsub.min}–${s.groupChannelsNumsub.max}; after node B's clients left: ${s.afterNodeBLeft.hotChannelNumsub} (livehub nodes also hold ${s.serviceChannelsPerNode} service channels each)`,
    '',
    table(
      ['publisher', 'publishes/s', 'Redis CPU µs/publish'],
      [
        ['livehub engine (broker.publish, batched per loop turn)', r.publish.livehubPerSec, r.publish.redisCpuPerPublishUs],
        ['redis-benchmark -P 64 -t publish', r.publish.redisBenchmarkPerSec, undefined],
      ],
    ),
    `ratio ${r.publish.ratio.toFixed(2)}×`,
    '',
    `Redis CPU per delivered message: publisher on node A, ${r.crossNode.peers[0]?.subscribers ?? 0} subscribers of one channel on node B (livehub: Telegraf HTTP push, 1 line; Socket.IO: io.to(room).emit); Redis CPU from INFO cpu, above idle`,
    table(
      ['peer', 'phase', 'msgs/s', 'deliveries/s', 'complete', 'Redis CPU s', 'of which idle s', 'Redis µs/message', 'Redis µs/delivery', 'nodes CPU %'],
      r.crossNode.peers.flatMap((p) =>
        p.phases.map((x) => [p.peer, x.phase, x.publishedPerSec, x.deliveriesPerSec, x.complete, x.redisCpuSeconds, x.redisIdleCpuSeconds, x.redisUsPerMessage, x.redisUsPerDelivery, round(x.nodesCores * 100, 1)]),
      ),
    ),
    r.crossNode.ratios.map((x) => `${x.phase}: livehub ÷ Socket.IO ${x.ratio.toFixed(2)}×`).join('; '),
    '',
    `Redis Cluster (${r.cluster.masters} masters + replicas) against one Redis: engine publishes to ${r.cluster.channels} channels, ${r.cluster.inFlight} in flight, ${r.cluster.publishSeconds} s each`,
    table(['setup', 'publishes', 'publishes/s', 'errors', 'Redis CPU µs/publish (all masters)'], r.cluster.runs.map((x) => [x.setup, x.kind, x.perSec, x.errors, x.redisUsPerPublish])),
    `cluster ÷ one Redis: plain ${r.cluster.speedup.plain.toFixed(2)}×, with history ${r.cluster.speedup.history.toFixed(2)}×`,
    table(['node', 'clients', 'channels', 'sharded subscriptions', 'sharded connections', 'classic', 'patterns'], r.cluster.subscriptions.nodes.map((n) => [n.node, n.clients, n.distinctChannels, n.shardedSubscriptions, n.shardedConnections, n.classicSubscriptions, n.patternSubscriptions])),
    `PUBSUB SHARDNUMSUB per channel on its master: ${r.cluster.subscriptions.shardNumsub.min}–${r.cluster.subscriptions.shardNumsub.max} (${r.cluster.subscriptions.shardNumsub.channels} channels on ${r.cluster.subscriptions.mastersUsed} masters)`,
    '',
    `Acknowledged publishes (history, one master + one replica): one at a time, then ${r.acknowledged.inFlight} in flight, ${r.acknowledged.seconds} s each`,
    table(['ha_engine_wait_replicas', 'p50 ms (one at a time)', 'p99 ms', 'publishes/s (in flight)', 'errors', 'WAIT per publish'], r.acknowledged.runs.map((x) => [x.waitReplicas, x.sequential.p50Ms, x.sequential.p99Ms, x.perSec, x.errors, x.waitsPerPublish])),
    '',
    goalLines(r.goals),
  ].join('\n');
}
