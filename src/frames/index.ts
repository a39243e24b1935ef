// Public surface of the data-frame side of the Telegraf path: conversion of parsed line protocol
// into Grafana frames and their wire JSON. Pure functions; publishing is the caller's job.

export { convertToFrames, lineProtocolToFrames } from './convert.js';
export { type FrameFormat, parseFrameFormat } from './format.js';
export {
  type Cell,
  type DataFrame,
  FRAME_ITEM_TYPE,
  type FieldType,
  type FrameField,
  type Labels,
  type MeasurementFrame,
  rowCount,
} from './data-frame.js';
export { goFormatFloat, goFormatValue } from './go-format.js';
export { type EncodedFrame, encodeData, encodeFrame, encodeSchema, frameToJson, jsonNumber, jsonString } from './json.js';
export { collectLabelsColumn, toLabelsColumnFrames } from './labels-column.js';
export { type FrameLimits, NO_FRAME_LIMITS } from './limits.js';
export { toWideFrames } from './wide.js';
