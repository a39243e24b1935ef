// Run counts of the fuzz/property suites. CI (`npm test`) uses each test's small default; a long run
// sets LIVEHUB_FUZZ_RUNS (e.g. 2000000) for every property at once, and LIVEHUB_FUZZ_SEED to replay a
// failure fast-check reported. The live WebSocket fuzz opens real sockets, so it has its own knob,
// LIVEHUB_LIVE_FUZZ_RUNS.
//
//   LIVEHUB_FUZZ_RUNS=2000000 node --test dist/test/fuzz/*.test.js

import type { Parameters as FcParameters } from 'fast-check';

function positiveInt(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** True when a long fuzz run was asked for. */
export const LONG_MODE = positiveInt(process.env['LIVEHUB_FUZZ_RUNS']) !== undefined;

/** `ciRuns` in CI; LIVEHUB_FUZZ_RUNS (scaled by `weight` for slow properties) in long mode. */
export function runs(ciRuns: number, weight = 1): number {
  const long = positiveInt(process.env['LIVEHUB_FUZZ_RUNS']);
  return long === undefined ? ciRuns : Math.max(ciRuns, Math.floor(long * weight));
}

/** fast-check parameters: run count, optional replay seed, shrinking on failure. */
export function params<T>(ciRuns: number, weight = 1): FcParameters<T> {
  const seed = positiveInt(process.env['LIVEHUB_FUZZ_SEED']);
  return { numRuns: runs(ciRuns, weight), ...(seed !== undefined ? { seed } : {}) };
}

/** Runs of the live (real sockets) fuzz: LIVEHUB_LIVE_FUZZ_RUNS, default `ciRuns`. */
export function liveRuns(ciRuns: number): number {
  return positiveInt(process.env['LIVEHUB_LIVE_FUZZ_RUNS']) ?? ciRuns;
}

/** Fails when `fn` takes longer than `ms` (a parser that "hangs" on bounded input is a bug). */
export function timed<T>(what: string, ms: number, fn: () => T): T {
  const started = performance.now();
  const result = fn();
  const took = performance.now() - started;
  if (took > ms) throw new Error(`${what} took ${took.toFixed(0)} ms (bound ${ms} ms)`);
  return result;
}
