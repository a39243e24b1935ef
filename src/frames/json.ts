// Deterministic encoder for Grafana's data-frame JSON (grafana-plugin-sdk-go `data/frame_json.go`):
// key order, omitted-when-empty rules, epoch-ms times with `nanos`, NaN/±Inf as null plus
// `entities`, and Go's text for numbers and strings. Schema and data are encoded once and glued
// into the full, schema-only and data-only messages, whose schema bytes the frame cache compares.

import { type Cell, type DataFrame, FRAME_ITEM_TYPE, type FrameField, type Labels, rowCount } from './data-frame.js';

/** The three wire forms of one frame, sharing one encoding of schema and data. */
export interface EncodedFrame {
  /** `{"schema":S}` — what the frame cache compares and stores as `schema`. */
  schema: string;
  /** `{"data":D}` — published when the schema is unchanged. */
  data: string;
  /** `{"schema":S,"data":D}` — published on schema change, cached as `frame`. */
  full: string;
}

const HEX = '0123456789abcdef';

/** Go's escape for one char code that needs it (`"`, `\`, or a control character). */
function escapeChar(c: number): string {
  switch (c) {
    case 34:
      return '\\"';
    case 92:
      return '\\\\';
    case 10:
      return '\\n';
    case 13:
      return '\\r';
    case 9:
      return '\\t';
    default:
      return '\\u00' + HEX[c >> 4]! + HEX[c & 15]!;
  }
}

/**
 * A JSON string literal as the SDK's jsoniter `WriteString` writes it: only `"`, `\` and control
 * characters are escaped (`\n`, `\r`, `\t`, else `\u00xx`); no HTML escaping. (JSON.stringify
 * differs only in writing `\b` and `\f`.)
 */
export function jsonString(s: string): string {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) return jsonStringSlow(s, i);
  }
  return '"' + s + '"';
}

function jsonStringSlow(s: string, from: number): string {
  let out = '"' + s.slice(0, from);
  let chunk = from;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) {
      out += s.slice(chunk, i) + escapeChar(c);
      chunk = i + 1;
    }
  }
  return out + s.slice(chunk) + '"';
}

/**
 * A finite float64 as Go writes it in frame JSON (jsoniter WriteFloat64). For every finite value
 * this equals JavaScript's shortest text, except that Go keeps the sign of −0.
 */
export function jsonNumber(v: number): string {
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  return '' + v;
}

/** Label sets are shared by every field of a line (and across lines via TagSetCache). */
const labelsJsonMemo = new WeakMap<Labels, string>();

function labelsJson(labels: Labels): string {
  const memo = labelsJsonMemo.get(labels);
  if (memo !== undefined) return memo;
  const json = labelsJsonUncached(labels);
  labelsJsonMemo.set(labels, json);
  return json;
}

function labelsJsonUncached(labels: Labels): string {
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    const [k, v] = labels[i]!;
    if (i > 0) out += ',';
    out += jsonString(k) + ':' + jsonString(v);
  }
  return out + '}';
}

/**
 * Schema text of labelled fields, by label set and name: wide frames repeat the same series
 * (field × label set) in every frame of a batch.
 */
const fieldJsonMemo = new WeakMap<Labels, Map<string, { type: string; nullable: boolean; json: string }>>();

function fieldSchemaJson(f: FrameField): string {
  const labels = f.labels;
  if (labels === undefined) return fieldSchemaJsonUncached(f);
  let byName = fieldJsonMemo.get(labels);
  if (byName === undefined) {
    byName = new Map();
    fieldJsonMemo.set(labels, byName);
  }
  const hit = byName.get(f.name);
  if (hit !== undefined && hit.type === f.type && hit.nullable === f.nullable) return hit.json;
  const json = fieldSchemaJsonUncached(f);
  byName.set(f.name, { type: f.type, nullable: f.nullable, json });
  return json;
}

function fieldSchemaJsonUncached(f: FrameField): string {
  let out = '{';
  if (f.name.length > 0) out += '"name":' + jsonString(f.name) + ',';
  out += '"type":"' + f.type + '","typeInfo":{"frame":"' + FRAME_ITEM_TYPE[f.type] + '"';
  out += f.nullable ? ',"nullable":true}' : '}';
  if (f.labels !== undefined) out += ',"labels":' + labelsJson(f.labels);
  return out + '}';
}

/** The schema object S (without the `{"schema":…}` wrapper). */
export function encodeSchema(frame: DataFrame): string {
  // Parts joined once: one flat string instead of a deep tree of concatenations.
  const fields = frame.fields;
  const parts = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) parts[i] = fieldSchemaJson(fields[i]!);
  const head = frame.name.length > 0 ? '{"name":' + jsonString(frame.name) + ',"fields":[' : '{"fields":[';
  return head + parts.join(',') + ']}';
}

