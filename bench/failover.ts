// Scenario `failover` (performance.md §3.3 E, goal G8): failover honesty and resubscribe cost, with
// real processes on loopback (redis-server, livehub nodes with GF_LIVE_HA_ENGINE=redis).
//  1. Resubscribe cost: one node whose clients hold 10,000 distinct channels (quick: 1,000); Redis is
//     stopped and a fresh redis-server started on the same port. Measured: the time from Redis
//     accepting connections again until the node's PUB/SUB connection holds every channel again
//     (CLIENT LIST sub=), and the SUBSCRIBE commands it took (INFO commandstats of the new process,
//     which starts at zero) — when the channels are back, and again once every client went through
//     its unsubscribe 2500 → resubscribe round (the whole Redis cost of the outage).
//  2. Honesty: two nodes on one Redis, clients on both subscribed to broadcast channels (every other
//     client recoverable), a publisher on node A publishing numbered messages that it retries until
//     acknowledged (so the numbers a client should see are exactly 1..final per channel). Mid-stream
//     Redis is restarted, later node B is SIGKILLed and its clients reconnect to A. Every client must
//     either see every number or have had an explicit signal (close, unsubscribe push, failed
//     subscribe, recovered=false) before each gap; a gap after `recovered: true` counts as silent.

import { httpGet } from '../harness/http.js';
import { redisInfo, type RedisServer } from '../harness/redis.js';
import { sleep, waitUntil } from '../harness/wait.js';
import { LoadGen, LOCAL_ADDRESSES } from './lib/loadgen.js';
import type { FailoverReport, SeqPublishResult } from './lib/generator/commands.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { startLivehub, startRedis, type ServerHandle } from './lib/servers.js';
import { round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

/** The engine's largest SUBSCRIBE (src/engine/redis/pubsub.ts SUBSCRIBE_BATCH). */
const SUBSCRIBE_BATCH = 512;
/** Service channels on a node's shard-0 PUB/SUB connection: probe, control, node (docs/ha.md). */
const SERVICE_CHANNELS = 3;

export interface ResubscribeResult {
  readonly clients: number;
  readonly channelsPerClient: number;
  readonly channels: number;
  /** stop of the old redis-server → the new one answers PING. */
  readonly redisDownMs: number;
  /** Redis accepts connections again → the node's PUB/SUB connection holds every channel (+ service). */
  readonly restoreMs: number;
  /** cmdstat_subscribe calls of the new Redis when every channel was back. */
  readonly subscribeCommandsAtRestore: number;
  /** ⌈channels / 512⌉ + 1 (the +1: the service channels). */
  readonly subscribeCommandsBound: number;
  /** Redis accepts connections again → every client has every channel subscribed again. */
  readonly clientsResubscribedMs: number;
  readonly clientsReadyAfter: number;
  /** Once every client resubscribed (+ 1 s for delayed unsubscribes): the whole outage's cost. */
  readonly subscribeCommandsTotal: number;
  readonly unsubscribeCommandsTotal: number;
  /** sub= of the node's PUB/SUB connection at the end (must be channels + service channels). */
  readonly redisSubscriptionsAfter: number;
  readonly unsubscribePushes: Record<string, number>;
  readonly subscribeErrors: Record<string, number>;
  readonly subscribeErrorExamples: string[];
  readonly resubscribes: number;
}

export interface FailoverEvent {
  readonly event: 'redis restart' | 'node B killed';
  /** Seconds after the publisher started. */
  readonly atSeconds: number;
  readonly wallClock: string;
  /** Redis restart: stop → accepting again; node kill: 0. */
  readonly downMs: number;
  /** The event → every client connected with every channel subscribed again. */
  readonly clientsReadyAfterMs: number;
  readonly clientsReady: number;
  /** Redis restart: SUBSCRIBE / UNSUBSCRIBE commands of both nodes on the new Redis until then. */
  readonly subscribeCommands?: number;
  readonly unsubscribeCommands?: number;
}

export interface HonestyResult {
  readonly nodes: 2;
  readonly clientsPerNode: number;
  readonly channels: number;
  readonly channelsPerClient: number;
  readonly recoverEvery: number;
  readonly ratePerChannel: number;
  readonly events: FailoverEvent[];
  readonly publisher: SeqPublishResult;
  readonly report: FailoverReport;
  /** (complete + signalled) / clients. */
  readonly honestRatio: number;
}

export interface FailoverResult {
  readonly scenario: 'failover';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: {
    resubscribeClients: number;
    resubscribeChannelsPerClient: number;
    resubscribeChannels: number;
    honestyClientsPerNode: number;
    honestyChannels: number;
    honestyChannelsPerClient: number;
    honestyRatePerChannel: number;
    redisDownMs: number;
    steadySeconds: number;
  };
  readonly resubscribe: ResubscribeResult;
  readonly honesty: HonestyResult;
  readonly goals: Goal[];
}

/** Environment of every node: the Redis engine, and no per-connection command rate limit (the
 * publisher sends ~100 commands/s over one connection; the abuse limit is not what is measured). */
function nodeEnv(redis: RedisServer): Record<string, string> {
  return { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}`, GF_LIVE_CLIENT_COMMAND_RATE: '0' };
}

/** sub= of every PUB/SUB connection of livehub nodes (name livehub:<node>:sub:<shard>). */
async function subConnections(redis: RedisServer): Promise<{ name: string; sub: number }[]> {
  const text = String(await redis.command('CLIENT', 'LIST'));
  const out: { name: string; sub: number }[] = [];
  for (const line of text.split('\n')) {
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '';
    if (!/^livehub:[^:]+:sub:\d+$/.test(name)) continue;
    out.push({ name, sub: Number(/(?:^| )sub=(\d+)/.exec(line)?.[1] ?? 0) });
  }
  return out;
}

async function commandCalls(redis: RedisServer, command: string): Promise<number> {
  const info = await redisInfo(redis.port, 'commandstats');
  const m = /calls=(\d+)/.exec(info[`cmdstat_${command}`] ?? '');
  return m === null ? 0 : Number(m[1]);
}

/**
 * Waits (polling every 20 ms, at most `timeoutMs`) until the clients saw the signals an event must
 * cause — `signalled(report)` — and every client holds all its channels again. Waiting for the
 * signals first matters: right after an event nobody has been told yet and everyone still looks ready.
 */
async function waitResynchronised(gen: LoadGen, clients: number, signalled: (r: FailoverReport) => boolean, timeoutMs: number): Promise<boolean> {
  return waitUntil(
    async () => {
      const r = await gen.failoverReport({});
      return signalled(r) && r.ready >= clients;
    },
    'clients resynchronised',
    timeoutMs,
    20,
  ).then(
    () => true,
    () => false,
  );
}

const count = (m: Record<string, number>, key: string): number => m[key] ?? 0;

// ---- 1. resubscribe cost -----------------------------------------------------------------------

async function measureResubscribe(redis: RedisServer, clients: number, perClient: number, log: (line: string) => void): Promise<ResubscribeResult> {
  const channels = clients * perClient;
  const node = await startLivehub({ name: 'livehub', env: nodeEnv(redis) });
  const gen = LoadGen.start(LoadGen.childrenFor(clients));
  try {
    const opened = await gen.open({
      protocol: 'livehub',
      host: '127.0.0.1',
      port: node.port,
      count: clients,
      channels: [],
      // Distinct stream channels: client i holds fo-r(5i) … fo-r(5i+4).
      spread: { prefix: '1/stream/bench/fo-r', n: channels, perConn: perClient },
      failover: { ports: [node.port], recoverEvery: 0 },
      rampPerSec: 2000,
      localAddresses: LOCAL_ADDRESSES,
      sampleEvery: 0,
      stallEvery: 0,
      timeoutMs: 120_000,
    });
    if (opened.ready !== clients) throw new Error(`failover: ${opened.ready}/${clients} clients subscribed`);
    const want = channels + SERVICE_CHANNELS;
    await waitUntil(async () => (await subConnections(redis)).some((c) => c.sub === want), `node to hold ${want} Redis subscriptions`, 30_000);
    log(`failover: ${clients} clients hold ${channels} channels; restarting Redis`);

    const restart = await redis.restart();
    // Poll the new Redis every 10 ms: the node's PUB/SUB connection holding every channel again.
    let restoredAt = Number.NaN;
    let atRestore = 0;
    const deadline = performance.now() + 30_000;
    while (performance.now() < deadline) {
      const subs = await subConnections(redis).catch(() => []);
      if (subs.some((c) => c.sub >= want)) {
        restoredAt = performance.now();
        atRestore = await commandCalls(redis, 'subscribe');
        break;
      }
      await sleep(10);
    }
    const restoreMs = restoredAt - restart.acceptingAt;
    log(`failover: channels restored ${fmt(restoreMs)} ms after Redis accepted connections, ${atRestore} SUBSCRIBE commands`);
    // Then every client is told 2500 and resubscribes; wait until all hold all channels again.
    await waitResynchronised(gen, clients, (r) => count(r.signals.unsubscribes, '2500') >= channels, 60_000);
    const clientsResubscribedMs = performance.now() - restart.acceptingAt;
    const readyAfter = (await gen.stats()).ready;
    // Delayed engine unsubscribes (100 ms) and the resubscribes after them: wait until the counts
    // stay put for 500 ms.
    let subscribeTotal = -1;
    let unsubscribeTotal = -1;
    for (let stableSince = performance.now(), until = performance.now() + 30_000; performance.now() < until; await sleep(100)) {
      const sub = await commandCalls(redis, 'subscribe');
      const unsub = await commandCalls(redis, 'unsubscribe');
      if (sub !== subscribeTotal || unsub !== unsubscribeTotal) {
        subscribeTotal = sub;
        unsubscribeTotal = unsub;
        stableSince = performance.now();
      } else if (performance.now() - stableSince >= 500) break;
    }
    const after = (await subConnections(redis)).reduce((m, c) => Math.max(m, c.sub), 0);
    const report = await gen.failoverReport({});
    log(`failover: clients resubscribed after ${fmt(clientsResubscribedMs)} ms; SUBSCRIBE ${subscribeTotal}, UNSUBSCRIBE ${unsubscribeTotal} in total`);
    return {
      clients,
      channelsPerClient: perClient,
      channels,
      redisDownMs: round(restart.acceptingAt - restart.stoppedAt, 1),
      restoreMs: round(restoreMs, 1),
      subscribeCommandsAtRestore: atRestore,
      subscribeCommandsBound: Math.ceil(channels / SUBSCRIBE_BATCH) + 1,
      clientsResubscribedMs: round(clientsResubscribedMs, 1),
      clientsReadyAfter: readyAfter,
      subscribeCommandsTotal: subscribeTotal,
      unsubscribeCommandsTotal: unsubscribeTotal,
      redisSubscriptionsAfter: after,
      unsubscribePushes: report.signals.unsubscribes,
      subscribeErrors: report.signals.subscribeErrors,
      subscribeErrorExamples: report.subscribeErrorExamples.slice(0, 3),
      resubscribes: report.signals.resubscribes,
    };
  } finally {
    await gen.stop();
    await node.stop();
  }
}

// ---- 2. honesty ----------------------------------------------------------------------------------

async function healthy(server: ServerHandle): Promise<boolean> {
  return (await httpGet(server.port, '/api/health', 2000).catch(() => ({ status: 0 }))).status === 200;
}

async function measureHonesty(
  redis: RedisServer,
  opts: { clientsPerNode: number; channels: number; perClient: number; rate: number; recoverEvery: number; downMs: number; steadyMs: number },
  log: (line: string) => void,
): Promise<HonestyResult> {
  const env = nodeEnv(redis);
  const a = await startLivehub({ name: 'livehub A', env });
  const b = await startLivehub({ name: 'livehub B', env });
  const total = opts.clientsPerNode * 2;
  const gen = LoadGen.start(2);
  const pubGen = LoadGen.start(1);
  try {
    const channelNames = Array.from({ length: opts.channels }, (_, k) => `1/grafana/broadcast/failover/c${k}`);
    for (const [server, other, first] of [[a, b, 0], [b, a, opts.clientsPerNode]] as const) {
      await gen.open({
        protocol: 'livehub',
        host: '127.0.0.1',
        port: server.port,
        count: opts.clientsPerNode,
        firstIndex: first,
        channels: [],
        spread: { prefix: '1/grafana/broadcast/failover/c', n: opts.channels, perConn: opts.perClient },
        // A closed connection goes to the other node next (B's clients end up on A).
        failover: { ports: [server.port, other.port], recoverEvery: opts.recoverEvery },
        rampPerSec: 2000,
        localAddresses: LOCAL_ADDRESSES,
        sampleEvery: 0,
        stallEvery: 0,
        timeoutMs: 60_000,
      });
    }
    const ready0 = (await gen.stats()).ready;
    if (ready0 !== total) throw new Error(`failover honesty: ${ready0}/${total} clients subscribed`);

    await pubGen.seqPublishStart({ host: '127.0.0.1', ports: [a.port], channels: channelNames, ratePerChannel: opts.rate });
    const t0 = performance.now();
    const events: FailoverEvent[] = [];
    await sleep(opts.steadyMs);

    // (i) Redis restart mid-stream.
    log('failover: restarting Redis mid-stream');
    const wall1 = new Date().toISOString();
    const before1 = await gen.failoverReport({});
    const r = await redis.restart({ downMs: opts.downMs });
    const atR = (r.stoppedAt - t0) / 1000;
    await waitUntil(async () => (await healthy(a)) && (await healthy(b)), 'both nodes healthy after the Redis restart', 30_000).catch(() => undefined);
    // Both nodes lost their feed: every subscription is told 2500.
    const subscriptions = total * opts.perClient;
    await waitResynchronised(gen, total, (x) => count(x.signals.unsubscribes, '2500') - count(before1.signals.unsubscribes, '2500') >= subscriptions, 30_000);
    events.push({
      event: 'redis restart',
      atSeconds: round(atR, 2),
      wallClock: wall1,
      downMs: round(r.acceptingAt - r.stoppedAt, 1),
      clientsReadyAfterMs: round(performance.now() - r.acceptingAt, 1),
      clientsReady: (await gen.stats()).ready,
      subscribeCommands: await commandCalls(redis, 'subscribe'),
      unsubscribeCommands: await commandCalls(redis, 'unsubscribe'),
    });
    await sleep(opts.steadyMs);

    // (ii) node B dies; its clients reconnect to A (and recover from history when recoverable).
    log('failover: killing node B');
    const wall2 = new Date().toISOString();
    const before2 = await gen.failoverReport({});
    const killedAt = performance.now();
    b.proc.child.kill('SIGKILL');
    await b.proc.exited;
    const closes = (x: FailoverReport): number => Object.values(x.signals.closes).reduce((sum, n) => sum + n, 0);
    await waitResynchronised(gen, total, (x) => closes(x) - closes(before2) >= opts.clientsPerNode, 30_000);
    events.push({
      event: 'node B killed',
      atSeconds: round((killedAt - t0) / 1000, 2),
      wallClock: wall2,
      downMs: 0,
      clientsReadyAfterMs: round(performance.now() - killedAt, 1),
      clientsReady: (await gen.stats()).ready,
    });
    await sleep(opts.steadyMs);

    const publisher = await pubGen.seqPublishStop();
    // Let the last publications arrive (and late recoveries finish) before judging.
    let report = await gen.failoverReport(publisher.finals);
    const until = performance.now() + 10_000;
    while (report.caughtUp < report.clients && performance.now() < until) {
      await sleep(250);
      report = await gen.failoverReport(publisher.finals);
    }
    log(`failover: ${report.clients} clients: ${report.complete} complete, ${report.signalled} signalled, ${report.silent} silent`);
    return {
      nodes: 2,
      clientsPerNode: opts.clientsPerNode,
      channels: opts.channels,
      channelsPerClient: opts.perClient,
      recoverEvery: opts.recoverEvery,
      ratePerChannel: opts.rate,
      events,
      publisher,
      report,
      honestRatio: round((report.complete + report.signalled) / Math.max(1, report.clients), 4),
    };
  } finally {
    await pubGen.stop();
    await gen.stop();
    await a.stop();
    await b.stop();
  }
}

export async function runFailover(opts: { quick: boolean; log?: (line: string) => void }): Promise<FailoverResult> {
  const log = opts.log ?? (() => {});
  const params = {
    resubscribeClients: opts.quick ? 200 : 2000,
    resubscribeChannelsPerClient: 5,
    resubscribeChannels: 0,
    honestyClientsPerNode: opts.quick ? 100 : 400,
    honestyChannels: 10,
    honestyChannelsPerClient: 2,
    honestyRatePerChannel: 10,
    redisDownMs: opts.quick ? 500 : 1000,
    steadySeconds: opts.quick ? 1.5 : 3,
  };
  params.resubscribeChannels = params.resubscribeClients * params.resubscribeChannelsPerClient;
  const redis = await startRedis();
  try {
    const resubscribe = await measureResubscribe(redis, params.resubscribeClients, params.resubscribeChannelsPerClient, log);
    const honesty = await measureHonesty(
      redis,
      {
        clientsPerNode: params.honestyClientsPerNode,
        channels: params.honestyChannels,
        perClient: params.honestyChannelsPerClient,
        rate: params.honestyRatePerChannel,
        recoverEvery: 2,
        downMs: params.redisDownMs,
        steadyMs: params.steadySeconds * 1000,
      },
      log,
    );
    const rs = resubscribe;
    const h = honesty.report;
    const goals: Goal[] = [
      {
        id: 'G8a',
        description: `${fmt(rs.channels)} channels subscribed again after Redis accepts connections`,
        target: '≤ 2 s (for 10,000 channels)',
        measured: `${fmt(rs.restoreMs)} ms (Redis down ${fmt(rs.redisDownMs)} ms; every client resubscribed after ${fmt(rs.clientsResubscribedMs)} ms)`,
        met: opts.quick ? undefined : rs.restoreMs <= 2000,
      },
      {
        id: 'G8b',
        description: 'SUBSCRIBE commands per node to restore its channels',
        target: `≤ ⌈channels/512⌉ + 1 = ${rs.subscribeCommandsBound}`,
        measured: `${fmt(rs.subscribeCommandsAtRestore)} for ${fmt(rs.channels)} channels`,
        met: rs.subscribeCommandsAtRestore <= rs.subscribeCommandsBound,
      },
      {
        id: 'G8b+',
        description: 'SUBSCRIBE commands per node for the whole outage, incl. clients resubscribing after 2500',
        target: `≤ ${rs.subscribeCommandsBound}`,
        measured: `${fmt(rs.subscribeCommandsTotal)} SUBSCRIBE + ${fmt(rs.unsubscribeCommandsTotal)} UNSUBSCRIBE; ${fmt(rs.resubscribes)} client resubscribes`,
        // Depends on how fast clients resubscribe relative to the node's 100 ms unsubscribe delay:
        // not decided on a quick run.
        met: opts.quick ? undefined : rs.subscribeCommandsTotal <= rs.subscribeCommandsBound,
      },
      {
        id: 'G8c',
        description: 'clients that got every message or an explicit signal (Redis restart + node kill)',
        target: 'ratio 1.0',
        measured: `${honesty.honestRatio.toFixed(4)} (${fmt(h.complete)} complete + ${fmt(h.signalled)} signalled of ${fmt(h.clients)}; ${fmt(h.silent)} silent, ${fmt(h.missedSilent)} messages lost silently)`,
        met: h.clients > 0 && h.silent === 0,
      },
    ];
    return { scenario: 'failover', quick: opts.quick, run: runInfo(), params, resubscribe, honesty, goals };
  } finally {
    await redis.stop();
  }
}

const codes = (m: Record<string, number>): string =>
  Object.keys(m).length === 0
    ? 'none'
    : Object.entries(m)
        .map(([k, v]) => `${k}×${fmt(v)}`)
        .join(' ');

export function formatFailover(r: FailoverResult): string {
  const rs = r.resubscribe;
  const h = r.honesty;
  const rep = h.report;
  const pct = (n: number): string => `${fmt(n)} (${((100 * n) / Math.max(1, rep.clients)).toFixed(1)} %)`;
  return [
    `failover 1 — resubscribe cost: 1 node, ${fmt(rs.clients)} clients × ${rs.channelsPerClient} = ${fmt(rs.channels)} distinct channels; redis-server stopped and started again on the same port; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(
      ['measure', 'value'],
      [
        ['Redis down: stop → new process answers PING (ms)', rs.redisDownMs],
        ['channels subscribed again after Redis accepted (ms)', rs.restoreMs],
        [`SUBSCRIBE commands at that point (bound ⌈${rs.channels}/512⌉ + 1)`, `${fmt(rs.subscribeCommandsAtRestore)} (≤ ${rs.subscribeCommandsBound})`],
        ['every client resubscribed after Redis accepted (ms)', rs.clientsResubscribedMs],
        ['clients holding all their channels again', `${fmt(rs.clientsReadyAfter)} / ${fmt(rs.clients)}`],
        ['unsubscribe pushes to clients (code×count)', codes(rs.unsubscribePushes)],
        ['client resubscribes / subscribe errors (code×count)', `${fmt(rs.resubscribes)} / ${codes(rs.subscribeErrors)}`],
        ['SUBSCRIBE / UNSUBSCRIBE commands in total', `${fmt(rs.subscribeCommandsTotal)} / ${fmt(rs.unsubscribeCommandsTotal)}`],
        ['node Redis subscriptions afterwards (channels + 3)', `${fmt(rs.redisSubscriptionsAfter)} (want ${fmt(rs.channels + SERVICE_CHANNELS)})`],
      ],
    ),
    ...(rs.subscribeErrorExamples.length === 0 ? [] : [`first subscribe errors: ${rs.subscribeErrorExamples.join('; ')}`]),
    '',
    `failover 2 — honesty: 2 nodes + 1 Redis, ${fmt(h.clientsPerNode)} clients per node on ${h.channelsPerClient} of ${h.channels} broadcast channels (every ${h.recoverEvery === 2 ? 'other' : `${h.recoverEvery}th`} client recoverable), publisher on node A at ${h.ratePerChannel} msg/s per channel`,
    table(
      ['event', 'at s', 'wall clock', 'down ms', 'all clients ready after ms', 'ready', 'SUBSCRIBE / UNSUBSCRIBE (both nodes)'],
      h.events.map((e) => [
        e.event,
        e.atSeconds,
        e.wallClock.slice(11, 23),
        e.downMs,
        e.clientsReadyAfterMs,
        `${fmt(e.clientsReady)} / ${fmt(rep.clients)}`,
        e.subscribeCommands === undefined ? '' : `${fmt(e.subscribeCommands)} / ${fmt(e.unsubscribeCommands)}`,
      ]),
    ),
    '',
    table(
      ['clients', 'kind', 'complete', 'signalled gaps only', 'silent loss', 'honest ratio'],
      [
        [rep.clients, 'all', pct(rep.complete), pct(rep.signalled), pct(rep.silent), h.honestRatio.toFixed(4)],
        ...(['recoverable', 'plain'] as const).map((k) => {
          const x = rep.byKind[k];
          return [x.clients, k, fmt(x.complete), fmt(x.signalled), fmt(x.silent), ((x.complete + x.signalled) / Math.max(1, x.clients)).toFixed(4)];
        }),
      ],
    ),
    `publisher: ${fmt(h.publisher.acked)} acknowledged, ${fmt(h.publisher.errors)} errors (${codes(h.publisher.errorCodes)}), outages ${h.publisher.outagesMs.map((x) => `${fmt(x)} ms`).join(', ') || 'none'}, ${h.publisher.reconnects} reconnects`,
    `deliveries ${fmt(rep.deliveries)}, duplicates ${fmt(rep.duplicates)}; gaps signalled ${fmt(rep.gapsSignalled)} (${fmt(rep.missedSignalled)} messages), silent ${fmt(rep.gapsSilent)} (${fmt(rep.missedSilent)} messages); stream ends missed: signalled ${fmt(rep.tailsSignalled)}, silent ${fmt(rep.tailsSilent)}; caught up at the end ${fmt(rep.caughtUp)} / ${fmt(rep.clients)}`,
    `signals: closes ${codes(rep.signals.closes)}; unsubscribe pushes ${codes(rep.signals.unsubscribes)}; subscribe errors ${codes(rep.signals.subscribeErrors)}; recovered true ${fmt(rep.signals.recoveredTrue)} / false ${fmt(rep.signals.recoveredFalse)}; resubscribes ${fmt(rep.signals.resubscribes)}; reconnects ${fmt(rep.signals.reconnects)} (${fmt(rep.signals.connectFailures)} refused)`,
    ...(rep.subscribeErrorExamples.length === 0 ? [] : [`first subscribe errors: ${rep.subscribeErrorExamples.slice(0, 2).join('; ')}`]),
    ...(rep.silentExamples.length === 0 ? [] : ['silent losses (first 5):', ...rep.silentExamples.slice(0, 5).map((x) => `  ${x}`)]),
    '',
    goalLines(r.goals),
  ].join('\n');
}
