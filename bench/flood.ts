// Scenario `flood` (issue 13, docs/reliability.md "Anonymous publish flood" and "Publish flood"):
// anonymous senders POST 1 MiB publications to ever new `grafana/broadcast/<n>` channels as fast as
// the node answers, each sender over its own keep-alive connection from one of `addresses` loopback
// source addresses (127.0.0.2, …), for `seconds`, against the default configuration. Each accepted
// publication is kept as history entry AND as the channel's last message.
//
// Options (npm run bench -- flood [--quick] [--seconds 120] [--senders 8] [--addresses 1] [--rate-limits off|default]):
// --rate-limits off (default) switches the anonymous [http_rate_limit] off, so what is measured is the
// engine's bounds: the node stays up, peak RSS against memory_engine_budget, what the engine holds
// (livehub_engine_memory_bytes, evictions), and the heap after GC from before the flood until it is
// back within 2× of it — which must happen within 2 × history_ttl. --rate-limits default keeps the
// anonymous limits (the defaults): what gets through per address, the first 429, the bucket table
// (livehub_http_rate_limit_keys) during and after the flood.
// Quick: 3 s of 256 KiB publications against a 16 MiB budget and history_ttl 2 s (shape only).

import { Agent } from 'node:http';
import { httpGet, httpPost } from '../harness/http.js';
import { metricSum } from '../harness/metrics.js';
import { sleep } from '../harness/wait.js';
import { loadConfig } from '../src/config/load.js';
import { choiceOption, wholeNumberOption } from './lib/options.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { startLivehub, type ServerHandle } from './lib/servers.js';
import { round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

const MiB = 1048576;
/**
 * What RSS may exceed the budget by: the baseline process (~90 MiB), request bodies in flight and,
 * mostly, garbage V8 has not collected yet (it lets the old generation grow to a few times the live
 * heap before a full GC; with large strings arriving at ~20 MiB/s that is hundreds of MiB).
 */
const RSS_MARGIN = 512 * MiB;
/** The publish route's body limit; a flood body stays just below it. */
const PUBLISH_BODY_LIMIT = MiB;
/** The command-line options of the scenario. */
export const FLOOD_OPTIONS = ['seconds', 'senders', 'addresses', 'rate-limits'] as const;

export interface FloodSample {
  /** Seconds since the flood ended. */
  readonly t: number;
  readonly heapUsed: number;
  readonly vmRss: number;
  readonly engineBytes: number;
}

export interface FloodResult {
  readonly scenario: 'flood';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: {
    readonly seconds: number;
    /** Senders, each with one request in flight. */
    readonly concurrency: number;
    /** Loopback source addresses the senders are spread over (the rate limit is per address). */
    readonly addresses: number;
    /** off: the anonymous [http_rate_limit] switched off; default: its defaults. */
    readonly rateLimits: 'off' | 'default';
    readonly bodyBytes: number;
    readonly historyTtlSeconds: number;
    readonly budgetBytes: number;
    readonly env: Record<string, string>;
  };
  /** Requests made (answered or failed). */
  readonly sent: number;
  readonly accepted: number;
  readonly acceptedBytes: number;
  readonly acceptedMiBPerMinutePerAddress: number;
  /** Answered 429 (rate limited). */
  readonly limited: number;
  /** Requests from the first address before its first 429, and when it came (absent: never). */
  readonly firstLimitedAfter?: { readonly requests: number; readonly ms: number };
  readonly statuses: Record<string, number>;
  readonly failures: number;
  readonly firstFailure?: string;
  readonly alive: boolean;
  readonly healthAfter: number;
  /** The slowest GET /api/health during the flood. */
  readonly slowestHealthMs: number;
  /** livehub_http_rate_limit_keys: the most seen during the flood, and when the table was empty after it (absent: not within 30 s, or limits off). */
  readonly rateLimitKeys: { readonly peak: number; readonly emptyAfterMs?: number };
  readonly preFlood: { readonly heapUsed: number; readonly vmRss: number };
  readonly peakRssBytes: number;
  readonly peakEngineBytes: number;
  readonly evictions: number;
  readonly expirations: number;
  readonly afterFlood: FloodSample[];
  /** Seconds after the flood until the heap after GC was within 2× of the pre-flood heap (NaN: never). */
  readonly heapBackWithin2xAfterSeconds: number;
  readonly goals: Goal[];
}

interface FloodParams {
  readonly seconds: number;
  readonly senders: number;
  readonly addresses: number;
  readonly rateLimits: 'off' | 'default';
}

function floodParams(quick: boolean, options: Record<string, string>): FloodParams {
  return {
    seconds: wholeNumberOption(options, 'seconds', quick ? 3 : 120, 3600),
    senders: wholeNumberOption(options, 'senders', quick ? 4 : 8, 256),
    // 127.0.0.2 … 127.0.0.254 are the loopback source addresses a sender can take.
    addresses: wholeNumberOption(options, 'addresses', 1, 253),
    rateLimits: choiceOption(options, 'rate-limits', ['off', 'default']),
  };
}

function floodBody(n: number, payload: string): string {
  return `{"channel":"grafana/broadcast/flood-${n}","data":"${payload}"}`;
}

interface NodeCounts {
  readonly bytes: number;
  readonly evictions: number;
  readonly expirations: number;
  readonly rateLimitKeys: number;
}

async function nodeCounts(server: ServerHandle): Promise<NodeCounts> {
  const text = (await httpGet(server.port, '/metrics')).body;
  return {
    bytes: metricSum(text, 'livehub_engine_memory_bytes'),
    evictions: metricSum(text, 'livehub_engine_memory_evictions_total'),
    expirations: metricSum(text, 'livehub_engine_memory_expirations_total'),
    rateLimitKeys: metricSum(text, 'livehub_http_rate_limit_keys'),
  };
}

export async function runFlood(opts: { quick: boolean; log?: (line: string) => void; options?: Record<string, string> }): Promise<FloodResult> {
  const log = opts.log ?? (() => {});
  const quick = opts.quick;
  const { seconds, senders, addresses, rateLimits } = floodParams(quick, opts.options ?? {});
  const historyTtlSeconds = quick ? 2 : 300;
  const budgetBytes = quick ? 16 * MiB : 256 * MiB;
  const env: Record<string, string> = {
    ...(quick ? { GF_LIVE_HISTORY_TTL: String(historyTtlSeconds), GF_LIVE_MEMORY_ENGINE_BUDGET: String(budgetBytes) } : {}),
    ...(rateLimits === 'off' ? { GF_HTTP_RATE_LIMIT_ANONYMOUS_REQUESTS_PER_SECOND: '0', GF_HTTP_RATE_LIMIT_ANONYMOUS_BYTES_PER_SECOND: '0' } : {}),
  };
  const bodyBytes = quick ? 256 * 1024 : PUBLISH_BODY_LIMIT - 100;
  const payload = 'x'.repeat(bodyBytes - floodBody(0, '').length - 10);
  const sampleEveryMs = quick ? 1000 : 15_000;
  const firstAddress = '127.0.0.2';

  const server = await startLivehub({ name: `livehub (rate limits ${rateLimits})`, env });
  let peakRss = server.rss();
  let peakEngine = 0;
  let peakKeys = 0;
  let slowestHealthMs = 0;
  let polling = true;
  const poller = (async () => {
    for (let i = 0; polling; i++) {
      peakRss = Math.max(peakRss, server.rss());
      if (i % 10 === 0) {
        const counts = await nodeCounts(server).catch(() => undefined);
        peakEngine = Math.max(peakEngine, counts?.bytes ?? 0);
        peakKeys = Math.max(peakKeys, counts?.rateLimitKeys ?? 0);
      }
      await sleep(100);
    }
  })();
  const healthWatcher = (async () => {
    while (polling) {
      const t0 = performance.now();
      await httpGet(server.port, '/api/health', 10_000).catch(() => undefined);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - t0);
      await sleep(250);
    }
  })();
  const agents: Agent[] = [];
  try {
    const pre = await server.memory();
    const statuses: Record<string, number> = {};
    let sent = 0;
    let accepted = 0;
    let acceptedBytes = 0;
    let failures = 0;
    let firstFailure: string | undefined;
    let fromFirstAddress = 0;
    let firstLimitedAfter: FloodResult['firstLimitedAfter'];
    let next = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(Array.from({ length: senders }, async (_, i) => {
      const localAddress = `127.0.0.${2 + (i % addresses)}`;
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      while (performance.now() < end) {
        const body = floodBody(next++, payload);
        sent++;
        if (localAddress === firstAddress && firstLimitedAfter === undefined) fromFirstAddress++;
        try {
          const r = await httpPost(server.port, '/api/live/publish', body, { agent, localAddress, timeoutMs: 60_000 });
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status === 200) {
            accepted++;
            acceptedBytes += body.length;
          } else if (r.status === 429 && localAddress === firstAddress && firstLimitedAfter === undefined) {
            firstLimitedAfter = { requests: fromFirstAddress, ms: Math.round(performance.now() - started) };
          }
        } catch (err) {
          failures++;
          firstFailure ??= (err as Error).message;
          await sleep(100);
        }
      }
    }));
    const floodEnd = performance.now();
    polling = false;
    await Promise.all([poller, healthWatcher]);
    const alive = server.proc.running;
    const healthAfter = alive ? (await httpGet(server.port, '/api/health').catch(() => ({ status: 0 }))).status : 0;
    log(`flood: ${accepted} publications (${fmt(acceptedBytes / MiB)} MiB) in ${seconds} s, ${statuses['429'] ?? 0} limited, peak RSS ${fmt(peakRss / MiB)} MiB, alive ${alive}`);

    // Full buckets are swept every 10 s: with the limits on the table should be empty well within 30 s.
    let keysEmptyAfterMs: number | undefined;
    if (alive && rateLimits === 'default') {
      peakKeys = Math.max(peakKeys, (await nodeCounts(server)).rateLimitKeys);
      while (performance.now() - floodEnd < 30_000) {
        if ((await nodeCounts(server)).rateLimitKeys === 0) {
          keysEmptyAfterMs = Math.round(performance.now() - floodEnd);
          break;
        }
        await sleep(500);
      }
    }

    const samples: FloodSample[] = [];
    let backAt = Number.NaN;
    const windowSeconds = 2 * historyTtlSeconds;
    if (alive) {
      for (;;) {
        const t = (performance.now() - floodEnd) / 1000;
        const memory = await server.memory();
        const engine = await nodeCounts(server);
        samples.push({ t: round(t, 1), heapUsed: memory.heapUsed, vmRss: memory.vmRss, engineBytes: engine.bytes });
        if (Number.isNaN(backAt) && memory.heapUsed <= 2 * pre.heapUsed) backAt = t;
        log(`flood +${fmt(t)} s: heap after GC ${fmt(memory.heapUsed / MiB, 1)} MiB, RSS ${fmt(memory.vmRss / MiB)} MiB, engine ${fmt(engine.bytes / MiB, 1)} MiB`);
        // Two samples below the line prove it stays there; past the window nothing more to learn.
        const below = samples.slice(-2).every((s) => s.heapUsed <= 2 * pre.heapUsed);
        if ((samples.length >= 2 && below && engine.bytes < MiB) || t > windowSeconds + 5) break;
        await sleep(sampleEveryMs);
      }
    }
    const final = await nodeCounts(server).catch(() => ({ bytes: 0, evictions: 0, expirations: 0, rateLimitKeys: 0 }));
    const decided = !quick;
    const rssLimit = budgetBytes + RSS_MARGIN;
    const minutes = (floodEnd - started) / 60_000;
    const goals: Goal[] = [
      {
        id: 'F1',
        description: `anonymous ${fmt(bodyBytes / 1024)} KiB publish flood for ${seconds} s, default configuration (rate limits ${rateLimits}): the node stays up`,
        target: 'alive, /api/health 200',
        measured: `${alive ? 'alive' : 'DIED'}, /api/health ${healthAfter}; ${fmt(accepted)} publications accepted (${fmt(acceptedBytes / MiB)} MiB)`,
        met: alive && healthAfter === 200,
      },
      {
        id: 'F2',
        description: `peak RSS vs memory_engine_budget + a fixed ${fmt(RSS_MARGIN / MiB)} MiB margin`,
        target: `≤ ${fmt(rssLimit / MiB)} MiB`,
        measured: `${fmt(peakRss / MiB)} MiB (engine held at most ${fmt(peakEngine / MiB)} MiB; ${fmt(final.evictions)} evictions)`,
        met: decided ? peakRss <= rssLimit : undefined,
      },
      {
        id: 'F3',
        description: 'heap after GC back within 2× of the pre-flood heap',
        target: `within ${windowSeconds} s (2 × history_ttl)`,
        measured: Number.isNaN(backAt) ? `not within ${fmt(samples.at(-1)?.t ?? 0)} s` : `after ${fmt(backAt)} s (${fmt(pre.heapUsed / MiB, 1)} → ${fmt((samples.find((s) => s.heapUsed <= 2 * pre.heapUsed)?.heapUsed ?? 0) / MiB, 1)} MiB)`,
        met: decided ? !Number.isNaN(backAt) && backAt <= windowSeconds : undefined,
      },
    ];
    if (rateLimits === 'default') {
      const limit = loadConfig({ env: {} }).config.httpRateLimit.anonymousBytes;
      const perAddress = limit.burst + limit.perSecond * seconds;
      goals.push({
        id: 'F4',
        description: 'anonymous body bytes accepted per address: at most the burst plus the rate over the flood',
        target: `≤ ${fmt(perAddress / MiB, 1)} MiB per address (${fmt(limit.burst / MiB)} MiB + ${fmt(limit.perSecond / 1024)} KiB/s × ${seconds} s)`,
        measured: `${fmt(acceptedBytes / addresses / MiB, 1)} MiB per address (${fmt(acceptedBytes / MiB / minutes / addresses, 1)} MiB/min)`,
        met: acceptedBytes / addresses <= perAddress + bodyBytes,
      });
    }
    return {
      scenario: 'flood',
      quick,
      run: runInfo(),
      params: { seconds, concurrency: senders, addresses, rateLimits, bodyBytes, historyTtlSeconds, budgetBytes, env },
      sent,
      accepted,
      acceptedBytes,
      acceptedMiBPerMinutePerAddress: round(acceptedBytes / MiB / minutes / addresses, 1),
      limited: statuses['429'] ?? 0,
      ...(firstLimitedAfter === undefined ? {} : { firstLimitedAfter }),
      statuses,
      failures,
      ...(firstFailure === undefined ? {} : { firstFailure }),
      alive,
      healthAfter,
      slowestHealthMs: Math.round(slowestHealthMs),
      rateLimitKeys: { peak: peakKeys, ...(keysEmptyAfterMs === undefined ? {} : { emptyAfterMs: keysEmptyAfterMs }) },
      preFlood: { heapUsed: pre.heapUsed, vmRss: pre.vmRss },
      peakRssBytes: peakRss,
      peakEngineBytes: peakEngine,
      evictions: final.evictions,
      expirations: final.expirations,
      afterFlood: samples,
      heapBackWithin2xAfterSeconds: round(backAt, 1),
      goals,
    };
  } finally {
    polling = false;
    await Promise.all([poller, healthWatcher]);
    for (const agent of agents) agent.destroy();
    await server.stop();
  }
}

