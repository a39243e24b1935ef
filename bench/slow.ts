// Scenario `slow` (performance.md G7): 1 % of subscribers stop reading. Two runs on fresh nodes with
// the same Telegraf load (1000-line pushes → ~31 KB data frames, the realistic Grafana case, at a
// fixed rate): all subscribers healthy, then 1 % stalled from the start. Measured: the delivery rate
// per healthy subscriber (must stay ≥ 0.95× the all-healthy rate), the node's RSS growth against the
// bound "queue limit × stalled clients" (what livehub may hold for them in user space; the kernel
// holds up to ~4 MB more per stalled socket on loopback, reported from /proc/net/sockstat), and
// when the stalled clients were closed with 3008 (livehub_slow_client_closes_total).

import { httpGet } from '../harness/http.js';
import { kernelTcpBytes } from '../harness/proc-stats.js';
import { sleep } from '../harness/wait.js';
import { channelFor } from './fanout.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { runPhase, type PhaseResult } from './lib/phase.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { pushToken, startLivehub } from './lib/servers.js';
import { ratio, round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

export interface SlowRunResult {
  readonly run: 'all-healthy' | 'one-percent-stalled';
  readonly subscribers: number;
  readonly stalled: number;
  readonly phase: PhaseResult;
  readonly deliveriesPerHealthySubscriberPerSec: number;
  readonly rssStartBytes: number;
  readonly rssMaxBytes: number;
  readonly kernelTcpGrowthBytes: number;
  readonly slowCloses: number;
  /** Seconds from the start of publishing until every stalled client was closed (NaN: not all were). */
  readonly allSlowClosedAfterSeconds: number;
}

export interface SlowResult {
  readonly scenario: 'slow';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { subscribers: number; stalledEvery: number; queueLimitBytes: number; pushesPerSec: number; linesPerPush: number; seconds: number };
  readonly runs: SlowRunResult[];
  readonly healthyRatio: number;
  readonly rssGrowthBytes: number;
  readonly rssBoundBytes: number;
  readonly goals: Goal[];
}

async function slowCloses(port: number): Promise<number> {
  const r = await httpGet(port, '/metrics').catch(() => ({ status: 0, body: '' }));
  const m = /^livehub_slow_client_closes_total(?:\{[^}]*\})? (\d+)/m.exec(r.body);
  return m === null ? 0 : Number(m[1]);
}

