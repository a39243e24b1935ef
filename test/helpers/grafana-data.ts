// @grafana/data, the frontend's own decoder, loaded through its CommonJS build (its ESM build does not
// load on Node). Used to prove every message livehub sends decodes the way Grafana's panels decode it.

import { createRequire } from 'node:module';

export interface DataFrameLike {
  readonly name?: string;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: string; readonly values: ArrayLike<unknown>; readonly labels?: Record<string, string> }>;
  readonly length: number;
}

export interface StreamingFrame extends DataFrameLike {
  push(message: unknown): unknown;
}

interface GrafanaData {
  dataFrameFromJSON(json: unknown): DataFrameLike;
  StreamingDataFrame: { fromDataFrameJSON(json: unknown, opts?: Record<string, unknown>): StreamingFrame };
}

export const grafanaData = createRequire(import.meta.url)('@grafana/data') as GrafanaData;
