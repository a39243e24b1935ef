// Entry points from a parsed batch (or raw body) to frames in the requested Grafana mode.

import type { Buffer } from 'node:buffer';

import { parseLineProtocol } from '../influx/parser.js';
import type { LineBatch, ParseOptions } from '../influx/types.js';
import type { FrameFormat } from './format.js';
import type { MeasurementFrame } from './data-frame.js';
import { toLabelsColumnFrames } from './labels-column.js';
import { type FrameLimits, NO_FRAME_LIMITS } from './limits.js';
import { toWideFrames } from './wide.js';

/** Frames for a parsed batch, in publication order (BatchLimitError when over `limits`). */
export function convertToFrames(batch: LineBatch, format: FrameFormat, limits: FrameLimits = NO_FRAME_LIMITS): MeasurementFrame[] {
  return format === 'wide' ? toWideFrames(batch, limits) : toLabelsColumnFrames(batch, limits);
}

/**
 * Parses a whole body and converts it (throws LineProtocolError before producing anything when
 * any line is bad, BatchLimitError when the body or its frames pass a bound).
 */
export function lineProtocolToFrames(
  body: Buffer | Uint8Array | string,
  format: FrameFormat,
  options: ParseOptions = {},
  limits: FrameLimits = NO_FRAME_LIMITS,
): MeasurementFrame[] {
  return convertToFrames(parseLineProtocol(body, options), format, limits);
}