export async function runSlow(opts: { quick: boolean; log?: (line: string) => void }): Promise<SlowResult> {
  const log = opts.log ?? (() => {});
  const subscribers = opts.quick ? 300 : 2000;
  const stalledEvery = 100;
  const queueLimit = opts.quick ? 256 * 1024 : 1024 * 1024;
  const rate = 10;
  const lines = 1000;
  const seconds = opts.quick ? 2 : 40;
  const token = pushToken();
  const runs: SlowRunResult[] = [];

  for (const mode of ['all-healthy', 'one-percent-stalled'] as const) {
    const server = await startLivehub({ cpus: '0', env: { GF_LIVE_CLIENT_QUEUE_MAX_SIZE: String(queueLimit) } });
    const gen = LoadGen.start(1, '1');
    try {
      const opened = await gen.open({
        protocol: 'livehub',
        host: '127.0.0.1',
        port: server.port,
        count: subscribers,
        channels: [channelFor('livehub', 'fanout')],
        rampPerSec: 3000,
        localAddresses: LOCAL_ADDRESSES,
        sampleEvery: 10,
        stallEvery: mode === 'all-healthy' ? 0 : stalledEvery,
        timeoutMs: 60_000,
      });
      if (opened.ready !== subscribers) throw new Error(`slow ${mode}: ${opened.ready}/${subscribers} ready`);
      const stalled = opened.stalled;
      const rssStart = server.rss();
      const kernelStart = kernelTcpBytes();
      let rssMax = rssStart;
      let kernelMax = kernelStart;
      let closedAt = Number.NaN;
      const t0 = performance.now();
      let polling = true;
      const poller = (async () => {
        while (polling) {
          rssMax = Math.max(rssMax, server.rss());
          kernelMax = Math.max(kernelMax, kernelTcpBytes());
          if (stalled > 0 && Number.isNaN(closedAt) && (await slowCloses(server.port)) >= stalled) closedAt = (performance.now() - t0) / 1000;
          await sleep(500);
        }
      })();
      const phase = await runPhase({
        name: mode,
        gen,
        subscribers: subscribers - stalled,
        serverCpu: () => server.cpuSeconds(),
        publish: { protocol: 'livehub', host: '127.0.0.1', port: server.port, channel: 'bench', token, size: 200, lines, mode: 'rate', rate, window: 64, durationMs: seconds * 1000 },
        idleMs: opts.quick ? 300 : 600,
      });
      polling = false;
      await poller;
      await sleep(200);
      const closes = await slowCloses(server.port);
      const perHealthy = phase.deliveriesPerSec / (subscribers - stalled);
      runs.push({
        run: mode,
        subscribers,
        stalled,
        phase,
        deliveriesPerHealthySubscriberPerSec: round(perHealthy, 3),
        rssStartBytes: rssStart,
        rssMaxBytes: rssMax,
        kernelTcpGrowthBytes: kernelMax - kernelStart,
        slowCloses: closes,
        allSlowClosedAfterSeconds: round(closedAt, 1),
      });
      log(`slow ${mode}: ${fmt(phase.deliveriesPerSec)} deliveries/s to ${subscribers - stalled} healthy, RSS +${fmt((rssMax - rssStart) / 1048576, 1)} MiB, 3008 closes ${closes}/${stalled}`);
    } finally {
      await gen.stop();
      await server.stop();
    }
  }
  const healthy = runs[0]!;
  const stalledRun = runs[1]!;
  const healthyRatio = round(ratio(stalledRun.deliveriesPerHealthySubscriberPerSec, healthy.deliveriesPerHealthySubscriberPerSec), 3);
  const growth = stalledRun.rssMaxBytes - stalledRun.rssStartBytes;
  const healthyGrowth = healthy.rssMaxBytes - healthy.rssStartBytes;
  const bound = 1.1 * queueLimit * stalledRun.stalled;
  const decided = !opts.quick;
  const goals: Goal[] = [
    {
      id: 'G7a',
      description: 'delivery to healthy subscribers with 1 % stalled vs all healthy',
      target: '≥ 0.95×',
      measured: `${healthyRatio.toFixed(2)}× (${stalledRun.deliveriesPerHealthySubscriberPerSec} vs ${healthy.deliveriesPerHealthySubscriberPerSec} deliveries/s per healthy subscriber)`,
      met: decided ? healthyRatio >= 0.95 : undefined,
    },
    {
      id: 'G7b',
      description: 'node RSS growth with stalled clients (beyond the all-healthy run) vs queue limit × stalled',
      target: `≤ ${fmt(bound / 1048576, 1)} MiB (1.1 × ${fmt(queueLimit / 1024)} KiB × ${stalledRun.stalled})`,
      measured: `${fmt((growth - healthyGrowth) / 1048576, 1)} MiB (+${fmt(growth / 1048576, 1)} MiB stalled run, +${fmt(healthyGrowth / 1048576, 1)} MiB all-healthy run); kernel TCP +${fmt(stalledRun.kernelTcpGrowthBytes / 1048576, 1)} MiB`,
      met: decided ? growth - healthyGrowth <= bound : undefined,
    },
    {
      id: 'G7c',
      description: 'stalled clients closed with 3008',
      target: `all ${stalledRun.stalled} within the run`,
      measured: `${stalledRun.slowCloses}/${stalledRun.stalled}${Number.isFinite(stalledRun.allSlowClosedAfterSeconds) ? `, all after ${stalledRun.allSlowClosedAfterSeconds} s` : ''}`,
      met: decided ? stalledRun.slowCloses >= stalledRun.stalled : undefined,
    },
  ];
  return {
    scenario: 'slow',
    quick: opts.quick,
    run: runInfo(),
    params: { subscribers, stalledEvery, queueLimitBytes: queueLimit, pushesPerSec: rate, linesPerPush: lines, seconds },
    runs,
    healthyRatio,
    rssGrowthBytes: growth,
    rssBoundBytes: bound,
    goals,
  };
}

export function formatSlow(r: SlowResult): string {
  const rows = r.runs.map((x) => [
    x.run,
    x.subscribers - x.stalled,
    x.stalled,
    x.phase.deliveriesPerSec,
    x.deliveriesPerHealthySubscriberPerSec,
    round(x.phase.serverCores * 100, 1),
    x.phase.latencyMs.p99,
    round((x.rssMaxBytes - x.rssStartBytes) / 1048576, 1),
    round(x.kernelTcpGrowthBytes / 1048576, 1),
    x.slowCloses,
    Number.isFinite(x.allSlowClosedAfterSeconds) ? x.allSlowClosedAfterSeconds : undefined,
  ]);
  return [
    `slow: ${r.params.subscribers} subscribers, every ${r.params.stalledEvery}th stalls; ${r.params.linesPerPush}-line pushes at ${r.params.pushesPerSec}/s for ${r.params.seconds} s; client_queue_max_size ${fmt(r.params.queueLimitBytes / 1024)} KiB; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(['run', 'healthy', 'stalled', 'deliveries/s', 'per healthy sub/s', 'server CPU %', 'p99 ms', 'RSS growth MiB', 'kernel TCP growth MiB', '3008 closes', 'all closed after s'], rows),
    '',
    goalLines(r.goals),
  ].join('\n');
}
