// Scenario `redis`, sections 4 and 5 (docs/performance.md): the Redis Cluster engine and
// acknowledged publishes.
//  4. Redis Cluster (3 masters + 3 replicas, redis+cluster://) against one Redis, in one run:
//     engine publish throughput (plain publishes, batched; and publishes with history, one script
//     each) to 64 channels spread over the partitions, with Redis CPU per publish summed over the
//     masters; then two livehub nodes with clients on a hot channel and group channels: PUBSUB
//     SHARDNUMSUB of every channel on its master (= nodes subscribed) and, per node, its sharded
//     subscriptions over all masters (CLIENT LIST ssub=…) = its distinct channels.
//  5. `ha_engine_wait_replicas = 1` on one master with one replica: history publish latency one at
//     a time (p50/p99) and throughput with many in flight, without and with WAIT.

import { loadConfig } from '../src/config/load.js';
import { createEngine } from '../src/engine/create-engine.js';
import type { Engine } from '../src/engine/engine.js';
import { PartitionTable, slotOf } from '../src/engine/redis/partitions.js';
import { createLogger } from '../src/log/logger.js';
import { parseInfoCalls, redisCommand, startRedisServer } from '../harness/redis.js';
import { startRedisCluster, type RedisClusterSetup } from '../harness/redis-cluster.js';
import { sleep, waitUntil } from '../harness/wait.js';
import { channelFor } from './fanout.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { startLivehub, startRedis, type ServerHandle } from './lib/servers.js';
import { percentile, ratio, round } from './lib/stats.js';

const STATS = () => ({ numClients: 0, numUsers: 0, numSubscriptions: 0, numChannels: 0 });
const HISTORY = { size: 100, ttlSeconds: 300 };

export interface PublishRun {
  readonly setup: string;
  readonly kind: 'plain' | 'history';
  readonly perSec: number;
  readonly errors: number;
  /** Redis CPU (all masters) per publish, µs. */
  readonly redisUsPerPublish: number;
}

export interface ClusterNodeSubscriptions {
  readonly node: string;
  readonly clients: number;
  readonly distinctChannels: number;
  /** SSUBSCRIBE subscriptions of the node's sharded connections, over all masters. */
  readonly shardedSubscriptions: number;
  /** Its sharded subscriber connections (one per master holding some of its channels). */
  readonly shardedConnections: number;
  /** Classic subscriptions (the control connection: probe, control broadcast, own channel). */
  readonly classicSubscriptions: number;
  readonly patternSubscriptions: number;
}

export interface ClusterSection {
  readonly masters: number;
  readonly channels: number;
  readonly publishSeconds: number;
  readonly inFlight: number;
  readonly runs: PublishRun[];
  /** 3 masters ÷ 1 master, per kind. */
  readonly speedup: { plain: number; history: number };
  readonly subscriptions: {
    readonly nodes: ClusterNodeSubscriptions[];
    /** PUBSUB SHARDNUMSUB of each channel on its master: min and max over the channels. */
    readonly shardNumsub: { min: number; max: number; channels: number };
    /** Distinct masters the channels live on. */
    readonly mastersUsed: number;
  };
}

export interface AckRun {
  readonly waitReplicas: number;
  /** One publish at a time: per-publish latency. */
  readonly sequential: { samples: number; p50Ms: number; p99Ms: number };
  /** Many in flight. */
  readonly perSec: number;
  readonly errors: number;
  /** WAIT commands per publication (batching: one WAIT per batch). */
  readonly waitsPerPublish: number;
}

export interface AckSection {
  readonly inFlight: number;
  readonly seconds: number;
  readonly runs: AckRun[];
}

async function engineOn(address: string, id: string, env: Record<string, string> = {}): Promise<Engine> {
  const { config } = loadConfig({ env: { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: address, GF_LOG_LEVEL: 'error', ...env } });
  const engine = createEngine(config, { id, name: 'bench', version: 'bench' }, createLogger('error'));
  await engine.start({ onPublication() {}, onJoin() {}, onLeave() {} }, STATS);
  if (!engine.health().healthy) throw new Error(`${id}: engine not healthy: ${engine.health().detail ?? ''}`);
  return engine;
}

/** Publishes for `seconds` with `inFlight` workers over `channels`; per-publish latency kept when asked. */
async function publishLoad(engine: Engine, o: { seconds: number; inFlight: number; channels: readonly string[]; history: boolean; latencies?: number[] }): Promise<{ perSec: number; errors: number; done: number }> {
  const data = JSON.stringify({ p: 'x'.repeat(192) });
  const end = performance.now() + o.seconds * 1000;
  let done = 0;
  let errors = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const channel = o.channels[next++ % o.channels.length]!;
      const t = performance.now();
      try {
        await engine.broker.publish(channel, data, undefined, o.history ? { history: HISTORY } : {});
        done++;
        o.latencies?.push(performance.now() - t);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.inFlight }, worker));
  return { perSec: Math.round(done / ((performance.now() - t0) / 1000)), errors, done };
}

