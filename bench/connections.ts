// Scenario `connections` (performance.md G2): one livehub node holds max_connections = 19,000
// (quick: 2,000) — set below the 20,000 open-files limit — each connected and subscribed, while the
// load generators probe the round trip of a cheap command (presence_stats) and pings run every 5 s.
// Then 500 (quick: 100) more connections are attempted: each must be refused cleanly (close 3504),
// the node must stay healthy, keep every earlier connection, and never hit EMFILE.

import { httpGet } from '../harness/http.js';
import { openFds } from '../harness/proc-stats.js';
import { sleep } from '../harness/wait.js';
import { channelFor } from './fanout.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { startLivehub } from './lib/servers.js';
import { round, summarize, type LatencySummary } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

export interface ConnectionsResult {
  readonly scenario: 'connections';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { maxConnections: number; extraAttempts: number; pingSeconds: number; probeSeconds: number; probesPerSecond: number };
  readonly connected: number;
  readonly connectSeconds: number;
  readonly serverFds: number;
  readonly serverRssBytes: number;
  readonly serverCoresWhileProbing: number;
  readonly rttMs: LatencySummary;
  readonly rttErrors: number;
  readonly extra: { attempted: number; refused3504: number; otherCloses: Record<string, number>; accepted: number; failed: number };
  readonly afterRefusals: { healthy: boolean; stillConnected: number; rttMs: LatencySummary; emfileInLog: boolean };
  readonly goals: Goal[];
}

async function probe(gen: LoadGen, seconds: number, perSecond: number): Promise<{ rtts: number[]; errors: number }> {
  await gen.stats(true);
  const ticks = Math.round(seconds * 10);
  for (let i = 0; i < ticks; i++) {
    await gen.rtt(Math.max(1, Math.round(perSecond / 10)));
    await sleep(100);
  }
  await sleep(500);
  const s = await gen.stats(true);
  return { rtts: s.rtts, errors: s.rttErrors };
}

