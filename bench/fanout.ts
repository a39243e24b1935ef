// Scenario `fanout` (performance.md G3): one channel, 10,000 subscribers (quick: 1,000), ~200-byte
// messages, server pinned to CPU 0 and load generators to CPU 1. Same run, same client harness, for
// the bare `ws` frame-once loop, livehub and Socket.IO (`io.to(room).emit`), three publishing phases:
//   low    — a fixed low rate, one message per event-loop turn: deliveries/s are the offered load
//            for everyone, so the comparison is server CPU per delivery (efficiency);
//   single — one message in flight (the next is sent when the previous was acknowledged): the
//            highest rate at which every message is written on its own (no coalescing possible);
//   burst  — `window` messages in flight: the publisher is faster than one message per loop turn,
//            where livehub coalesces everything queued for a socket into one frame and one write.
// livehub gets its messages through the Telegraf HTTP push endpoint (one line → one data frame on
// `stream/bench/fanout`), the peers through a WebSocket publisher; each acknowledges after fan-out.
// livehub runs twice: with JSON subscribers and with protobuf subscribers (`?format=protobuf`, binary
// frames, decoded by the load generator with the server's generated code) — bytes and CPU per
// delivery of the two codecs side by side (`codecs`).

import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { runPhase, type PhaseResult } from './lib/phase.js';
import { isLivehub, type Protocol } from './lib/protocol.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { pushToken, startBareWs, startLivehub, startSocketIo, type ServerHandle } from './lib/servers.js';
import { ratio, round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

export interface FanoutPeerResult {
  readonly peer: string;
  readonly protocol: Protocol;
  readonly subscribers: number;
  readonly connectSeconds: number;
  readonly phases: PhaseResult[];
}

export interface FanoutResult {
  readonly scenario: 'fanout';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { subscribers: number; messageBytes: number; lowRate: number; burstWindow: number; phaseSeconds: number; serverCpu: string; generatorCpu: string };
  readonly peers: FanoutPeerResult[];
  /** livehub deliveries/s ÷ peer deliveries/s per phase; for `low`, peer µs/delivery ÷ livehub µs/delivery. */
  readonly ratios: Record<string, { vsBareWs: number; vsSocketIo: number }>;
  /** Per phase: livehub with protobuf subscribers ÷ with JSON subscribers (bytes, server CPU per delivery, deliveries/s). */
  readonly codecs: Record<string, { bytesPerDelivery: number; cpuPerDelivery: number; deliveriesPerSec: number }>;
  readonly goals: Goal[];
}

export const SERVER_CPU = '0';
export const GENERATOR_CPU = '1';

export function channelFor(protocol: Protocol, name: string): string {
  return isLivehub(protocol) ? `1/stream/bench/${name}` : name;
}

async function startPeer(protocol: Protocol): Promise<ServerHandle> {
  if (protocol === 'bare') return startBareWs({ cpus: SERVER_CPU });
  if (protocol === 'socketio') return startSocketIo({ cpus: SERVER_CPU });
  return startLivehub({ cpus: SERVER_CPU });
}

export async function runFanout(opts: { quick: boolean; log?: (line: string) => void }): Promise<FanoutResult> {
  const log = opts.log ?? (() => {});
  const subscribers = opts.quick ? 1000 : 10_000;
  const size = 200;
  const lowRate = opts.quick ? 20 : 5;
  const burstWindow = 32;
  const phaseMs = opts.quick ? 2000 : 6000;
  const token = pushToken();
  const peers: FanoutPeerResult[] = [];

  for (const protocol of ['bare', 'livehub', 'livehub-protobuf', 'socketio'] as const) {
    const server = await startPeer(protocol);
    const gen = LoadGen.start(LoadGen.childrenFor(subscribers), GENERATOR_CPU);
    try {
      const t0 = performance.now();
      const opened = await gen.open({
        protocol,
        host: '127.0.0.1',
        port: server.port,
        count: subscribers,
        channels: [channelFor(protocol, 'fanout')],
        rampPerSec: 4000,
        localAddresses: LOCAL_ADDRESSES,
        sampleEvery: Math.max(1, Math.floor(subscribers / 100)),
        stallEvery: 0,
        timeoutMs: 60_000,
      });
      const connectSeconds = round((performance.now() - t0) / 1000, 1);
      if (opened.ready !== subscribers) throw new Error(`${server.name}: ${opened.ready}/${subscribers} subscribers ready (${opened.failures.slice(0, 3).join('; ')})`);
      const peer = protocol === 'livehub-protobuf' ? `${server.name} (protobuf)` : server.name;
      log(`fanout ${peer}: ${subscribers} subscribers ready in ${connectSeconds} s`);
      const base = {
        protocol,
        host: '127.0.0.1',
        port: server.port,
        channel: isLivehub(protocol) ? 'bench' : 'fanout',
        token,
        size,
      };
      const phase = (name: string, publish: { mode: 'rate' | 'window'; rate: number; window: number; durationMs: number }): Promise<PhaseResult> =>
        runPhase({ name, gen, subscribers, serverCpu: () => server.cpuSeconds(), publish: { ...base, ...publish }, idleMs: opts.quick ? 300 : 600 });
      // Warm-up (JIT, buffers), not reported.
      await phase('warmup', { mode: 'window', rate: 0, window: 4, durationMs: opts.quick ? 300 : 2000 });
      const phases: PhaseResult[] = [];
      phases.push(await phase('low', { mode: 'rate', rate: lowRate, window: 1000, durationMs: phaseMs }));
      phases.push(await phase('single', { mode: 'window', rate: 0, window: 1, durationMs: phaseMs }));
      phases.push(await phase('burst', { mode: 'window', rate: 0, window: burstWindow, durationMs: phaseMs }));
      for (const p of phases) log(`  ${p.phase}: ${fmt(p.deliveriesPerSec)} deliveries/s, server ${fmt(p.serverCores * 100)} % CPU, ${p.serverCpuUsPerDelivery} µs/delivery, p99 ${p.latencyMs.p99} ms`);
      peers.push({ peer, protocol, subscribers, connectSeconds, phases });
    } finally {
      await gen.stop();
      await server.stop();
    }
  }

  const get = (protocol: Protocol, phase: string): PhaseResult => peers.find((p) => p.protocol === protocol)!.phases.find((x) => x.phase === phase)!;
  const ratios: FanoutResult['ratios'] = {};
  for (const phase of ['low', 'single', 'burst']) {
    if (phase === 'low') {
      // Same offered load for all: compare CPU per delivery (higher = livehub more efficient).
      ratios[phase] = {
        vsBareWs: round(ratio(get('bare', phase).serverCpuUsPerDelivery, get('livehub', phase).serverCpuUsPerDelivery), 3),
        vsSocketIo: round(ratio(get('socketio', phase).serverCpuUsPerDelivery, get('livehub', phase).serverCpuUsPerDelivery), 3),
      };
    } else {
      ratios[phase] = {
        vsBareWs: round(ratio(get('livehub', phase).deliveriesPerSec, get('bare', phase).deliveriesPerSec), 3),
        vsSocketIo: round(ratio(get('livehub', phase).deliveriesPerSec, get('socketio', phase).deliveriesPerSec), 3),
      };
    }
  }
  const codecs: FanoutResult['codecs'] = {};
  for (const phase of ['low', 'single', 'burst']) {
    const json = get('livehub', phase);
    const protobuf = get('livehub-protobuf', phase);
    codecs[phase] = {
      bytesPerDelivery: round(ratio(protobuf.bytesPerDelivery, json.bytesPerDelivery), 3),
      cpuPerDelivery: round(ratio(protobuf.serverCpuUsPerDelivery, json.serverCpuUsPerDelivery), 3),
      deliveriesPerSec: round(ratio(protobuf.deliveriesPerSec, json.deliveriesPerSec), 3),
    };
  }
  const r = (x: number): string => `${x.toFixed(2)}×`;
  const decided = !opts.quick;
  const goals: Goal[] = [
    {
      id: 'G3a',
      description: 'single-message fan-out (no coalescing) vs bare ws',
      target: '≥ 0.8×',
      measured: `${r(ratios['single']!.vsBareWs)} (${fmt(get('livehub', 'single').deliveriesPerSec)} vs ${fmt(get('bare', 'single').deliveriesPerSec)} deliveries/s)`,
      met: decided ? ratios['single']!.vsBareWs >= 0.8 : undefined,
    },
    {
      id: 'G3b',
      description: 'low-rate CPU per delivery vs bare ws (efficiency)',
      target: '≥ 0.8×',
      measured: `${r(ratios['low']!.vsBareWs)} (${get('livehub', 'low').serverCpuUsPerDelivery} vs ${get('bare', 'low').serverCpuUsPerDelivery} µs/delivery)`,
      met: decided ? ratios['low']!.vsBareWs >= 0.8 : undefined,
    },
    {
      id: 'G3c',
      description: 'burst fan-out (coalescing applies) vs Socket.IO',
      target: '≥ 3×',
      measured: `${r(ratios['burst']!.vsSocketIo)} (${fmt(get('livehub', 'burst').deliveriesPerSec)} vs ${fmt(get('socketio', 'burst').deliveriesPerSec)} deliveries/s)`,
      met: decided ? ratios['burst']!.vsSocketIo >= 3 : undefined,
    },
    {
      id: 'G3d',
      description: 'single-message fan-out vs Socket.IO',
      target: '≥ 1.1× (spec: where each message is written alone)',
      measured: `${r(ratios['single']!.vsSocketIo)} (${fmt(get('livehub', 'single').deliveriesPerSec)} vs ${fmt(get('socketio', 'single').deliveriesPerSec)} deliveries/s)`,
      met: decided ? ratios['single']!.vsSocketIo >= 1.1 : undefined,
    },
  ];
  return {
    scenario: 'fanout',
    quick: opts.quick,
    run: runInfo(),
    params: { subscribers, messageBytes: size, lowRate, burstWindow, phaseSeconds: phaseMs / 1000, serverCpu: SERVER_CPU, generatorCpu: GENERATOR_CPU },
    peers,
    ratios,
    codecs,
    goals,
  };
}

export function formatFanout(r: FanoutResult): string {
  const rows = r.peers.flatMap((p) =>
    p.phases.map((x) => [
      p.peer,
      x.phase,
      x.publishedPerSec,
      x.deliveriesPerSec,
      round(x.deliveries / Math.max(1, x.expectedDeliveries), 4),
      round(x.serverCores * 100, 1),
      x.serverCpuUsPerDelivery,
      round(x.generatorCores * 100, 1),
      x.bytesPerDelivery,
      x.latencyMs.p50,
      x.latencyMs.p99,
    ]),
  );
  return [
    `fanout: ${r.params.subscribers} subscribers of one channel, ~${r.params.messageBytes}-byte messages, server on CPU ${r.params.serverCpu}, generators on CPU ${r.params.generatorCpu}; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(['peer', 'phase', 'msgs/s', 'deliveries/s', 'complete', 'server CPU %', 'µs CPU/delivery', 'gen CPU %', 'B/delivery', 'p50 ms', 'p99 ms'], rows),
    '',
    table(
      ['phase', 'livehub ÷ bare ws', 'livehub ÷ Socket.IO'],
      Object.entries(r.ratios).map(([phase, x]) => [phase === 'low' ? 'low (CPU/delivery)' : phase, `${x.vsBareWs.toFixed(2)}×`, `${x.vsSocketIo.toFixed(2)}×`]),
    ),
    '',
    table(
      ['phase', 'protobuf ÷ JSON: B/delivery', 'µs CPU/delivery', 'deliveries/s'],
      Object.entries(r.codecs).map(([phase, x]) => [phase, `${x.bytesPerDelivery.toFixed(2)}×`, `${x.cpuPerDelivery.toFixed(2)}×`, `${x.deliveriesPerSec.toFixed(2)}×`]),
    ),
    '',
    goalLines(r.goals),
  ].join('\n');
}
