// Entry points from a parsed batch (or raw body) to frames in the requested Grafana mode.

import type { Buffer } from 'node:buffer';

import { parseLineProtocol } from '../influx/parser.js';
import type { LineBatch, ParseOptions } from '../influx/types.js';
import type { FrameFormat } from './format.js';
import type { MeasurementFrame } from './frame.js';
import { toLabelsColumnFrames } from './labels-column.js';
import { toWideFrames } from './wide.js';

/** Frames for a parsed batch, in publication order. */
export function convertToFrames(batch: LineBatch, format: FrameFormat): MeasurementFrame[] {
  return format === 'wide' ? toWideFrames(batch) : toLabelsColumnFrames(batch);
}

/**
 * Parses a whole body and converts it (throws LineProtocolError before producing anything when
 * any line is bad).
 */
export function lineProtocolToFrames(
  body: Buffer | Uint8Array | string,
  format: FrameFormat,
  options: ParseOptions = {},
): MeasurementFrame[] {
  return convertToFrames(parseLineProtocol(body, options), format);
}
