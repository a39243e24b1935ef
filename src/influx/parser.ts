// InfluxDB line-protocol parser with the semantics of the v2 reference decoder
// (github.com/influxdata/line-protocol/v2 `lineprotocol`, which produced the conformance corpus).
// It walks char codes of one decoded string, slices tokens (unescaping only when a backslash
// escape was seen) and fills a columnar LineBatch. The first bad line throws LineProtocolError,
// so nothing of a bad batch is ever published. One entry is read in this order: skipToEntry →
// scanMeasurement / readMeasurement → the tag list (in parseText) → readFieldSeparator → orderTags
// → the field list (in parseText; readSlowNumber, readStringValue, readBoolValue) → readLineEnd.
// Each phase takes the position and returns the next one.

import { Buffer, isUtf8 } from 'node:buffer';

import { Char, endsValue, isDigit } from './chars.js';
import { compareUtf8 } from './compare.js';
import { BatchLimitError, LineProtocolError } from './errors.js';
import { EscapeSet, unescapeRange } from './escape.js';
import { parseGoBool, parseGoFloat, parseGoInt, parseGoUint } from './numbers.js';
import { defaultTimestamp, scaleTimestamp } from './precision.js';
import { decodeByteToken, positionOf, prepareSource } from './source.js';
import { FieldKind, type LineBatch, type ParseOptions, type Precision, type Timestamp } from './types.js';

// Side results of the scanners, kept in module variables so the hot path allocates no tuples.
// `var`, not `let`: Node 20's V8 checks a module `let` for its temporal dead zone on every read from
// a function, which cost 8% of the parse (callgrind instruction counts).
/** The last scanned token contained a backslash escape. */
var scanEscaped = false;
/** OR of the last scanned token's char codes: > 0x7f means non-ASCII. */
var scanBits = 0;
/** Timestamp produced by parseTimestamp. */
var tsMs = 0;
var tsNanos = 0;

/** Integers up to 2^53 − 1 are exact doubles (a literal: the hot path reads no property). */
const MAX_EXACT_INTEGER = 9007199254740991;

/** Exact powers of ten as doubles (10^22 is the largest exactly representable one). */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

function fail(s: string, bytes: boolean, pos: number, reason: string): never {
  const { line, column } = positionOf(s, bytes, pos);
  throw new LineProtocolError(line, column, reason);
}

/** Human-readable name of the character at `pos` (or end of input) for error messages. */
function describeAt(s: string, pos: number): string {
  if (pos >= s.length) return 'end of input';
  const c = s.codePointAt(pos) ?? 0;
  if (c === Char.Space) return 'white space';
  if (c === Char.LineFeed) return "'\\n'";
  if (c === Char.CarriageReturn) return "'\\r'";
  if (c === Char.Tab) return "'\\t'";
  if (c < Char.Space || c === Char.Delete) return `control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCodePoint(c)}'`;
}

/** Quotes a token for an error message. */
function q(token: string): string {
  return JSON.stringify(token);
}

// Three scanners that look alike on purpose: one table-driven scanner for all three token kinds
// costs 9% more instructions per batch (callgrind, bench/ingest-data batch); the ingest path is
// the hot one.

/** Measurement: anything but `,`, space and control characters (so `=` is allowed). */
function scanMeasurement(s: string, p: number, n: number): number {
  let esc = false;
  let bits = 0;
  while (p < n) {
    const c = s.charCodeAt(p);
    if (c === Char.Backslash) {
      if (p + 1 >= n) {
        p = n; // a trailing backslash is kept literally
        break;
      }
      const d = s.charCodeAt(p + 1);
      if (d === Char.Space || d === Char.Comma) {
        esc = true;
        bits |= d;
        p += 2;
        continue;
      }
      p++;
      continue;
    }
    if (c <= Char.Space || c === Char.Comma || c === Char.Delete) break;
    bits |= c;
    p++;
  }
  scanEscaped = esc;
  scanBits = bits;
  return p;
}

