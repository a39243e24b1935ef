// Scenario `latency` (performance.md G5): the Telegraf path end to end. A pusher POSTs 1000-line
// line-protocol batches (one measurement, 1000 series) to /api/live/push/bench; subscribers of
// `stream/bench/fanout` receive the data frame. Latency = arrival at a subscriber − the time written
// into the batch just before the request (same host clock), so it covers HTTP, parsing, conversion,
// encoding, the engine and the fan-out. Three setups in the same run, at several push rates:
//   single  — one node, in-memory engine, push and subscribers on that node;
//   redis   — push to node A, subscribers on node B, through Redis (the HA path);
//   cluster — the same through a Redis Cluster (3 masters + 3 replicas, sharded PUB/SUB).
// The fan-out node is pinned to CPU 0, the load generators to CPU 1.

import type { RedisServer } from '../harness/redis.js';
import { startRedisCluster, type RedisClusterSetup } from '../harness/redis-cluster.js';
import { channelFor } from './fanout.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { runPhase, type PhaseResult } from './lib/phase.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { pushToken, startLivehub, startRedis, type ServerHandle } from './lib/servers.js';
import { ratio, round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

export interface LatencySetupResult {
  readonly setup: 'single' | 'redis' | 'cluster';
  readonly phases: PhaseResult[];
}

export interface LatencyResult {
  readonly scenario: 'latency';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { subscribers: number; linesPerPush: number; rates: number[]; phaseSeconds: number; minPushesPerRate: number };
  readonly setups: LatencySetupResult[];
  /** Per rate: p99 through Redis (and through the cluster) ÷ p99 single node. */
  readonly p99Ratios: { rate: number; single: number; redis: number; ratio: number; cluster: number; clusterRatio: number }[];
  readonly goals: Goal[];
}

export async function runLatency(opts: { quick: boolean; log?: (line: string) => void }): Promise<LatencyResult> {
  const log = opts.log ?? (() => {});
  const subscribers = opts.quick ? 200 : 1000;
  const lines = 1000;
  const rates = opts.quick ? [2, 5] : [2, 5, 10, 20];
  const phaseMs = opts.quick ? 1000 : 10_000;
  const token = pushToken();
  const setups: LatencySetupResult[] = [];

  for (const setup of ['single', 'redis', 'cluster'] as const) {
    let redis: RedisServer | undefined;
    let cluster: RedisClusterSetup | undefined;
    const servers: ServerHandle[] = [];
    const gen = LoadGen.start(1, '1');
    try {
      let pushTo: ServerHandle;
      let fanout: ServerHandle;
      if (setup === 'single') {
        fanout = pushTo = await startLivehub({ cpus: '0' });
        servers.push(fanout);
      } else {
        let address: string;
        if (setup === 'redis') {
          redis = await startRedis();
          address = `127.0.0.1:${redis.port}`;
        } else {
          cluster = await startRedisCluster();
          address = cluster.address;
        }
        const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: address };
        pushTo = await startLivehub({ name: 'livehub A', env });
        fanout = await startLivehub({ name: 'livehub B', env, cpus: '0' });
        servers.push(pushTo, fanout);
      }
      const opened = await gen.open({
        protocol: 'livehub',
        host: '127.0.0.1',
        port: fanout.port,
        count: subscribers,
        channels: [channelFor('livehub', 'fanout')],
        rampPerSec: 3000,
        localAddresses: LOCAL_ADDRESSES,
        sampleEvery: 5,
        stallEvery: 0,
        timeoutMs: 60_000,
      });
      if (opened.ready !== subscribers) throw new Error(`latency ${setup}: ${opened.ready}/${subscribers} ready (${opened.failures.slice(0, 3).join('; ')})`);
      const others = servers.filter((s) => s !== fanout);
      const extraCpu = (): number => others.reduce((sum, s) => sum + s.cpuSeconds(), 0);
      const phase = (name: string, rate: number, durationMs: number): Promise<PhaseResult> =>
        runPhase({
          name,
          gen,
          subscribers,
          serverCpu: () => fanout.cpuSeconds(),
          extraCpu,
          publish: { protocol: 'livehub', host: '127.0.0.1', port: pushTo.port, channel: 'bench', token, size: 200, lines, mode: 'rate', rate, window: 64, durationMs },
          idleMs: opts.quick ? 300 : 600,
        });
      await phase('warmup', rates[0]!, opts.quick ? 300 : 2000);
      const phases: PhaseResult[] = [];
      for (const rate of rates) {
        // At least 50 pushes per rate (a p99 over fewer pushes is just the worst push).
        const p = await phase(`${rate}/s`, rate, opts.quick ? phaseMs : Math.max(phaseMs, (50 / rate) * 1000));
        phases.push(p);
        log(`latency ${setup} ${rate} pushes/s: p50 ${p.latencyMs.p50} ms, p99 ${p.latencyMs.p99} ms, fan-out node ${fmt(p.serverCores * 100)} % CPU${p.firstError ? `, error ${p.firstError}` : ''}`);
      }
      setups.push({ setup, phases });
    } finally {
      await gen.stop();
      for (const s of servers) await s.stop();
      await redis?.stop();
      await cluster?.stop();
    }
  }
  const single = setups.find((s) => s.setup === 'single')!;
  const viaRedis = setups.find((s) => s.setup === 'redis')!;
  const viaCluster = setups.find((s) => s.setup === 'cluster')!;
  const p99Ratios = rates.map((rate, i) => {
    const a = single.phases[i]!.latencyMs.p99;
    const b = viaRedis.phases[i]!.latencyMs.p99;
    const c = viaCluster.phases[i]!.latencyMs.p99;
    return { rate, single: a, redis: b, ratio: round(ratio(b, a), 3), cluster: c, clusterRatio: round(ratio(c, a), 3) };
  });
  const worst = p99Ratios.reduce((m, r) => (r.ratio > m.ratio ? r : m), p99Ratios[0]!);
  const worstCluster = p99Ratios.reduce((m, r) => (r.clusterRatio > m.clusterRatio ? r : m), p99Ratios[0]!);
  const worstP99 = Math.max(...p99Ratios.map((r) => r.redis));
  const decided = !opts.quick;
  const goals: Goal[] = [
    {
      id: 'G5a',
      description: 'Telegraf push → subscribers on another node through Redis, p99 vs single node (every rate)',
      target: '≤ 1.5×',
      measured: p99Ratios.map((r) => `${r.rate}/s: ${r.ratio.toFixed(2)}× (${r.redis} vs ${r.single} ms)`).join('; '),
      met: decided ? worst.ratio <= 1.5 : undefined,
    },
    {
      id: 'G5c',
      description: 'the same through a Redis Cluster (3 masters + 3 replicas, sharded PUB/SUB), p99 vs single node (every rate)',
      target: '≤ 1.5×',
      measured: p99Ratios.map((r) => `${r.rate}/s: ${r.clusterRatio.toFixed(2)}× (${r.cluster} vs ${r.single} ms)`).join('; '),
      met: decided ? worstCluster.clusterRatio <= 1.5 : undefined,
    },
    {
      id: 'G5b',
      description: 'p99 end-to-end through Redis',
      target: '≤ 100 ms',
      measured: `${worstP99} ms (worst rate)`,
      met: decided ? worstP99 <= 100 : undefined,
    },
  ];
  return {
    scenario: 'latency',
    quick: opts.quick,
    run: runInfo(),
    params: { subscribers, linesPerPush: lines, rates, phaseSeconds: phaseMs / 1000, minPushesPerRate: opts.quick ? 0 : 50 },
    setups,
    p99Ratios,
    goals,
  };
}

