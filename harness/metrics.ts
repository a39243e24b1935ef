// Reading Prometheus text exposition (/metrics): one sample by name and labels, or the sum over all
// label sets; and a scrape of a node. Shared by tests, benchmarks and scripts.

/** The value of the first sample of `name` whose labels include `labels` (NaN when absent). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const wanted = Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return NaN;
}

/** Sum of every sample of `name` (all label sets); 0 when absent. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** GET <httpUrl>/metrics as text; throws unless it answers 200. */
export async function scrapeMetrics(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}