const ENDS_KEY = 1;
const ESCAPES = 2;
/**
 * Per ASCII code: ENDS_KEY = ends a tag key, tag value or field key (`,`, `=`, space, controls,
 * DEL), ESCAPES = backslash. Codes ≥ 128 never end a token.
 */
const KEY_CLASS = new Uint8Array(128);
for (let c = 0; c <= Char.Space; c++) KEY_CLASS[c] = ENDS_KEY;
KEY_CLASS[Char.Comma] = ENDS_KEY;
KEY_CLASS[Char.Equals] = ENDS_KEY;
KEY_CLASS[Char.Delete] = ENDS_KEY;
KEY_CLASS[Char.Backslash] = ESCAPES;

/** `\,`, `\=` and `\ ` are the escapes of keys and tag values. */
function escapableInKey(d: number): boolean {
  return d === Char.Comma || d === Char.Equals || d === Char.Space;
}

/** Tag keys and field keys: anything but `,`, `=`, space and control characters. */
function scanKey(s: string, p: number, n: number): number {
  let esc = false;
  let bits = 0;
  while (p < n) {
    const c = s.charCodeAt(p);
    const cls = c < 128 ? KEY_CLASS[c]! : 0;
    if (cls === 0) {
      bits |= c;
      p++;
      continue;
    }
    if (cls === ESCAPES) {
      if (p + 1 >= n) {
        p = n;
        break;
      }
      const d = s.charCodeAt(p + 1);
      if (escapableInKey(d)) {
        esc = true;
        bits |= d;
        p += 2;
        continue;
      }
      p++;
      continue;
    }
    break;
  }
  scanEscaped = esc;
  scanBits = bits;
  return p;
}

/**
 * Tag values: like keys, except that control characters other than CR and LF are allowed (the
 * reference parser version behind the corpus accepts `m,k=x\x01y v=1`).
 */
function scanTagValue(s: string, p: number, n: number): number {
  let esc = false;
  let bits = 0;
  while (p < n) {
    const c = s.charCodeAt(p);
    if (c === Char.Backslash) {
      if (p + 1 >= n) {
        p = n;
        break;
      }
      const d = s.charCodeAt(p + 1);
      if (escapableInKey(d)) {
        esc = true;
        bits |= d;
        p += 2;
        continue;
      }
      p++;
      continue;
    }
    if (c === Char.Comma || c === Char.Equals || c === Char.Space || c === Char.LineFeed || c === Char.CarriageReturn) break;
    bits |= c;
    p++;
  }
  scanEscaped = esc;
  scanBits = bits;
  return p;
}

/** Body of a quoted string starting after the opening quote; returns the closing quote's index or n. */
function scanString(s: string, p: number, n: number): number {
  let esc = false;
  let bits = 0;
  while (p < n) {
    const c = s.charCodeAt(p);
    if (c === Char.Quote) break;
    if (c === Char.Backslash && p + 1 < n) {
      const d = s.charCodeAt(p + 1);
      if (d === Char.Quote || d === Char.Backslash) {
        esc = true;
        p += 2;
        continue;
      }
    }
    bits |= c;
    p++;
  }
  scanEscaped = esc;
  scanBits = bits;
  return p;
}

/** Unquoted field values run to `,`, space, CR or LF (tabs included, which later fail to parse). */
function scanValue(s: string, p: number, n: number): number {
  while (p < n) {
    const c = s.charCodeAt(p);
    if (c === Char.Comma || c === Char.Space || c === Char.LineFeed || c === Char.CarriageReturn) break;
    p++;
  }
  return p;
}

/** Index just past the last number scanned by scanNumber, and its kind. */
var numEnd = 0;
var numKind: FieldKind = FieldKind.Float;

/**
 * One pass over a numeric field value starting at `start`, for the common spellings: plain
 * decimals (→ Float) and `-?digits` with an `i` / `u` suffix (→ Int / Uint, ≤ 15 significant
 * digits). Sets numEnd / numKind. NaN = anything else (exponents, long integers, junk): the caller
 * then takes the Go-compatible slow path.
 */
