// Scenario `caps` (issue 13, docs/reliability.md "Push bounds and cardinality"): what hostile
// Telegraf pushes and measurement cardinality cost a node with the default configuration.
//
// 1. Hostile pushes, one at a time, against one node: 12,000 lines each with a new field key (the
//    pushes that killed the node), in both frame modes, and the other shapes that used to be
//    quadratic (a line with 20,000 tags in reverse order, 20,000 measurements sharing one receive
//    time in wide mode, 20,000 tag sets that collide in the tag-set hash), a field cycling through
//    1,000 keys over 10,000 rows, and 16 MiB of tiny lines. For each: status, time to the answer,
//    RSS growth over the settled RSS before it, and the slowest /api/health answer meanwhile.
// 2. Cardinality: 200,000 distinct measurements (2,000 per push) against the default quotas, then
//    against a node whose channel quota is lifted to hold all of them: accepted channels, settled
//    RSS growth per channel, and /api/live/list (first page, and a walk over every page) with the
//    node's event-loop lag (prom-client's histogram, reset by each scrape) and /api/health meanwhile.

import { httpGet, httpPost } from '../harness/http.js';
import { rssBytes } from '../harness/proc-stats.js';
import { sleep } from '../harness/wait.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { pushToken, startLivehub, type ServerHandle } from './lib/servers.js';
import { percentile, round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

const MIB = 1024 * 1024;

export interface HostilePush {
  readonly name: string;
  readonly format: 'labels_column' | 'wide';
  readonly lines: number;
  readonly bodyBytes: number;
  /** The push is sent this many times, one after the other; the figures are the worst round's. */
  readonly rounds: number;
  readonly status: number;
  /** The answer's message, cut to 160 characters. */
  readonly message: string;
  readonly answerMs: number;
  readonly answerMedianMs: number;
  readonly rssBeforeMiB: number;
  readonly rssGrowthMiB: number;
  readonly healthMaxMs: number;
  readonly healthProbes: number;
  readonly eventLoopLagMaxMs: number;
}

export interface ListMeasure {
  readonly ms: number;
  readonly bytes: number;
  readonly channels: number;
  readonly total: number;
  readonly pages: number;
  readonly eventLoopLagMaxMs: number;
  readonly healthMaxMs: number;
}

export interface CardinalityRun {
  readonly run: 'default quotas' | 'channel quota lifted';
  readonly channelQuota: number;
  readonly measurements: number;
  readonly pushes: number;
  readonly refusedPushes: number;
  readonly channels: number;
  readonly pushSeconds: number;
  readonly settledRssBeforeMiB: number;
  readonly settledRssAfterMiB: number;
  readonly rssPeakMiB: number;
  readonly heapUsedAfterMiB: number;
  /** Settled RSS growth / channels held. */
  readonly bytesPerChannel: number;
  readonly firstPage: ListMeasure;
  readonly walk: ListMeasure;
  /** Event-loop lag and /api/health of the same node over 2 s without any request: the host's noise. */
  readonly idle: { readonly eventLoopLagMaxMs: number; readonly healthMaxMs: number };
}

export interface CapsResult {
  readonly scenario: 'caps';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { measurements: number; linesPerPush: number };
  readonly hostile: HostilePush[];
  readonly cardinality: CardinalityRun[];
  readonly goals: Goal[];
}

interface Probe {
  readonly rssPeak: number;
  readonly healthMaxMs: number;
  readonly healthProbes: number;
}

/** Runs `work` while sampling the node's RSS every 5 ms and timing /api/health every 10 ms. */
async function probed<T>(server: ServerHandle, work: () => Promise<T>): Promise<{ result: T; probe: Probe }> {
  let running = true;
  let rssPeak = server.rss();
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(server.pid))), 5);
  let healthMaxMs = 0;
  let healthProbes = 0;
  const health = (async () => {
    while (running) {
      const t = performance.now();
      await httpGet(server.port, '/api/health');
      healthMaxMs = Math.max(healthMaxMs, performance.now() - t);
      healthProbes++;
      await sleep(10);
    }
  })();
  try {
    const result = await work();
    return { result, probe: { rssPeak, healthMaxMs: round(healthMaxMs, 1), healthProbes } };
  } finally {
    running = false;
    clearInterval(sampler);
    await health;
  }
}

const lines = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');

/** Values that share length, middle and last character: one bucket of the tag-set hash. */
const colliding = (i: number): string => {
  const hex = i.toString(16).padStart(4, '0');
  return `Q${hex.slice(0, 2)}7${hex.slice(2)}Z`;
};

