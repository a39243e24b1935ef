// Scenario `flood` (issue 13, docs/reliability.md "Publish flood"): anonymous callers POST 1 MiB
// publications to ever new `grafana/broadcast/<n>` channels as fast as the node takes them, for 2
// minutes, against the default configuration (history_ttl 300 s, memory_engine_budget 256 MiB;
// nothing else limits this path on this branch). Each publication is kept as history entry AND as
// the channel's last message. Measured: the node stays up and healthy, its peak RSS against the
// budget, what the engine holds (livehub_engine_memory_bytes, evictions), and the heap after GC
// from before the flood until it is back within 2× of it — which must happen within 2 × history_ttl.
// Quick: 3 s of 256 KiB publications against a 16 MiB budget and history_ttl 2 s (shape only).

import { Agent } from 'node:http';
import { metricSum } from './lib/metrics.js';
import { sleep } from './lib/proc.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import { httpGet, httpPost, startLivehub, type ServerHandle } from './lib/servers.js';
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
    readonly concurrency: number;
    readonly bodyBytes: number;
    readonly historyTtlSeconds: number;
    readonly budgetBytes: number;
    readonly env: Record<string, string>;
  };
  readonly accepted: number;
  readonly acceptedBytes: number;
  readonly statuses: Record<string, number>;
  readonly failures: number;
  readonly firstFailure?: string;
  readonly alive: boolean;
  readonly healthAfter: number;
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

function floodBody(n: number, payload: string): string {
  return `{"channel":"grafana/broadcast/flood-${n}","data":"${payload}"}`;
}

async function engineBytes(server: ServerHandle): Promise<{ bytes: number; evictions: number; expirations: number }> {
  const text = (await httpGet(server.port, '/metrics')).body;
  return {
    bytes: metricSum(text, 'livehub_engine_memory_bytes'),
    evictions: metricSum(text, 'livehub_engine_memory_evictions_total'),
    expirations: metricSum(text, 'livehub_engine_memory_expirations_total'),
  };
}

export async function runFlood(opts: { quick: boolean; log?: (line: string) => void }): Promise<FloodResult> {
  const log = opts.log ?? (() => {});
  const quick = opts.quick;
  const seconds = quick ? 3 : 120;
  const concurrency = quick ? 4 : 8;
  const historyTtlSeconds = quick ? 2 : 300;
  const budgetBytes = quick ? 16 * MiB : 256 * MiB;
  const env: Record<string, string> = quick ? { GF_LIVE_HISTORY_TTL: String(historyTtlSeconds), GF_LIVE_MEMORY_ENGINE_BUDGET: String(budgetBytes) } : {};
  const bodyBytes = quick ? 256 * 1024 : PUBLISH_BODY_LIMIT - 100;
  const payload = 'x'.repeat(bodyBytes - floodBody(0, '').length - 10);
  const sampleEveryMs = quick ? 1000 : 15_000;

  const server = await startLivehub({ env });
  let peakRss = server.rss();
  let peakEngine = 0;
  let polling = true;
  const poller = (async () => {
    for (let i = 0; polling; i++) {
      peakRss = Math.max(peakRss, server.rss());
      if (i % 10 === 0) peakEngine = Math.max(peakEngine, (await engineBytes(server).catch(() => ({ bytes: 0 }))).bytes);
      await sleep(100);
    }
  })();
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const pre = await server.memory();
    const statuses: Record<string, number> = {};
    let accepted = 0;
    let acceptedBytes = 0;
    let failures = 0;
    let firstFailure: string | undefined;
    let next = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const body = floodBody(next++, payload);
        try {
          const r = await httpPost(server.port, '/api/live/publish', body, { agent, timeoutMs: 60_000 });
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status === 200) {
            accepted++;
            acceptedBytes += body.length;
          }
        } catch (err) {
          failures++;
          firstFailure ??= (err as Error).message;
          await sleep(100);
        }
      }
    }));
    const floodEnd = performance.now();
    const alive = server.proc.child.exitCode === null;
    const healthAfter = alive ? (await httpGet(server.port, '/api/health').catch(() => ({ status: 0 }))).status : 0;
    log(`flood: ${accepted} publications (${fmt(acceptedBytes / MiB)} MiB) in ${seconds} s, peak RSS ${fmt(peakRss / MiB)} MiB, alive ${alive}`);

    const samples: FloodSample[] = [];
    let backAt = Number.NaN;
    const windowSeconds = 2 * historyTtlSeconds;
    if (alive) {
      for (;;) {
        const t = (performance.now() - floodEnd) / 1000;
        const memory = await server.memory();
        const engine = await engineBytes(server);
        samples.push({ t: round(t, 1), heapUsed: memory.heapUsed, vmRss: memory.vmRss, engineBytes: engine.bytes });
        if (Number.isNaN(backAt) && memory.heapUsed <= 2 * pre.heapUsed) backAt = t;
        log(`flood +${fmt(t)} s: heap after GC ${fmt(memory.heapUsed / MiB, 1)} MiB, RSS ${fmt(memory.vmRss / MiB)} MiB, engine ${fmt(engine.bytes / MiB, 1)} MiB`);
        // Two samples below the line prove it stays there; past the window nothing more to learn.
        const below = samples.slice(-2).every((s) => s.heapUsed <= 2 * pre.heapUsed);
        if ((samples.length >= 2 && below && engine.bytes < MiB) || t > windowSeconds + 5) break;
        await sleep(sampleEveryMs);
      }
    }
    const final = await engineBytes(server).catch(() => ({ bytes: 0, evictions: 0, expirations: 0 }));
    const decided = !quick;
    const rssLimit = budgetBytes + RSS_MARGIN;
    const goals: Goal[] = [
      {
        id: 'F1',
        description: `anonymous 1 MiB publish flood for ${seconds} s, default configuration: the node stays up`,
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
    return {
      scenario: 'flood',
      quick,
      run: runInfo(),
      params: { seconds, concurrency, bodyBytes, historyTtlSeconds, budgetBytes, env },
      accepted,
      acceptedBytes,
      statuses,
      failures,
      ...(firstFailure === undefined ? {} : { firstFailure }),
      alive,
      healthAfter,
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
    await poller;
    agent.destroy();
    await server.stop();
  }
}

export function formatFlood(r: FloodResult): string {
  const mib = (b: number): number => round(b / MiB, 1);
  return [
    `flood${r.quick ? ' (quick)' : ''}: anonymous ${fmt(r.params.bodyBytes / 1024)} KiB publishes to new broadcast channels for ${r.params.seconds} s (${r.params.concurrency} in flight)`,
    table(['accepted', 'MiB accepted', 'statuses', 'peak RSS MiB', 'budget MiB', 'engine peak MiB', 'evictions', 'heap before MiB', 'RSS before MiB'], [[
      r.accepted, mib(r.acceptedBytes), Object.entries(r.statuses).map(([k, v]) => `${k}:${v}`).join(' '), mib(r.peakRssBytes), mib(r.params.budgetBytes), mib(r.peakEngineBytes), r.evictions, mib(r.preFlood.heapUsed), mib(r.preFlood.vmRss),
    ]]),
    '',
    table(['s after flood', 'heap after GC MiB', 'RSS MiB', 'engine MiB'], r.afterFlood.map((s) => [s.t, mib(s.heapUsed), mib(s.vmRss), mib(s.engineBytes)])),
    '',
    goalLines(r.goals),
  ].join('\n');
}
