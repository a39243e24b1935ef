// The client-side streaming buffer of one channel (Grafana's StreamingDataFrame, simplified): a
// message with a schema resets it, a data-only message appends; each series keeps its last N points.
// Pure (no DOM), and produces the aligned columns uPlot draws.

import { frameToSeries, parseFrameMessage, seriesLabel, type FrameSchema } from './frame-series.js';

export interface SeriesInfo {
  readonly key: string;
  readonly label: string;
  readonly points: number;
}

export type ApplyResult =
  | { readonly kind: 'reset' | 'append'; readonly series: number }
  | { readonly kind: 'ignored'; readonly reason: string };

/** uPlot's AlignedData: shared x (epoch ms) first, then one column per series (null = no value). */
export type AlignedColumns = [number[], ...(number | null)[][]];

interface Series {
  readonly key: string;
  readonly label: string;
  readonly times: number[];
  readonly values: (number | null)[];
}

export class SeriesStore {
  private schema: FrameSchema | undefined;
  private readonly series = new Map<string, Series>();

  constructor(readonly maxPoints = 300) {}

  get frameName(): string | undefined {
    return this.schema?.name;
  }

  /** Applies a publication or the subscribe's initial data (untrusted JSON). */
  apply(raw: unknown): ApplyResult {
    const message = parseFrameMessage(raw);
    if (message === undefined) return { kind: 'ignored', reason: 'not a data frame' };
    if (message.schema !== undefined) {
      // A new schema means the columns may have changed meaning: start over, as Grafana does.
      this.schema = message.schema;
      this.series.clear();
    }
    if (this.schema === undefined) return { kind: 'ignored', reason: 'data before any schema' };
    const kind = message.schema !== undefined ? 'reset' : 'append';
    if (message.data === undefined) return { kind, series: this.series.size };
    const converted = frameToSeries(this.schema, message.data);
    if (!converted.ok) return { kind: 'ignored', reason: converted.error };
    for (const rows of converted.series) {
      let series = this.series.get(rows.key);
      if (series === undefined) {
        series = { key: rows.key, label: seriesLabel(rows.field, rows.labels), times: [], values: [] };
        this.series.set(rows.key, series);
      }
      series.times.push(...rows.times);
      series.values.push(...rows.values);
      const excess = series.times.length - this.maxPoints;
      if (excess > 0) {
        series.times.splice(0, excess);
        series.values.splice(0, excess);
      }
    }
    return { kind, series: this.series.size };
  }

  clear(): void {
    this.schema = undefined;
    this.series.clear();
  }

  list(): SeriesInfo[] {
    return [...this.series.values()].map((s) => ({ key: s.key, label: s.label, points: s.times.length }));
  }

  /**
   * Joins all series on the union of their timestamps (sorted ascending, as uPlot requires);
   * a series without a value at a time gets null there.
   */
  aligned(): AlignedColumns {
    const all = [...this.series.values()];
    const times = [...new Set(all.flatMap((s) => s.times))].sort((a, b) => a - b);
    const columns = all.map((s) => {
      const byTime = new Map<number, number | null>();
      // Later rows win for a repeated timestamp (e.g. a re-sent batch).
      s.times.forEach((t, i) => byTime.set(t, s.values[i] ?? null));
      return times.map((t) => byTime.get(t) ?? null);
    });
    return [times, ...columns];
  }
}