function hostileBodies(): Array<{ name: string; format: 'labels_column' | 'wide'; lines: number; body: string | Buffer }> {
  const distinct = lines(12_000, (i) => `sp f${i}=1`);
  const reversedTags = `m,${Array.from({ length: 20_000 }, (_, i) => `t${String(20_000 - i).padStart(5, '0')}=x`).join(',')} f=1`;
  return [
    { name: '12,000 distinct field keys', format: 'labels_column', lines: 12_000, body: distinct },
    { name: '12,000 distinct field keys', format: 'wide', lines: 12_000, body: distinct },
    { name: 'one line, 20,000 tags in reverse order', format: 'labels_column', lines: 1, body: reversedTags },
    { name: '20,000 measurements, one receive time', format: 'wide', lines: 20_000, body: lines(20_000, (i) => `m${i} f=1`) },
    { name: '20,000 colliding tag sets', format: 'labels_column', lines: 20_000, body: lines(20_000, (i) => `m,t=${colliding(i)} f=1`) },
    { name: '1,000 keys cycling over 10,000 rows', format: 'labels_column', lines: 10_000, body: lines(10_000, (i) => `m f${i % 1000}=1`) },
    { name: '16 MiB of tiny lines', format: 'labels_column', lines: Math.floor((16 * MIB) / 6), body: Buffer.from('m f=1\n'.repeat(Math.floor((16 * MIB) / 6))) },
  ];
}

async function runHostile(token: string, rounds: number, log: (line: string) => void): Promise<HostilePush[]> {
  const server = await startLivehub({ name: 'livehub (defaults)' });
  const out: HostilePush[] = [];
  try {
    for (const h of hostileBodies()) {
      const query = h.format === 'wide' ? '?gf_live_frame_format=wide' : '';
      const answers: number[] = [];
      let status = 0;
      let body = '';
      let rssBefore = 0;
      let rssGrowth = 0;
      let healthMaxMs = 0;
      let healthProbes = 0;
      let lagMaxMs = 0;
      for (let attempt = 0; attempt < rounds; attempt++) {
        const before = (await server.memory()).vmRss;
        await eventLoopLagMaxMs(server.port); // resets the histogram
        const started = performance.now();
        const { result, probe } = await probed(server, async () => {
          const res = await httpPost(server.port, `/api/live/push/hostile${query}`, h.body, { headers: { Authorization: `Bearer ${token}` } });
          return { ...res, ms: performance.now() - started };
        });
        lagMaxMs = Math.max(lagMaxMs, await eventLoopLagMaxMs(server.port));
        if (attempt > 0 && result.status !== status) throw new Error(`${h.name}: answered ${status}, then ${result.status}`);
        ({ status, body } = result);
        answers.push(result.ms);
        if (attempt === 0) rssBefore = before;
        rssGrowth = Math.max(rssGrowth, probe.rssPeak - before);
        healthMaxMs = Math.max(healthMaxMs, probe.healthMaxMs);
        healthProbes += probe.healthProbes;
      }
      let message = '';
      try {
        message = body === '' ? '' : ((JSON.parse(body) as { message?: string }).message ?? '');
      } catch {
        message = body.slice(0, 160);
      }
      const entry: HostilePush = {
        name: h.name,
        format: h.format,
        lines: h.lines,
        bodyBytes: Buffer.byteLength(h.body),
        rounds,
        status,
        message: message.length > 160 ? `${message.slice(0, 160)}…` : message,
        answerMs: round(Math.max(...answers), 1),
        answerMedianMs: round(percentile(answers, 50), 1),
        rssBeforeMiB: round(rssBefore / MIB, 1),
        rssGrowthMiB: round(Math.max(0, rssGrowth) / MIB, 1),
        healthMaxMs: round(healthMaxMs, 1),
        healthProbes,
        eventLoopLagMaxMs: lagMaxMs,
      };
      out.push(entry);
      log(`caps hostile: ${h.name} (${h.format}) → ${entry.status} in ≤ ${fmt(entry.answerMs, 1)} ms, RSS +${entry.rssGrowthMiB} MiB, health max ${entry.healthMaxMs} ms, lag max ${lagMaxMs} ms`);
    }
  } finally {
    await server.stop();
  }
  return out;
}

async function eventLoopLagMaxMs(port: number): Promise<number> {
  const r = await httpGet(port, '/metrics');
  const m = /^livehub_process_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.e+-]+)/m.exec(r.body);
  return m === null ? Number.NaN : round(Number(m[1]) * 1000, 1);
}

