// GET /api/bench/memory — a measurement hook for benchmarks ONLY (bench/memory.ts, performance.md
// §3.2). It exists only when the process runs with LIVEHUB_BENCH_HOOKS=1: it forces two full garbage
// collections (when node runs with --expose-gc) and answers process.memoryUsage() plus VmRSS /
// RssAnon / RssFile from /proc/self/status, so per-connection costs are slopes of settled memory,
// not of garbage that happens to be around. (gc, 300 ms for freed pages to be unmapped, gc again.) Never enable it in production: it blocks the event loop
// for a full GC on every call.

import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';
import { sendJson } from '../../src/http/respond.js';
import type { RouteContext, RouteHandler } from '../../src/http/router.js';

export const BENCH_HOOKS_ENV = 'LIVEHUB_BENCH_HOOKS';
export const BENCH_MEMORY_PATH = '/api/bench/memory';

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

export function benchHooksEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[BENCH_HOOKS_ENV] === '1';
}

function statusField(status: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/**
 * Runs gc twice (if exposed), gives V8's background unmapper a moment to return freed pages, runs gc
 * once more and reads memory. Shared with the benchmark's peer servers.
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
export function memorySnapshot(): MemorySnapshot {
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

export function benchMemoryRoute(): RouteHandler {
  return async ({ res }: RouteContext): Promise<void> => sendJson(res, 200, await settledMemorySnapshot());
}

/** Adds the route when LIVEHUB_BENCH_HOOKS=1; does nothing otherwise. */
export function installBenchHooks(router: { add(method: string, path: string, handler: RouteHandler): void }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!benchHooksEnabled(env)) return false;
  router.add('GET', BENCH_MEMORY_PATH, benchMemoryRoute());
  return true;
}
