// Query parameters of both push endpoints: gf_live_frame_format (labels_column | wide, case-
// insensitive) and livehub's precision (ns | us | ms | s; Grafana only takes nanoseconds).

import { parseFrameFormat } from '../../frames/index.js';
import { parsePrecision } from '../../influx/precision.js';
import type { PushOptions } from './push-service.js';

export function pushOptions(url: URL): PushOptions | { readonly error: string } {
  const formatParam = url.searchParams.get('gf_live_frame_format');
  const format = parseFrameFormat(formatParam);
  if (format === undefined) return { error: `unsupported gf_live_frame_format "${formatParam}": use labels_column or wide` };
  const precisionParam = url.searchParams.get('precision');
  const precision = parsePrecision(precisionParam);
  if (precision === undefined) return { error: `unsupported precision "${precisionParam}": use ns, us, ms or s` };
  return { format, precision };
}