/** GETs list pages (one, or all by `after`) while probing; lag is the max over the calls. */
async function measureList(server: ServerHandle, token: string, walk: boolean): Promise<ListMeasure> {
  await eventLoopLagMaxMs(server.port); // resets the histogram
  const started = performance.now();
  const { result, probe } = await probed(server, async () => {
    let bytes = 0;
    let channels = 0;
    let total = 0;
    let pages = 0;
    let after: string | undefined;
    do {
      const path = `/api/live/list${after === undefined ? '' : `?after=${encodeURIComponent(after)}`}`;
      const res = await httpGet(server.port, path, 30_000, { Authorization: `Bearer ${token}` });
      if (res.status !== 200) throw new Error(`list answered ${res.status}: ${res.body.slice(0, 200)}`);
      const body = JSON.parse(res.body) as { channels: unknown[]; total: number; next?: string };
      bytes = Math.max(bytes, Buffer.byteLength(res.body));
      channels += body.channels.length;
      total = body.total;
      pages++;
      after = walk ? body.next : undefined;
    } while (after !== undefined);
    return { bytes, channels, total, pages, ms: performance.now() - started };
  });
  const lag = await eventLoopLagMaxMs(server.port);
  return { ms: round(result.ms, 1), bytes: result.bytes, channels: result.channels, total: result.total, pages: result.pages, eventLoopLagMaxMs: lag, healthMaxMs: probe.healthMaxMs };
}

/** The node's event-loop lag and /api/health over `ms` with nothing else asked of it. */
async function idleNoise(server: ServerHandle, ms: number): Promise<CardinalityRun['idle']> {
  await eventLoopLagMaxMs(server.port);
  const { probe } = await probed(server, () => sleep(ms));
  return { eventLoopLagMaxMs: await eventLoopLagMaxMs(server.port), healthMaxMs: probe.healthMaxMs };
}

async function runCardinality(run: CardinalityRun['run'], measurements: number, perPush: number, token: string, log: (line: string) => void): Promise<CardinalityRun> {
  const quota = run === 'default quotas' ? 10_000 : measurements;
  const server = await startLivehub({ name: `livehub (${run})`, env: run === 'default quotas' ? {} : { GF_LIVE_MAX_MANAGED_CHANNELS_PER_ORG: String(measurements) } });
  try {
    const before = await server.memory();
    let refused = 0;
    let pushes = 0;
    const started = performance.now();
    const { probe } = await probed(server, async () => {
      for (let first = 0; first < measurements; first += perPush) {
        const body = lines(Math.min(perPush, measurements - first), (i) => `m${first + i} v=${i}`);
        const res = await httpPost(server.port, '/api/live/push/cardinality', body, { headers: { Authorization: `Bearer ${token}` } });
        pushes++;
        if (res.status === 403) refused++;
        else if (res.status !== 200) throw new Error(`push answered ${res.status}: ${res.body.slice(0, 200)}`);
      }
    });
    const pushSeconds = (performance.now() - started) / 1000;
    const after = await server.memory();
    const idle = await idleNoise(server, 2000);
    const firstPage = await measureList(server, token, false);
    const walk = await measureList(server, token, true);
    const channels = firstPage.total - 4; // the testdata plugin's four channels
    const result: CardinalityRun = {
      run,
      channelQuota: quota,
      measurements,
      pushes,
      refusedPushes: refused,
      channels,
      pushSeconds: round(pushSeconds, 1),
      settledRssBeforeMiB: round(before.vmRss / MIB, 1),
      settledRssAfterMiB: round(after.vmRss / MIB, 1),
      rssPeakMiB: round(probe.rssPeak / MIB, 1),
      heapUsedAfterMiB: round(after.heapUsed / MIB, 1),
      bytesPerChannel: Math.round((after.vmRss - before.vmRss) / Math.max(1, channels)),
      firstPage,
      walk,
      idle,
    };
    log(`caps cardinality (${run}): ${fmt(channels)} channels, RSS ${result.settledRssBeforeMiB} → ${result.settledRssAfterMiB} MiB, list ${firstPage.ms} ms / ${fmt(firstPage.bytes)} B, walk ${walk.pages} pages in ${walk.ms} ms`);
    return result;
  } finally {
    await server.stop();
  }
}

