// One measured phase of publishing: snapshot counters and CPU, run the publisher, wait until
// deliveries stop arriving, and turn the deltas into rates, CPU per delivery and latency percentiles.

import { sleep } from '../../harness/wait.js';
import type { LoadGen } from './loadgen.js';
import type { PublishCommand } from './generator/commands.js';
import { round, summarize, type LatencySummary } from './stats.js';

export interface PhaseResult {
  readonly phase: string;
  readonly published: number;
  readonly publishErrors: number;
  /** Messages per second the publisher got acknowledged. */
  readonly publishedPerSec: number;
  readonly deliveries: number;
  readonly expectedDeliveries: number;
  readonly deliveriesPerSec: number;
  /** Server process CPU (cores, 1.0 = one full core) while the phase ran. */
  readonly serverCores: number;
  readonly serverCpuUsPerDelivery: number;
  /** Load-generator processes' CPU (cores). */
  readonly generatorCores: number;
  readonly extraCores: number;
  readonly bytesPerDelivery: number;
  readonly latencyMs: LatencySummary;
  readonly firstError?: string;
}

export interface PhaseSpec {
  readonly name: string;
  readonly gen: LoadGen;
  readonly subscribers: number;
  readonly serverCpu: () => number;
  /** Other processes to account (e.g. Redis, a second node). */
  readonly extraCpu?: () => number;
  readonly publish: Omit<PublishCommand, 'cmd'>;
  /** Deliveries are complete once nothing arrived for this long (default 600 ms). */
  readonly idleMs?: number;
}

export async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const { gen } = spec;
  const before = await gen.stats(true);
  const cpu0 = spec.serverCpu();
  const gcpu0 = gen.cpuSeconds();
  const x0 = spec.extraCpu?.() ?? 0;
  const t0 = performance.now();
  const pub = await gen.publish(spec.publish);
  // Drain: wait until the delivery count stops moving (≤ 15 s).
  // CPU is sampled at every poll and taken at the last moment deliveries still moved, so the idle
  // tail of the drain does not dilute the CPU share.
  const sample = (): { t: number; cpu: number; gcpu: number; xcpu: number } => ({
    t: performance.now(),
    cpu: spec.serverCpu(),
    gcpu: gen.cpuSeconds(),
    xcpu: spec.extraCpu?.() ?? 0,
  });
  let last = (await gen.stats()).deliveries;
  let atChange = sample();
  const drainUntil = performance.now() + 15_000;
  while (performance.now() < drainUntil) {
    await sleep(100);
    const now = (await gen.stats()).deliveries;
    if (now !== last) {
      last = now;
      atChange = sample();
    } else if (performance.now() - atChange.t > (spec.idleMs ?? 600)) break;
  }
  const end = Math.max(t0 + pub.durationMs, atChange.t);
  const wall = (end - t0) / 1000;
  const cpu = atChange.cpu - cpu0;
  const gcpu = atChange.gcpu - gcpu0;
  const xcpu = atChange.xcpu - x0;
  const after = await gen.stats(true);
  const deliveries = after.deliveries - before.deliveries;
  const cpuWall = Math.max(0.001, (atChange.t - t0) / 1000);
  return {
    phase: spec.name,
    published: pub.acked,
    publishErrors: pub.errors,
    publishedPerSec: round(pub.acked / (pub.durationMs / 1000), 1),
    deliveries,
    expectedDeliveries: pub.acked * spec.subscribers,
    deliveriesPerSec: Math.round(deliveries / wall),
    serverCores: round(cpu / cpuWall, 3),
    serverCpuUsPerDelivery: deliveries === 0 ? Number.NaN : round((cpu / deliveries) * 1e6, 3),
    generatorCores: round(gcpu / cpuWall, 3),
    extraCores: round(xcpu / cpuWall, 3),
    bytesPerDelivery: deliveries === 0 ? Number.NaN : round((after.bytes - before.bytes) / deliveries, 1),
    latencyMs: summarize(after.latencies),
    ...(pub.firstError === undefined ? {} : { firstError: pub.firstError }),
  };
}
