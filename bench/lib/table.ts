// Plain-text tables for the benchmark reports: right-aligned numbers, thousands separators.

export type Cell = string | number | undefined;

export function fmt(value: Cell, digits = 0): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Renders rows under a header; numeric cells are right-aligned. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const text = rows.map((row) => row.map((c) => (typeof c === 'number' ? fmt(c, Math.abs(c) < 10 && !Number.isInteger(c) ? 2 : 0) : fmt(c))));
  const widths = header.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => r[i] === undefined || typeof r[i] === 'number'));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...text.map(line)].join('\n');
}

/** "1.23× (a / b)" style ratio text with both raw numbers. */
export function ratioText(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}