/** Entity rows of one number field: NaN, +Inf and −Inf positions (written as null in values). */
interface Entities {
  nan: number[];
  inf: number[];
  negInf: number[];
}

function entitiesJson(e: Entities): string {
  const parts: string[] = [];
  if (e.nan.length > 0) parts.push('"NaN":[' + e.nan.join(',') + ']');
  if (e.inf.length > 0) parts.push('"Inf":[' + e.inf.join(',') + ']');
  if (e.negInf.length > 0) parts.push('"NegInf":[' + e.negInf.join(',') + ']');
  return '{' + parts.join(',') + '}';
}

function numberColumn(values: Cell[], rows: number, fieldIndex: number, entities: (Entities | null)[]): string {
  let out = '[';
  for (let r = 0; r < rows; r++) {
    if (r > 0) out += ',';
    const v = values[r];
    if (typeof v !== 'number') {
      out += 'null';
    } else if (v - v === 0) {
      out += v === 0 ? (Object.is(v, -0) ? '-0' : '0') : '' + v;
    } else {
      // NaN or ±Inf: JSON has no such numbers; the SDK writes null and lists the row.
      out += 'null';
      let e = entities[fieldIndex];
      if (e === null || e === undefined) {
        e = { nan: [], inf: [], negInf: [] };
        entities[fieldIndex] = e;
      }
      (v !== v ? e.nan : v > 0 ? e.inf : e.negInf).push(r);
    }
  }
  return out + ']';
}

function timeColumn(values: Cell[], rows: number): string {
  let out = '[';
  for (let r = 0; r < rows; r++) {
    if (r > 0) out += ',';
    const v = values[r];
    out += typeof v === 'number' ? '' + v : 'null';
  }
  return out + ']';
}

function stringColumn(values: Cell[], rows: number): string {
  let out = '[';
  let prev: Cell = null;
  let prevJson = 'null';
  for (let r = 0; r < rows; r++) {
    if (r > 0) out += ',';
    const v = values[r];
    if (typeof v !== 'string') {
      out += 'null';
    } else {
      // Runs of equal strings (a host's label set, a repeated state) are escaped once.
      if (v !== prev) {
        prev = v;
        prevJson = jsonString(v);
      }
      out += prevJson;
    }
  }
  return out + ']';
}

function boolColumn(values: Cell[], rows: number): string {
  let out = '[';
  for (let r = 0; r < rows; r++) {
    if (r > 0) out += ',';
    const v = values[r];
    out += v === true ? 'true' : v === false ? 'false' : 'null';
  }
  return out + ']';
}

/** The data object D (without the `{"data":…}` wrapper). */
export function encodeData(frame: DataFrame): string {
  const rows = rowCount(frame);
  const fields = frame.fields;
  const entities: (Entities | null)[] = [];
  let nanos: (number[] | null)[] | undefined;
  const columns = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    entities.push(null);
    switch (f.type) {
      case 'time': {
        columns[i] = timeColumn(f.values, rows);
        const ns = f.nanos;
        if (ns !== undefined) {
          let any = false;
          for (let r = 0; r < rows; r++) {
            if (ns[r]) {
              any = true;
              break;
            }
          }
          if (any) {
            nanos ??= [];
            nanos[i] = ns.length === rows ? ns : Array.from({ length: rows }, (_, r) => ns[r] ?? 0);
          }
        }
        break;
      }
      case 'number':
        columns[i] = numberColumn(f.values, rows, i, entities);
        break;
      case 'string':
        columns[i] = stringColumn(f.values, rows);
        break;
      case 'boolean':
        columns[i] = boolColumn(f.values, rows);
        break;
    }
  }
  let out = '{"values":[' + columns.join(',') + ']';
  if (entities.some((e) => e !== null)) {
    out += ',"entities":[' + entities.map((e) => (e === null ? 'null' : entitiesJson(e))).join(',') + ']';
  }
  if (nanos !== undefined) {
    let list = '';
    for (let i = 0; i < fields.length; i++) {
      const ns = nanos[i];
      list += (i > 0 ? ',' : '') + (ns === undefined || ns === null ? 'null' : '[' + ns.join(',') + ']');
    }
    out += ',"nanos":[' + list + ']';
  }
  return out + '}';
}

/** Encodes schema and data once and returns all three messages. */
export function encodeFrame(frame: DataFrame): EncodedFrame {
  const s = encodeSchema(frame);
  const d = encodeData(frame);
  return {
    schema: '{"schema":' + s + '}',
    data: '{"data":' + d + '}',
    full: '{"schema":' + s + ',"data":' + d + '}',
  };
}

/** `{"schema":S,"data":D}` of one frame. */
export function frameToJson(frame: DataFrame): string {
  return '{"schema":' + encodeSchema(frame) + ',"data":' + encodeData(frame) + '}';
}
