// Grafana's four built-in testdata streams: their paths, tick periods and nominal message rates
// (the `minute_rate` Grafana hard-codes in /api/live/list). The flakey stream drops 75 % of its ticks.

export interface TestStreamConfig {
  readonly path: string;
  readonly intervalMs: number;
  /** Probability that a tick sends nothing. */
  readonly drop: number;
  /** Rows carry a `labels` column with several series per tick. */
  readonly labeled: boolean;
  /** Nominal messages per minute: 60000 / intervalMs × (1 − drop). */
  readonly minuteRate: number;
}

export const TEST_STREAMS: readonly TestStreamConfig[] = [
  { path: 'random-2s-stream', intervalMs: 2000, drop: 0, labeled: false, minuteRate: 30 },
  { path: 'random-flakey-stream', intervalMs: 100, drop: 0.75, labeled: false, minuteRate: 150 },
  { path: 'random-labeled-stream', intervalMs: 240, drop: 0, labeled: true, minuteRate: 250 },
  { path: 'random-20Hz-stream', intervalMs: 50, drop: 0, labeled: false, minuteRate: 1200 },
];

export function findTestStream(path: string): TestStreamConfig | undefined {
  return TEST_STREAMS.find((s) => s.path === path);
}