export async function runConnections(opts: { quick: boolean; log?: (line: string) => void }): Promise<ConnectionsResult> {
  const log = opts.log ?? (() => {});
  const max = opts.quick ? 2000 : 19_000;
  const extra = opts.quick ? 100 : 500;
  const pingSeconds = 5;
  const probeSeconds = opts.quick ? 2 : 20;
  const probesPerSecond = opts.quick ? 200 : 500;
  const server = await startLivehub({
    cpus: '0',
    env: { GF_LIVE_MAX_CONNECTIONS: String(max), GF_LIVE_PING_INTERVAL: String(pingSeconds), GF_LIVE_PONG_TIMEOUT: '5' },
  });
  const gen = LoadGen.start(LoadGen.childrenFor(max + extra), '1');
  try {
    const spec = {
      protocol: 'livehub' as const,
      host: '127.0.0.1',
      port: server.port,
      channels: [channelFor('livehub', 'conn-all')],
      groups: { prefix: channelFor('livehub', 'conn-g'), n: 100 },
      rampPerSec: 2000,
      localAddresses: LOCAL_ADDRESSES,
      sampleEvery: 0,
      stallEvery: 0,
      timeoutMs: 120_000,
    };
    const t0 = performance.now();
    const opened = await gen.open({ ...spec, count: max });
    const connectSeconds = round((performance.now() - t0) / 1000, 1);
    log(`connections: ${opened.ready}/${max} ready in ${connectSeconds} s (failed ${opened.failed})`);
    // Let at least one ping round pass before measuring.
    await sleep((pingSeconds + 1) * 1000);
    const cpu0 = server.cpuSeconds();
    const p0 = performance.now();
    const first = await probe(gen, probeSeconds, probesPerSecond);
    const cores = (server.cpuSeconds() - cpu0) / ((performance.now() - p0) / 1000);
    const connected = (await gen.stats()).ready;
    const fds = openFds(server.pid);
    const rss = server.rss();
    log(`connections: RTT p99 ${summarize(first.rtts).p99} ms over ${first.rtts.length} probes, ${fds} fds`);

    const before = await gen.stats();
    const more = await gen.open({ ...spec, count: extra, firstIndex: max, timeoutMs: 30_000 });
    const closes: Record<string, number> = {};
    for (const [code, n] of Object.entries(more.closes)) {
      const delta = n - (before.closes[code] ?? 0);
      if (delta > 0) closes[code] = delta;
    }
    const refused = closes['3504'] ?? 0;
    delete closes['3504'];
    const accepted = more.ready - before.ready;
    await sleep(1000);
    const health = await httpGet(server.port, '/api/health').catch(() => ({ status: 0, body: '' }));
    const second = await probe(gen, Math.max(1, probeSeconds / 4), probesPerSecond);
    const stillConnected = (await gen.stats()).ready;
    const emfile = /EMFILE/.test(server.proc.output());
    const rtt = summarize(first.rtts);
    const goals: Goal[] = [
      {
        id: 'G2a',
        description: 'connections held by one process with p99 RTT < 100 ms',
        target: `≥ 18,900 (0.95 × (nofile − 100)) with p99 < 100 ms`,
        measured: `${fmt(connected)} connections, p99 RTT ${rtt.p99} ms`,
        met: opts.quick ? undefined : connected >= 18_900 && rtt.p99 < 100,
      },
      {
        id: 'G2b',
        description: 'connections beyond max_connections refused cleanly',
        target: 'all closed with 3504, node healthy, no EMFILE, no earlier connection lost',
        measured: `${refused}/${extra} refused with 3504, other closes ${JSON.stringify(closes)}, health ${health.status}, EMFILE ${emfile ? 'yes' : 'no'}, still connected ${fmt(stillConnected)}`,
        met: refused === extra && health.status === 200 && !emfile && stillConnected === connected,
      },
    ];
    return {
      scenario: 'connections',
      quick: opts.quick,
      run: runInfo(),
      params: { maxConnections: max, extraAttempts: extra, pingSeconds, probeSeconds, probesPerSecond },
      connected,
      connectSeconds,
      serverFds: fds,
      serverRssBytes: rss,
      serverCoresWhileProbing: round(cores, 3),
      rttMs: rtt,
      rttErrors: first.errors,
      extra: { attempted: extra, refused3504: refused, otherCloses: closes, accepted, failed: more.failed - before.failed },
      afterRefusals: { healthy: health.status === 200, stillConnected, rttMs: summarize(second.rtts), emfileInLog: emfile },
      goals,
    };
  } finally {
    await gen.stop();
    await server.stop();
  }
}

export function formatConnections(r: ConnectionsResult): string {
  return [
    `connections: one livehub node, max_connections ${fmt(r.params.maxConnections)}, pings every ${r.params.pingSeconds} s, ${r.params.probesPerSecond} presence_stats probes/s; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(
      ['measure', 'value'],
      [
        ['connections held', fmt(r.connected)],
        ['connect time (s)', fmt(r.connectSeconds, 1)],
        ['server fds', fmt(r.serverFds)],
        ['server RSS (MiB)', fmt(r.serverRssBytes / 1048576, 1)],
        ['server CPU while probing (%)', fmt(r.serverCoresWhileProbing * 100, 1)],
        ['RTT p50 / p99 / max (ms)', `${r.rttMs.p50} / ${r.rttMs.p99} / ${r.rttMs.max} (${fmt(r.rttMs.samples)} probes, ${r.rttErrors} lost)`],
        ['extra attempts refused 3504', `${r.extra.refused3504} / ${r.extra.attempted} (accepted ${r.extra.accepted}, other ${JSON.stringify(r.extra.otherCloses)})`],
        ['after refusals', `health ${r.afterRefusals.healthy ? 200 : 'BAD'}, still connected ${fmt(r.afterRefusals.stillConnected)}, RTT p99 ${r.afterRefusals.rttMs.p99} ms, EMFILE ${r.afterRefusals.emfileInLog ? 'yes' : 'no'}`],
      ],
    ),
    '',
    goalLines(r.goals),
  ].join('\n');
}