export async function runCaps(opts: { quick: boolean; log?: (line: string) => void }): Promise<CapsResult> {
  const log = opts.log ?? (() => {});
  const token = pushToken();
  const measurements = opts.quick ? 20_000 : 200_000;
  const perPush = 2000;
  const hostile = await runHostile(token, opts.quick ? 2 : 5, log);
  const cardinality = [
    await runCardinality('default quotas', measurements, perPush, token, log),
    await runCardinality('channel quota lifted', measurements, perPush, token, log),
  ];

  const distinct = hostile.find((h) => h.format === 'labels_column' && h.name.startsWith('12,000'))!;
  const capped = cardinality[0]!;
  const lifted = cardinality[1]!;
  const decided = !opts.quick;
  // The documented bound of docs/reliability.md: 8 KiB per channel of small frames over the idle node.
  const boundMiB = capped.settledRssBeforeMiB + (capped.channelQuota * 8 * 1024) / MIB;
  const goals: Goal[] = [
    {
      id: 'C1',
      description: '12,000-distinct-field push (labels_column, default config) answered',
      target: '< 1 s, 200 or 400 naming the limit',
      measured: `${distinct.status} in ${distinct.answerMs} ms (worst of ${distinct.rounds})`,
      met: distinct.answerMs < 1000 && (distinct.status === 200 || (distinct.status === 400 && distinct.message.includes('push_max_frame_fields'))),
    },
    { id: 'C2', description: 'its RSS growth', target: '< 64 MiB', measured: `${distinct.rssGrowthMiB} MiB`, met: distinct.rssGrowthMiB < 64 },
    {
      id: 'C3',
      description: 'slowest /api/health answer during it',
      target: '< 100 ms',
      measured: `${distinct.healthMaxMs} ms (${distinct.healthProbes} probes over ${distinct.rounds} pushes; event-loop lag max ${distinct.eventLoopLagMaxMs} ms)`,
      met: distinct.healthMaxMs < 100,
    },
    {
      id: 'C4',
      description: `${fmt(measurements)} distinct measurements, default quotas: settled RSS`,
      target: `≤ ${round(boundMiB, 1)} MiB (idle + ${fmt(capped.channelQuota)} channels × 8 KiB)`,
      measured: `${capped.settledRssAfterMiB} MiB, ${fmt(capped.channels)} channels`,
      met: decided ? capped.settledRssAfterMiB <= boundMiB : undefined,
    },
    {
      id: 'C5',
      description: '/api/live/list with the default quotas, and with every measurement held',
      target: '< 1 s',
      measured: `${capped.firstPage.ms} ms (${fmt(capped.firstPage.bytes)} B); ${lifted.firstPage.ms} ms (${fmt(lifted.firstPage.bytes)} B) of ${fmt(lifted.firstPage.total)}`,
      met: decided ? capped.firstPage.ms < 1000 && lifted.firstPage.ms < 1000 : undefined,
    },
    {
      id: 'C6',
      description: 'event-loop lag while listing every page of every measurement held',
      target: '≤ 50 ms',
      measured: `${lifted.walk.eventLoopLagMaxMs} ms max over ${lifted.walk.pages} pages (health max ${lifted.walk.healthMaxMs} ms; the idle node meanwhile: ${lifted.idle.eventLoopLagMaxMs} ms)`,
      met: decided ? lifted.walk.eventLoopLagMaxMs <= 50 : undefined,
    },
  ];
  return { scenario: 'caps', quick: opts.quick, run: runInfo(), params: { measurements, linesPerPush: perPush }, hostile, cardinality, goals };
}

export function formatCaps(r: CapsResult): string {
  const hostileRows = r.hostile.map((h) => [h.name, h.format, h.bodyBytes, h.status, h.answerMedianMs, h.answerMs, h.rssGrowthMiB, h.healthMaxMs, h.eventLoopLagMaxMs, h.message.replace(/^(.{60}).+$/, '$1…')]);
  const cardRows = r.cardinality.map((c) => [
    c.run,
    c.channels,
    c.refusedPushes,
    c.pushSeconds,
    c.settledRssBeforeMiB,
    c.settledRssAfterMiB,
    c.rssPeakMiB,
    c.bytesPerChannel,
    c.firstPage.ms,
    c.firstPage.bytes,
    `${c.walk.pages} / ${c.walk.ms}`,
    c.walk.eventLoopLagMaxMs,
    c.walk.healthMaxMs,
    `${c.idle.eventLoopLagMaxMs} / ${c.idle.healthMaxMs}`,
  ]);
  return [
    `caps: hostile pushes and ${fmt(r.params.measurements)} distinct measurements (${r.params.linesPerPush} per push), default configuration; commit ${r.run.commit}${r.run.dirty ? '+dirty' : ''}${r.quick ? ', quick' : ''}`,
    table(['push', 'format', 'bytes', 'status', 'answer median ms', 'answer max ms', 'RSS +MiB', 'health max ms', 'loop lag max ms', 'message'], hostileRows),
    '',
    table(['run', 'channels', 'refused pushes', 'push s', 'RSS before MiB', 'RSS after MiB', 'RSS peak MiB', 'B/channel', 'list ms', 'list bytes', 'walk pages / ms', 'loop lag max ms', 'health max ms', 'idle: lag / health ms'], cardRows),
    '',
    goalLines(r.goals),
  ].join('\n');
}