function scanNumber(s: string, start: number, n: number): number {
  let p = start;
  const neg = s.charCodeAt(p) === Char.Minus;
  if (neg) p++;
  // Integer part, then an optional fraction. `m` stays exact while it is below 2^53 (digits only
  // add), which is all the fast path needs; larger mantissas take Number() or the slow path.
  let m = 0;
  let c = 0;
  const intStart = p;
  for (; p < n; p++) {
    c = s.charCodeAt(p);
    if (c < Char.Digit0 || c > Char.Digit9) break;
    m = m * 10 + (c - Char.Digit0);
  }
  let digits = p - intStart;
  let frac = -1;
  if (c === Char.Dot && p < n) {
    const fracStart = ++p;
    for (; p < n; p++) {
      c = s.charCodeAt(p);
      if (c < Char.Digit0 || c > Char.Digit9) break;
      m = m * 10 + (c - Char.Digit0);
    }
    frac = p - fracStart;
    digits += frac;
  }
  if (p < n && c !== Char.Comma && c !== Char.Space && c !== Char.LineFeed && c !== Char.CarriageReturn) {
    if (c !== Char.LowerI && c !== Char.LowerU) return NaN;
    // `i` / `u` must end the value.
    const q = p + 1;
    if (q < n && !endsValue(s.charCodeAt(q))) return NaN;
    if (frac >= 0 || digits === 0 || m > MAX_EXACT_INTEGER || (neg && c === Char.LowerU)) return NaN;
    numEnd = q;
    numKind = c === Char.LowerI ? FieldKind.Int : FieldKind.Uint;
    return neg ? 0 - m : m; // 0 - m: never -0
  }
  numEnd = p;
  numKind = FieldKind.Float;
  if (digits === 0) return NaN;
  if (m > MAX_EXACT_INTEGER || frac > 22) {
    // Telegraf writes full float64 precision (17 digits); Number() rounds like Go.
    const v = Number(s.slice(start, p));
    return v - v === 0 ? v : NaN; // overflow to ±Inf: the slow path reports the range error
  }
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

/**
 * Numeric value `s[start, end)` that scanNumber did not take: Go strconv rules decide (`i` →
 * ParseInt, `u` → ParseUint, else ParseFloat). Sets numKind; throws on bad syntax or range.
 */
function slowNumber(s: string, bytes: boolean, start: number, end: number, key: string): number | bigint {
  const last = s.charCodeAt(end - 1);
  if (last === Char.LowerI || last === Char.LowerU) {
    const signed = last === Char.LowerI;
    const v = signed ? parseGoInt(s.slice(start, end - 1)) : parseGoUint(s.slice(start, end - 1));
    if (typeof v === 'string') {
      const what = signed ? 'integer' : 'unsigned integer';
      fail(
        s,
        bytes,
        start,
        v === 'range'
          ? `${what} value ${s.slice(start, end)} out of range for field ${q(key)}`
          : `invalid ${what} value ${q(s.slice(start, end))} for field ${q(key)}`,
      );
    }
    numKind = signed ? FieldKind.Int : FieldKind.Uint;
    return v;
  }
  const v = parseGoFloat(s.slice(start, end));
  if (typeof v === 'string') {
    fail(
      s,
      bytes,
      start,
      v === 'range'
        ? `float value ${s.slice(start, end)} out of range for field ${q(key)}`
        : `invalid float value ${q(s.slice(start, end))} for field ${q(key)}`,
    );
  }
  numKind = FieldKind.Float;
  return v;
}

/**
 * Timestamp `s[a, b)` (chars already limited to `-` and digits) → tsMs / tsNanos.
 * Returns 0 on success, 1 for bad syntax, 2 when outside the int64 nanosecond range.
 */
function parseTimestamp(s: string, a: number, b: number, precision: Precision): number {
  let i = a;
  const neg = s.charCodeAt(i) === Char.Minus;
  if (neg) i++;
  if (i >= b) return 1;
  for (let j = i; j < b; j++) if (!isDigit(s.charCodeAt(j))) return 1;
  if (precision !== 'ns') {
    const t = scaleTimestamp(s.slice(a, b), precision);
    if (t === undefined) return 2;
    tsMs = t.ms;
    tsNanos = t.nanos;
    return 0;
  }
  while (i < b && s.charCodeAt(i) === Char.Digit0) i++;
  const digits = b - i;
  if (digits > 19) return 2;
  // Split into milliseconds (all but the last six digits) and the nanosecond remainder.
  const split = b - 6 > i ? b - 6 : i;
  let hi = 0;
  for (let j = i; j < split; j++) hi = hi * 10 + (s.charCodeAt(j) - Char.Digit0);
  let lo = 0;
  for (let j = split; j < b; j++) lo = lo * 10 + (s.charCodeAt(j) - Char.Digit0);
  if (digits === 19 && hi >= 9223372036854) {
    // int64 is −9223372036854775808 … 9223372036854775807
    if (hi > 9223372036854 || lo > (neg ? 775808 : 775807)) return 2;
  }
  if (!neg) {
    tsMs = hi;
    tsNanos = lo;
  } else if (lo === 0) {
    tsMs = 0 - hi;
    tsNanos = 0;
  } else {
    tsMs = -hi - 1;
    tsNanos = 1_000_000 - lo;
  }
  return 0;
}

/** Slices (and if needed unescapes / validates) a token; undefined = invalid UTF-8 (byte mode). */
function takeToken(
  s: string,
  start: number,
  end: number,
  set: EscapeSet,
  escaped: boolean,
  bits: number,
  bytes: boolean,
): string | undefined {
  const t = escaped ? unescapeRange(s, start, end, set) : s.slice(start, end);
  return bytes && bits > 0x7f ? decodeByteToken(t) : t;
}

/** Above this many tags a line is sorted by Array#sort: insertion sort is quadratic on reversed input. */
const INSERTION_SORT_MAX = 16;

/** Sorts the tags of one point in place (insertion sort: Telegraf already sends them sorted). */
function sortTags(keys: string[], values: string[], pos: number[], from: number, to: number, exact: boolean): void {
  if (to - from > INSERTION_SORT_MAX) return sortManyTags(keys, values, pos, from, to, exact);
  for (let i = from + 1; i < to; i++) {
    const k = keys[i]!;
    const v = values[i]!;
    const kp = pos[i - from]!;
    let j = i - 1;
    while (j >= from && (exact ? compareUtf8(keys[j]!, k) > 0 : keys[j]! > k)) {
      keys[j + 1] = keys[j]!;
      values[j + 1] = values[j]!;
      pos[j + 1 - from] = pos[j - from]!;
      j--;
    }
    keys[j + 1] = k;
    values[j + 1] = v;
    pos[j + 1 - from] = kp;
  }
}

/** sortTags for long tag lists: O(n log n) whatever the input order. */
function sortManyTags(keys: string[], values: string[], pos: number[], from: number, to: number, exact: boolean): void {
  const n = to - from;
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = from + i;
  order.sort(exact ? (a, b) => compareUtf8(keys[a]!, keys[b]!) : (a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const k = order.map((i) => keys[i]!);
  const v = order.map((i) => values[i]!);
  const p = order.map((i) => pos[i - from]!);
  for (let i = 0; i < n; i++) {
    keys[from + i] = k[i]!;
    values[from + i] = v[i]!;
    pos[i] = p[i]!;
  }
}

/** Size bounds of one parse (see ParseOptions); Infinity when unbounded. */
interface Bounds {
  readonly points: number;
  readonly values: number;
}

function tooManyPoints(max: number): never {
  throw new BatchLimitError('rows', max, `the push has more than ${max} lines`);
}

function tooManyValues(max: number): never {
  throw new BatchLimitError('values', max, `the push has more than ${max} tag and field values`);
}

/** Creates an empty, open batch (offset arrays not yet closed; see finish). */
function emptyBatch(): LineBatch {
  return {
    length: 0,
    measurements: [],
    tagStart: [],
    tagKeys: [],
    tagValues: [],
    fieldStart: [],
    fieldKeys: [],
    fieldKinds: [],
    fieldValues: [],
    timeMs: [],
    timeNanos: [],
  };
}

/** Bodies above this are decoded and parsed in line-aligned chunks (see parseLineProtocol). */
const CHUNK_BYTES = 32 * 1024;

/**
 * Parses a whole line-protocol body. Accepts the raw request body (Buffer / Uint8Array: UTF-8
 * checked like the reference parser) or an already decoded string. Throws LineProtocolError
 * for the first malformed line; otherwise every line's point is in the returned batch.
 */
export function parseLineProtocol(input: Buffer | Uint8Array | string, options: ParseOptions = {}): LineBatch {
  const precision: Precision = options.precision ?? 'ns';
  const def = defaultTimestamp(options.defaultTime, precision);
  const bounds: Bounds = { points: options.maxPoints ?? Infinity, values: options.maxValues ?? Infinity };
  if (typeof input !== 'string' && input.length > 2 * CHUNK_BYTES) {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (isUtf8(buf)) {
      // Strings over ~128 KiB live in V8's large-object space, where creating one costs far more
      // than decoding the same bytes as small strings. Chunks end after a '\n', which never
      // splits a UTF-8 sequence and, outside quoted strings, always ends an entry; a quoted
      // string that does span a boundary makes its chunk fail, and the error path below
      // re-parses the whole body as one string (which also gives exact error positions).
      const out = emptyBatch();
      try {
        let start = 0;
        while (start < buf.length) {
          const nl = buf.indexOf(Char.LineFeed, start + CHUNK_BYTES);
          const end = nl === -1 ? buf.length : nl + 1;
          parseText(buf.toString('utf8', start, end), false, precision, def, out, bounds);
          start = end;
        }
        return finish(out);
      } catch (err) {
        // A limit error is real: every chunk before this one parsed, so this one starts at a line,
        // and a chunk that cuts a quoted string fails with a syntax error before it gets further.
        if (!(err instanceof LineProtocolError)) throw err;
      }
    }
  }
  const { text, bytes } = prepareSource(input);
  const out = emptyBatch();
  parseText(text, bytes, precision, def, out, bounds);
  return finish(out);
}

/** Closes the offset arrays (each gets its `length + 1`-th entry). */
function finish(out: LineBatch): LineBatch {
  out.tagStart.push(out.tagKeys.length);
  out.fieldStart.push(out.fieldKeys.length);
  out.length = out.measurements.length;
  return out;
}

/** Set by readLineEnd: the entry had a timestamp (in tsMs / tsNanos). */
var entryHasTime = false;

/**
 * Parses the entries of `s`, appending them to `out`. The tag list and the field list are read
 * here, not in phase functions of their own: they run per token, and as separate functions they
 * are too large for V8 to inline into this loop — 18 % fewer lines per second in the ingest
 * benchmark (measured against the inline version, docs/performance.md "ingest"). Everything else
 * an entry has (leading blank lines and comments, the measurement, the field separator, tag
 * ordering, string / bool / slow-number values, the timestamp and line end) is a phase below.
 */
function parseText(s: string, bytes: boolean, precision: Precision, def: Timestamp, out: LineBatch, bounds: Bounds): void {
  const n = s.length;
  const maxPoints = bounds.points;
  const maxValues = bounds.values;
  const { measurements, tagStart, tagKeys, tagValues, fieldStart, fieldKeys, fieldKinds, fieldValues, timeMs, timeNanos } = out;
  /** Input positions of the current point's tag keys, for the duplicate-key error. */
  const tagPos: number[] = [];
  let p = skipToEntry(s, 0, n, bytes);
  while (p < n) {
    const mStart = p;
    p = scanMeasurement(s, p, n);
    const measurement = readMeasurement(s, mStart, p, bytes);

    // Tags: `,key=value…`, appended in key order.
    const t0 = tagKeys.length;
    let tagsOutOfOrder = false;
    let tagsNeedExactOrder = false;
    if (p < n && s.charCodeAt(p) === Char.Comma) {
      p++;
      for (;;) {
        if (p >= n) fail(s, bytes, p, "expected tag key after ',', found end of input");
        const c = s.charCodeAt(p);
        if (c === Char.Space || c === Char.LineFeed || c === Char.CarriageReturn) fail(s, bytes, p, "expected tag key after ',', found white space");
        const kStart = p;
        p = scanKey(s, p, n);
        if (p === kStart) fail(s, bytes, p, `expected tag key, found ${describeAt(s, p)}`);
        const key = takeToken(s, kStart, p, EscapeSet.Key, scanEscaped, scanBits, bytes);
        if (key === undefined) fail(s, bytes, kStart, 'invalid UTF-8 in tag key');
        // UTF-16 order equals UTF-8 byte order unless surrogates meet U+E000…U+FFFF (in byte mode
        // the decoded key may hold any character).
        if (scanBits >= 0xd800 || (bytes && scanBits > 0x7f)) tagsNeedExactOrder = true;
        if (p >= n || s.charCodeAt(p) !== Char.Equals) fail(s, bytes, p, `expected '=' after tag key ${q(key)}, found ${describeAt(s, p)}`);
        p++;
        const vStart = p;
        p = scanTagValue(s, p, n);
        if (p === vStart) fail(s, bytes, p, `expected tag value after tag key ${q(key)}, found ${describeAt(s, p)}`);
        const value = takeToken(s, vStart, p, EscapeSet.Key, scanEscaped, scanBits, bytes);
        if (value === undefined) fail(s, bytes, vStart, `invalid UTF-8 in value of tag ${q(key)}`);
        tagPos[tagKeys.length - t0] = kStart;
        // Telegraf sends tags sorted: track it, so sorting and the duplicate check can be skipped.
        if (tagKeys.length > t0 && !(tagKeys[tagKeys.length - 1]! < key)) tagsOutOfOrder = true;
        tagKeys.push(key);
        tagValues.push(value);
        if (tagKeys.length + fieldKeys.length > maxValues) tooManyValues(maxValues);
        if (p < n && s.charCodeAt(p) === Char.Comma) {
          p++;
          continue;
        }
        break;
      }
    }
    p = readFieldSeparator(s, p, n, bytes);
    if (tagsOutOfOrder || tagsNeedExactOrder) orderTags(s, bytes, out, tagPos, t0, tagsNeedExactOrder);

    // Fields: `key=value,…`; the numbers are read here (most fields are), other kinds by their phase.
    const f0 = fieldKeys.length;
    let endedLine = false;
    for (;;) {
      const kStart = p;
      p = scanKey(s, p, n);
      if (p === kStart) fail(s, bytes, p, `expected field key, found ${describeAt(s, p)}`);
      const key = takeToken(s, kStart, p, EscapeSet.Key, scanEscaped, scanBits, bytes);
      if (key === undefined) fail(s, bytes, kStart, 'invalid UTF-8 in field key');
      if (p >= n || s.charCodeAt(p) !== Char.Equals) fail(s, bytes, p, `expected '=' after field key ${q(key)}, found ${describeAt(s, p)}`);
      p++;
      if (p >= n) fail(s, bytes, p, `expected value for field ${q(key)}, found end of input`);
      const c = s.charCodeAt(p);
      if ((c >= Char.Digit0 && c <= Char.Digit9) || c === Char.Minus || c === Char.Dot) {
        const fast = scanNumber(s, p, n);
        if (fast === fast) {
          fieldKinds.push(numKind);
          fieldValues.push(fast);
          p = numEnd;
        } else {
          p = readSlowNumber(s, p, n, bytes, key, out);
        }
      } else if (c === Char.Quote) {
        p = readStringValue(s, p, n, bytes, key, out);
      } else if (c === Char.LowerT || c === Char.UpperT || c === Char.LowerF || c === Char.UpperF) {
        p = readBoolValue(s, p, n, bytes, key, out);
      } else {
        fail(s, bytes, p, `invalid value for field ${q(key)}: found ${describeAt(s, p)}`);
      }
      fieldKeys.push(key);
      if (tagKeys.length + fieldKeys.length > maxValues) tooManyValues(maxValues);
      if (p >= n) {
        endedLine = true;
        break;
      }
      const d = s.charCodeAt(p);
      if (d === Char.Comma) {
        p++;
        continue;
      }
      if (d !== Char.Space && d !== Char.LineFeed && d !== Char.CarriageReturn) {
        fail(s, bytes, p, `unexpected character ${describeAt(s, p)} after value of field ${q(key)}`);
      }
      break;
    }

    p = endedLine ? p : readLineEnd(s, p, n, bytes, precision);
    if (measurements.length >= maxPoints) tooManyPoints(maxPoints);
    measurements.push(measurement);
    tagStart.push(t0);
    fieldStart.push(f0);
    const timed = !endedLine && entryHasTime;
    timeMs.push(timed ? tsMs : def.ms);
    timeNanos.push(timed ? tsNanos : def.nanos);
    p = skipToEntry(s, p, n, bytes);
  }
}

/** Skips blank lines, leading spaces and `#` comments (printable characters only) before an entry. */
function skipToEntry(s: string, p: number, n: number, bytes: boolean): number {
  for (;;) {
    while (p < n && s.charCodeAt(p) === Char.Space) p++;
    if (p >= n) return p;
    let c = s.charCodeAt(p);
    if (c === Char.Hash) {
      p++;
      while (p < n) {
        const d = s.charCodeAt(p);
        if (d < Char.Space || d === Char.Delete) break;
        p++;
      }
      if (p >= n) return p;
      c = s.charCodeAt(p);
      const lineEnd = c === Char.LineFeed || (c === Char.CarriageReturn && (p + 1 >= n || s.charCodeAt(p + 1) === Char.LineFeed));
      if (!lineEnd) fail(s, bytes, p, `invalid character ${describeAt(s, p)} in comment`);
    }
    if (c === Char.LineFeed) {
      p++;
      continue;
    }
    if (c === Char.CarriageReturn) {
      if (p + 1 >= n) return p + 1;
      if (s.charCodeAt(p + 1) === Char.LineFeed) {
        p += 2;
        continue;
      }
      // A lone CR is no line end: the measurement scan reports it.
    }
    return p;
  }
}

/** The measurement name scanned as `s[start, end)`. */
function readMeasurement(s: string, start: number, end: number, bytes: boolean): string {
  if (end === start) fail(s, bytes, end, `expected measurement name, found ${describeAt(s, end)}`);
  const measurement = takeToken(s, start, end, EscapeSet.Measurement, scanEscaped, scanBits, bytes);
  if (measurement === undefined) fail(s, bytes, start, 'invalid UTF-8 in measurement name');
  return measurement;
}

/** The spaces between the measurement (and tags) and the fields. */
function readFieldSeparator(s: string, p: number, n: number, bytes: boolean): number {
  if (p >= n) fail(s, bytes, p, 'expected fields, found end of input');
  if (s.charCodeAt(p) !== Char.Space) fail(s, bytes, p, `expected tag key or fields, found ${describeAt(s, p)}`);
  while (p < n && s.charCodeAt(p) === Char.Space) p++;
  return p;
}

/**
 * Tags sorted by key; a repeated key is an error. Checked once all tags and the field separator
 * are read, like the reference, so a syntax error later in the line wins.
 */
function orderTags(s: string, bytes: boolean, out: LineBatch, tagPos: number[], t0: number, exactOrder: boolean): void {
  const { tagKeys, tagValues } = out;
  const t1 = tagKeys.length;
  if (t1 - t0 <= 1) return;
  sortTags(tagKeys, tagValues, tagPos, t0, t1, exactOrder);
  for (let i = t0 + 1; i < t1; i++) {
    if (tagKeys[i] === tagKeys[i - 1]) {
      const at = Math.max(tagPos[i - t0]!, tagPos[i - 1 - t0]!);
      fail(s, bytes, at, `duplicate tag key ${q(tagKeys[i]!)}`);
    }
  }
}

/** A number the one-pass scanner did not take (exponents, long integers, junk): Go's rules decide. */
function readSlowNumber(s: string, p: number, n: number, bytes: boolean, key: string, out: LineBatch): number {
  const end = scanValue(s, p, n);
  const v = slowNumber(s, bytes, p, end, key);
  out.fieldKinds.push(numKind);
  out.fieldValues.push(v);
  return end;
}

/** `"…"` at `p`; returns the position after the closing quote. */
function readStringValue(s: string, p: number, n: number, bytes: boolean, key: string, out: LineBatch): number {
  const e = scanString(s, p + 1, n);
  if (e >= n) fail(s, bytes, p, `missing closing quote of string value for field ${q(key)}`);
  const str = takeToken(s, p + 1, e, EscapeSet.String, scanEscaped, scanBits, bytes);
  if (str === undefined) fail(s, bytes, p, `invalid UTF-8 in string value of field ${q(key)}`);
  out.fieldKinds.push(FieldKind.String);
  out.fieldValues.push(str);
  return e + 1;
}

/** `t`, `true`, `F`, … at `p` (Go's ParseBool spellings); returns the position after it. */
function readBoolValue(s: string, p: number, n: number, bytes: boolean, key: string, out: LineBatch): number {
  const end = scanValue(s, p, n);
  const c = s.charCodeAt(p);
  const b = end - p === 1 ? c === Char.LowerT || c === Char.UpperT : parseGoBool(s.slice(p, end));
  if (b === undefined) fail(s, bytes, p, `invalid boolean ${q(s.slice(p, end))} for field ${q(key)}`);
  out.fieldKinds.push(FieldKind.Bool);
  out.fieldValues.push(b);
  return end;
}

/** After the fields: an optional timestamp, then the end of the line. Sets entryHasTime. */
function readLineEnd(s: string, p: number, n: number, bytes: boolean, precision: Precision): number {
  entryHasTime = false;
  while (p < n && s.charCodeAt(p) === Char.Space) p++;
  if (p >= n) return p;
  let c = s.charCodeAt(p);
  if (c === Char.LineFeed) return p + 1;
  if (c === Char.CarriageReturn && (p + 1 >= n || s.charCodeAt(p + 1) === Char.LineFeed)) return p + (p + 1 >= n ? 1 : 2);
  const tStart = p;
  while (p < n) {
    c = s.charCodeAt(p);
    if (!isDigit(c) && c !== Char.Minus) break;
    p++;
  }
  const tEnd = p;
  if (p < n) {
    c = s.charCodeAt(p);
    if (c !== Char.Space && c !== Char.LineFeed && c !== Char.CarriageReturn) {
      let e = p;
      while (e < n && s.charCodeAt(e) !== Char.LineFeed && s.charCodeAt(e) !== Char.CarriageReturn) e++;
      fail(s, bytes, tStart, `invalid timestamp ${q(s.slice(tStart, e))}`);
    }
    while (p < n && s.charCodeAt(p) === Char.Space) p++;
    if (p < n) {
      c = s.charCodeAt(p);
      if (c === Char.LineFeed) p++;
      else if (c === Char.CarriageReturn && p + 1 >= n) p++;
      else if (c === Char.CarriageReturn && s.charCodeAt(p + 1) === Char.LineFeed) p += 2;
      else fail(s, bytes, p, `unexpected text after timestamp, found ${describeAt(s, p)}`);
    }
  }
  if (tEnd > tStart) {
    const r = parseTimestamp(s, tStart, tEnd, precision);
    if (r !== 0) {
      fail(s, bytes, tStart, r === 2 ? `timestamp ${s.slice(tStart, tEnd)} out of range` : `invalid timestamp ${q(s.slice(tStart, tEnd))}`);
    }
    entryHasTime = true;
  }
  return p;
}