export function formatLatency(r: LatencyResult): string {
  const rows = r.setups.flatMap((s) =>
    s.phases.map((p) => [
      s.setup === 'single' ? 'single node' : s.setup === 'redis' ? 'A → Redis → B' : 'A → Redis Cluster → B',
      p.phase,
      p.published,
      round(p.deliveries / Math.max(1, p.expectedDeliveries), 4),
      round(p.serverCores * 100, 1),
      round(p.extraCores * 100, 1),
      round(p.bytesPerDelivery / 1024, 1),
      p.latencyMs.p50,
      p.latencyMs.p90,
      p.latencyMs.p99,
      p.latencyMs.max,
    ]),
  );
  return [
    `latency: ${r.params.linesPerPush}-line Telegraf pushes → ${r.params.subscribers} subscribers, ≥ ${r.params.phaseSeconds} s and ≥ ${r.params.minPushesPerRate} pushes per rate; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(['path', 'rate', 'pushes', 'complete', 'fan-out node CPU %', 'other CPU %', 'KB/frame', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'], rows),
    '',
    table(['rate', 'p99 single ms', 'p99 via Redis ms', 'ratio', 'p99 via cluster ms', 'ratio'], r.p99Ratios.map((x) => [`${x.rate}/s`, x.single, x.redis, `${x.ratio.toFixed(2)}×`, x.cluster, `${x.clusterRatio.toFixed(2)}×`])),
    '',
    goalLines(r.goals),
  ].join('\n');
}
