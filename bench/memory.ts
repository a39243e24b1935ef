// Scenario `memory` (performance.md G1, method §3.2): idle connections, each connected and subscribed
// to 2 channels (one shared by all, one of 100 groups), pings on. Servers run with --expose-gc and
// the memory hook (two full GCs, then process.memoryUsage + /proc/self/status). Connections are
// added in steps (2,000 → 18,000; quick 200 → 2,000); after each step the server sits idle for at
// least one ping interval so every connection has been pinged, then memory is sampled. The cost of
// a connection is the least-squares SLOPE of memory against N (never RSS/N, which hides the fixed
// baseline); RSS and heap are reported separately. Same steps, same client harness for livehub, the
// bare `ws` server and Socket.IO.

import { kernelTcpBytes } from '../harness/proc-stats.js';
import { sleep } from '../harness/wait.js';
import type { MemorySnapshot } from './preload/memory-snapshot.js';
import { channelFor } from './fanout.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import type { Protocol } from './lib/protocol.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { startBareWs, startLivehub, startSocketIo, type ServerHandle } from './lib/servers.js';
import { leastSquares, ratio, round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

export interface MemoryPoint {
  readonly connections: number;
  readonly vmRss: number;
  readonly rssAnon: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** Kernel TCP memory of the whole host (pages × 4096), from /proc/net/sockstat. */
  readonly kernelTcpBytes: number;
}

export interface MemoryPeerResult {
  readonly peer: string;
  readonly protocol: Protocol;
  readonly points: MemoryPoint[];
  /** Bytes per connection (slopes). */
  readonly rssPerConn: number;
  readonly heapPerConn: number;
  readonly externalPerConn: number;
  readonly kernelPerConn: number;
  readonly rssR2: number;
  /** Server CPU (cores) while idle at the largest step, pings on. */
  readonly idleCores: number;
}

export interface MemoryResult {
  readonly scenario: 'memory';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { steps: number[]; subscriptionsPerConn: number; pingSeconds: number; settleSeconds: number; nodeArgs: string[] };
  readonly peers: MemoryPeerResult[];
  readonly ratios: { rssVsBareWs: number; heapVsBareWs: number; rssVsSocketIo: number; heapVsSocketIo: number };
  readonly goals: Goal[];
}

/**
 * Every server gets a fixed-size young generation (V8 otherwise grows new space from 1 to 2 × 16 MiB
 * under allocation, a step in RSS that has nothing to do with N and lands on whichever step it
 * happens). Same flags for all peers; constant offsets do not change slopes.
 */
export const MEMORY_NODE_ARGS = ['--min-semi-space-size=16', '--max-semi-space-size=16'];

async function startPeer(protocol: Protocol, pingSeconds: number): Promise<ServerHandle> {
  const nodeArgs = MEMORY_NODE_ARGS;
  if (protocol === 'bare') return startBareWs({ pingMs: pingSeconds * 1000, nodeArgs });
  if (protocol === 'socketio') return startSocketIo({ pingMs: pingSeconds * 1000, nodeArgs });
  return startLivehub({ nodeArgs, env: { GF_LIVE_PING_INTERVAL: String(pingSeconds), GF_LIVE_PONG_TIMEOUT: String(Math.min(10, pingSeconds)) } });
}

export async function runMemory(opts: { quick: boolean; log?: (line: string) => void }): Promise<MemoryResult> {
  const log = opts.log ?? (() => {});
  const steps = opts.quick ? [200, 800, 1400, 2000] : [2000, 6000, 10_000, 14_000, 18_000];
  const pingSeconds = opts.quick ? 1 : 25;
  const settleMs = opts.quick ? 1100 : (pingSeconds + 2) * 1000;
  const peers: MemoryPeerResult[] = [];

  for (const protocol of ['bare', 'livehub', 'socketio'] as const) {
    const server = await startPeer(protocol, pingSeconds);
    const gen = LoadGen.start(LoadGen.childrenFor(steps[steps.length - 1]!));
    const points: MemoryPoint[] = [];
    let idleCores = Number.NaN;
    try {
      let open = 0;
      for (const target of steps) {
        const totals = await gen.open({
          protocol,
          host: '127.0.0.1',
          port: server.port,
          count: target - open,
          firstIndex: open,
          channels: [channelFor(protocol, 'mem-all')],
          groups: { prefix: channelFor(protocol, 'mem-g'), n: 100 },
          rampPerSec: 3000,
          localAddresses: LOCAL_ADDRESSES,
          sampleEvery: 0,
          stallEvery: 0,
          timeoutMs: 60_000,
        });
        open = target;
        if (totals.ready !== target) throw new Error(`${server.name}: ${totals.ready}/${target} connections ready (${totals.failures.slice(0, 3).join('; ')})`);
        const cpu0 = server.cpuSeconds();
        const t0 = performance.now();
        await sleep(settleMs);
        idleCores = (server.cpuSeconds() - cpu0) / ((performance.now() - t0) / 1000);
        const after = await gen.stats();
        if (after.ready !== target) throw new Error(`${server.name}: connections dropped while idle (${after.ready}/${target}, closes ${JSON.stringify(after.closes)})`);
        // Three settled samples a second apart; the minimum is the least disturbed by garbage and by
        // pages V8 or malloc have not returned yet.
        const samples: MemorySnapshot[] = [];
        for (let k = 0; k < (opts.quick ? 1 : 3); k++) {
          if (k > 0) await sleep(1000);
          samples.push(await server.memory());
        }
        const least = (f: (x: MemorySnapshot) => number): number => Math.min(...samples.map(f));
        const m = { vmRss: least((x) => x.vmRss), rssAnon: least((x) => x.rssAnon), heapUsed: least((x) => x.heapUsed), heapTotal: least((x) => x.heapTotal), external: least((x) => x.external), arrayBuffers: least((x) => x.arrayBuffers) };
        points.push({ connections: target, vmRss: m.vmRss, rssAnon: m.rssAnon, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, kernelTcpBytes: kernelTcpBytes() });
        log(`memory ${server.name}: ${target} connections, RSS ${fmt(m.vmRss / 1048576, 1)} MiB, heap ${fmt(m.heapUsed / 1048576, 1)} MiB`);
      }
    } finally {
      await gen.stop();
      await server.stop();
    }
    const fit = (pick: (p: MemoryPoint) => number) => leastSquares(points.map((p) => [p.connections, pick(p)] as const));
    const rss = fit((p) => p.vmRss);
    peers.push({
      peer: server.name,
      protocol,
      points,
      rssPerConn: Math.round(rss.slope),
      heapPerConn: Math.round(fit((p) => p.heapUsed).slope),
      externalPerConn: Math.round(fit((p) => p.external).slope),
      kernelPerConn: Math.round(fit((p) => p.kernelTcpBytes).slope),
      rssR2: round(rss.r2, 4),
      idleCores: round(idleCores, 3),
    });
  }

  const get = (p: Protocol): MemoryPeerResult => peers.find((x) => x.protocol === p)!;
  const lh = get('livehub');
  const ratios = {
    rssVsBareWs: round(ratio(lh.rssPerConn, get('bare').rssPerConn), 3),
    heapVsBareWs: round(ratio(lh.heapPerConn, get('bare').heapPerConn), 3),
    rssVsSocketIo: round(ratio(lh.rssPerConn, get('socketio').rssPerConn), 3),
    heapVsSocketIo: round(ratio(lh.heapPerConn, get('socketio').heapPerConn), 3),
  };
  const decided = !opts.quick;
  const kb = (b: number): string => `${(b / 1024).toFixed(2)} KB`;
  const goals: Goal[] = [
    {
      id: 'G1a',
      description: 'RSS per idle connection vs bare ws (slope)',
      target: '≤ 1.3×',
      measured: `${ratios.rssVsBareWs.toFixed(2)}× (${kb(lh.rssPerConn)} vs ${kb(get('bare').rssPerConn)})`,
      met: decided ? ratios.rssVsBareWs <= 1.3 : undefined,
    },
    {
      id: 'G1b',
      description: 'RSS per idle connection (slope)',
      target: '≤ 10 KB',
      measured: kb(lh.rssPerConn),
      met: decided ? lh.rssPerConn <= 10 * 1024 : undefined,
    },
  ];
  return {
    scenario: 'memory',
    quick: opts.quick,
    run: runInfo(),
    params: { steps, subscriptionsPerConn: 2, pingSeconds, settleSeconds: settleMs / 1000, nodeArgs: MEMORY_NODE_ARGS },
    peers,
    ratios,
    goals,
  };
}

export function formatMemory(r: MemoryResult): string {
  const kb = (b: number): number => round(b / 1024, 2);
  const rows = r.peers.map((p) => [p.peer, kb(p.rssPerConn), kb(p.heapPerConn), kb(p.externalPerConn), kb(p.kernelPerConn), p.rssR2, round(p.idleCores * 100, 1)]);
  const points = r.peers.flatMap((p) => p.points.map((x) => [p.peer, x.connections, round(x.vmRss / 1048576, 1), round(x.heapUsed / 1048576, 1), round(x.external / 1048576, 1)]));
  return [
    `memory: idle connections, 2 subscriptions each, pings every ${r.params.pingSeconds} s, steps ${r.params.steps.join(' → ')}; slope of a least-squares fit; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(['peer', 'RSS KB/conn', 'heap KB/conn', 'external KB/conn', 'kernel TCP KB/conn', 'RSS fit r²', 'idle CPU %'], rows),
    '',
    table(['peer', 'connections', 'RSS MiB', 'heap MiB', 'external MiB'], points),
    '',
    `livehub ÷ bare ws: RSS ${r.ratios.rssVsBareWs.toFixed(2)}×, heap ${r.ratios.heapVsBareWs.toFixed(2)}×; livehub ÷ Socket.IO: RSS ${r.ratios.rssVsSocketIo.toFixed(2)}×, heap ${r.ratios.heapVsSocketIo.toFixed(2)}×`,
    goalLines(r.goals),
  ].join('\n');
}
