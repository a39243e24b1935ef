// Public surface of the line-protocol parser (the pure core of the Telegraf push path).
// The HTTP/WS push handlers import from here; nothing in this folder does I/O.

export { compareUtf8 } from './compare.js';
export { type BatchLimit, BatchLimitError, LineProtocolError } from './errors.js';
export { parseLineProtocol } from './parser.js';
export { pointAt, pointsOf } from './points.js';
export { defaultTimestamp, parsePrecision, splitNanoseconds, toNanoseconds } from './precision.js';
export {
  FieldKind,
  type Field,
  type FieldValue,
  type LineBatch,
  type ParseOptions,
  type Point,
  type Precision,
  type Tag,
  type Timestamp,
} from './types.js';