function infoField(text: string, field: string): number {
  return Number(new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function cpuOf(ports: readonly number[]): Promise<number> {
  let total = 0;
  for (const port of ports) {
    const info = String(await redisCommand(port, ['INFO', 'cpu']));
    total += infoField(info, 'used_cpu_sys') + infoField(info, 'used_cpu_user');
  }
  return total;
}

async function mastersOf(cluster: RedisClusterSetup): Promise<number[]> {
  return (await cluster.nodes()).filter((n) => n.role === 'master' && n.slots.length > 0).map((n) => n.port);
}

/** Section 4. */
export async function runClusterSection(o: { quick: boolean; log: (line: string) => void }): Promise<ClusterSection> {
  const seconds = o.quick ? 1 : 5;
  const inFlight = 1000;
  const channels = Array.from({ length: 64 }, (_, i) => `1/stream/bench/cluster-${i}`);
  const runs: PublishRun[] = [];
  const measure = async (setup: string, engine: Engine, ports: readonly number[]): Promise<void> => {
    for (const kind of ['plain', 'history'] as const) {
      await publishLoad(engine, { seconds: Math.min(1, seconds), inFlight, channels, history: kind === 'history' }); // warm-up
      const c0 = await cpuOf(ports);
      const r = await publishLoad(engine, { seconds, inFlight, channels, history: kind === 'history' });
      const cpu = (await cpuOf(ports)) - c0;
      runs.push({ setup, kind, perSec: r.perSec, errors: r.errors, redisUsPerPublish: round((cpu / Math.max(1, r.done)) * 1e6, 2) });
      o.log(`redis cluster: ${setup} ${kind} ${r.perSec} publishes/s (${r.errors} errors), Redis ${round((cpu / Math.max(1, r.done)) * 1e6, 2)} µs/publish`);
    }
  };

  const single = await startRedis();
  try {
    const engine = await engineOn(`127.0.0.1:${single.port}`, 'bench-single');
    await measure('1 master', engine, [single.port]);
    await engine.close();
  } finally {
    await single.stop();
  }

  const cluster = await startRedisCluster();
  const servers: ServerHandle[] = [];
  const gens: LoadGen[] = [];
  try {
    const masters = await mastersOf(cluster);
    const engine = await engineOn(cluster.address, 'bench-cluster');
    await measure(`${masters.length} masters (cluster)`, engine, masters);
    await engine.close();

    // Subscriptions: two nodes, clients on a hot channel and group channels on each.
    const clients = o.quick ? 100 : 1000;
    const groups = 50;
    const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: cluster.address };
    servers.push(await startLivehub({ name: 'livehub A', env }), await startLivehub({ name: 'livehub B', env }));
    const hot = channelFor('livehub', 'cluster-hot');
    const groupPrefix = channelFor('livehub', 'cluster-g');
    for (const server of servers) {
      const gen = LoadGen.start(LoadGen.childrenFor(clients));
      gens.push(gen);
      const t = await gen.open({ protocol: 'livehub', host: '127.0.0.1', port: server.port, count: clients, channels: [hot], groups: { prefix: groupPrefix, n: groups }, rampPerSec: 3000, localAddresses: LOCAL_ADDRESSES, sampleEvery: 0, stallEvery: 0, timeoutMs: 60_000 });
      if (t.ready !== clients) throw new Error(`${server.name}: ${t.ready}/${clients} ready (${t.failures.slice(0, 3).join('; ')})`);
    }
    await sleep(300);
    const partitions = new PartitionTable();
    const redisName = (full: string): string => `gf_live.client.${partitions.tagOf(full)}.${full}`;
    const names = [hot, ...Array.from({ length: groups }, (_, i) => `${groupPrefix}${i}`)].map(redisName);
    const counts: number[] = [];
    const used = new Set<number>();
    for (const name of names) {
      const master = await cluster.masterOf(slotOf(name));
      used.add(master.port);
      const reply = (await redisCommand(master.port, ['PUBSUB', 'SHARDNUMSUB', name])) as [string, number];
      counts.push(Number(reply[1]));
    }
    const perNode = new Map<string, { ssub: number; conns: number; sub: number; psub: number }>();
    for (const port of masters) {
      for (const line of String(await redisCommand(port, ['CLIENT', 'LIST'])).split('\n')) {
        const name = /name=(livehub:[^: ]+):(ssub|sub):/.exec(line);
        if (name === null) continue;
        const entry = perNode.get(name[1]!) ?? { ssub: 0, conns: 0, sub: 0, psub: 0 };
        entry.ssub += Number(/ ssub=(\d+)/.exec(line)?.[1] ?? 0);
        entry.sub += Number(/ sub=(\d+)/.exec(line)?.[1] ?? 0);
        entry.psub += Number(/ psub=(\d+)/.exec(line)?.[1] ?? 0);
        if (name[2] === 'ssub') entry.conns++;
        perNode.set(name[1]!, entry);
      }
    }
    const nodes = [...perNode.values()].map((e, i): ClusterNodeSubscriptions => ({
      node: `livehub ${String.fromCharCode(65 + i)}`,
      clients,
      distinctChannels: 1 + groups,
      shardedSubscriptions: e.ssub,
      shardedConnections: e.conns,
      classicSubscriptions: e.sub,
      patternSubscriptions: e.psub,
    }));
    o.log(`redis cluster: SHARDNUMSUB ${Math.min(...counts)}–${Math.max(...counts)} over ${names.length} channels on ${used.size} masters; per node ${nodes.map((n) => `${n.shardedSubscriptions} ssub on ${n.shardedConnections} connections + ${n.classicSubscriptions} sub`).join(', ')}`);
    const rate = (setup: string, kind: string): number => runs.find((r) => r.setup.startsWith(setup) && r.kind === kind)?.perSec ?? Number.NaN;
    return {
      masters: masters.length,
      channels: channels.length,
      publishSeconds: seconds,
      inFlight,
      runs,
      speedup: {
        plain: round(ratio(rate(`${masters.length} masters`, 'plain'), rate('1 master', 'plain')), 2),
        history: round(ratio(rate(`${masters.length} masters`, 'history'), rate('1 master', 'history')), 2),
      },
      subscriptions: { nodes, shardNumsub: { min: Math.min(...counts), max: Math.max(...counts), channels: names.length }, mastersUsed: used.size },
    };
  } finally {
    for (const g of gens) await g.stop();
    for (const s of servers) await s.stop();
    await cluster.stop();
  }
}

/** Section 5. */
export async function runAckSection(o: { quick: boolean; log: (line: string) => void }): Promise<AckSection> {
  const seconds = o.quick ? 1 : 5;
  const inFlight = 200;
  const master = await startRedisServer({ args: ['--repl-diskless-sync-delay', '0'] });
  const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const runs: AckRun[] = [];
  try {
    await waitUntil(async () => {
      await redisCommand(master.port, ['SET', 'bench-probe', '1']);
      return Number(await redisCommand(master.port, ['WAIT', '1', '200'])) >= 1;
    }, 'the replica in sync', 15_000, 100);
    const channels = Array.from({ length: 64 }, (_, i) => `1/grafana/broadcast/ack-${i}`);
    for (const waitReplicas of [0, 1]) {
      const engine = await engineOn(`127.0.0.1:${master.port}`, `bench-ack-${waitReplicas}`, { GF_LIVE_HA_ENGINE_WAIT_REPLICAS: String(waitReplicas) });
      await publishLoad(engine, { seconds: Math.min(1, seconds), inFlight: 1, channels, history: true }); // warm-up
      const latencies: number[] = [];
      await publishLoad(engine, { seconds, inFlight: 1, channels, history: true, latencies });
      const waitCalls = async (): Promise<number> => parseInfoCalls(String(await redisCommand(master.port, ['INFO', 'commandstats'])), 'wait');
      const waits0 = await waitCalls();
      const load = await publishLoad(engine, { seconds, inFlight, channels, history: true });
      const waits = (await waitCalls()) - waits0;
      await engine.close();
      const run: AckRun = {
        waitReplicas,
        sequential: { samples: latencies.length, p50Ms: round(percentile(latencies, 50), 3), p99Ms: round(percentile(latencies, 99), 3) },
        perSec: load.perSec,
        errors: load.errors,
        waitsPerPublish: round(waits / Math.max(1, load.done), 4),
      };
      runs.push(run);
      o.log(`redis ack: wait_replicas ${waitReplicas}: one at a time p50 ${run.sequential.p50Ms} ms p99 ${run.sequential.p99Ms} ms; ${inFlight} in flight ${run.perSec}/s (${run.errors} errors), ${run.waitsPerPublish} WAIT per publish`);
    }
  } finally {
    await Promise.all([replica.kill('SIGKILL'), master.kill('SIGKILL')]);
  }
  return { inFlight, seconds, runs };
}