export function formatFlood(r: FloodResult): string {
  const mib = (b: number): number => round(b / MiB, 1);
  const first = r.firstLimitedAfter === undefined ? 'never' : `${r.firstLimitedAfter.requests} req / ${r.firstLimitedAfter.ms} ms`;
  return [
    `flood${r.quick ? ' (quick)' : ''}: anonymous ${fmt(r.params.bodyBytes / 1024)} KiB publishes to new broadcast channels for ${r.params.seconds} s (${r.params.concurrency} senders from ${r.params.addresses} address${r.params.addresses === 1 ? '' : 'es'}, rate limits ${r.params.rateLimits})`,
    table(['sent', 'accepted', 'MiB accepted', 'MiB/min/address', 'statuses', 'first 429 after', 'slowest health ms', 'buckets peak', 'buckets empty after ms'], [[
      r.sent, r.accepted, mib(r.acceptedBytes), r.acceptedMiBPerMinutePerAddress, Object.entries(r.statuses).map(([k, v]) => `${k}:${v}`).join(' '), first, r.slowestHealthMs,
      r.rateLimitKeys.peak, r.rateLimitKeys.emptyAfterMs ?? (r.params.rateLimits === 'off' ? '-' : 'not within 30 s'),
    ]]),
    '',
    table(['peak RSS MiB', 'budget MiB', 'engine peak MiB', 'evictions', 'heap before MiB', 'RSS before MiB'], [[
      mib(r.peakRssBytes), mib(r.params.budgetBytes), mib(r.peakEngineBytes), r.evictions, mib(r.preFlood.heapUsed), mib(r.preFlood.vmRss),
    ]]),
    '',
    table(['s after flood', 'heap after GC MiB', 'RSS MiB', 'engine MiB'], r.afterFlood.map((s) => [s.t, mib(s.heapUsed), mib(s.vmRss), mib(s.engineBytes)])),
    '',
    goalLines(r.goals),
  ].join('\n');
}
