// Settled memory of this process, for the benchmarks (bench/memory.ts, performance.md §3.2): two full
// garbage collections (when node runs with --expose-gc), then process.memoryUsage() plus VmRSS /
// RssAnon / RssFile from /proc/self/status, so per-connection costs are slopes of settled memory,
// not of garbage that happens to be around (gc, 300 ms for freed pages to be unmapped, gc again).
// Served by the preload module memory-hook.ts in every measured server (livehub and the peers).

import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

/** The port the preload hook listens on (127.0.0.1) is given in this variable... */
export const MEMORY_HOOK_PORT_ENV = 'BENCH_MEMORY_PORT';
/** ...and the snapshot is at this path. */
export const MEMORY_HOOK_PATH = '/memory';

export interface MemorySnapshot {
  readonly gc: boolean;
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  /** From /proc/self/status, bytes (NaN when unavailable). */
  readonly vmRss: number;
  readonly rssAnon: number;
  readonly rssFile: number;
  /** V8 heap spaces: committed (space_size) and used bytes, MiB-level detail for diagnosing slopes. */
  readonly spaces?: Record<string, { readonly committed: number; readonly used: number }>;
}

function statusField(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/**
 * Runs gc twice (if exposed), gives V8's background unmapper a moment to return freed pages, runs gc
 * once more and reads memory.
 */
export async function settledMemorySnapshot(settleMs = 300): Promise<MemorySnapshot> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  }
  return memorySnapshot();
}

/** Runs gc twice (if exposed) and reads memory right away. */
function memorySnapshot(): MemorySnapshot {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
  let status = '';
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    // not Linux
  }
  const m = process.memoryUsage();
  return {
    gc: gc !== undefined,
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    vmRss: statusField(status, 'VmRSS'),
    rssAnon: statusField(status, 'RssAnon'),
    rssFile: statusField(status, 'RssFile'),
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((x) => [x.space_name, { committed: x.space_size, used: x.space_used_size }])),
  };
}
