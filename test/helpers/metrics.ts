// Reading /metrics in tests: the parser is the benchmarks' (bench/lib/metrics.ts), plus a scrape.

export { metric } from '../../bench/lib/metrics.js';

/** GET /metrics of a hub. */
export async function scrapeMetrics(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}
