// Reads one sample from Prometheus text exposition (GET /metrics): the first line of `name` whose
// labels include all of `labels`; NaN when there is none.

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
