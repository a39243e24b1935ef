// Reads positions in JSON text that JSON.parse has already accepted: where a member's value starts
// and ends, and how deeply it nests. Published `data` is forwarded as the exact text the client sent
// (as Grafana forwards the raw bytes), so `12345678901234567890` and `1e400` are never rewritten by a
// parse + stringify round trip; the nesting depth bounds what handlers and storage must walk.
// A single forward scan with charCodeAt, no allocation but the (rare) escaped member name.

/**
 * Default of [server] max_json_depth: published data and JSON bodies nested deeper are a 400. Far
 * above real payloads (dashboards nest ~10 levels) and far below what recursive code (JSON.stringify,
 * structured clones, handlers) can walk without exhausting the stack.
 */
export const DEFAULT_MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** A value inside a JSON text: `text.slice(start, end)` is its exact source. */
export interface JsonSpan {
  readonly start: number;
  readonly end: number;
  /** Nesting depth of the value: 0 for a scalar, 1 for `[]` or `{"a":1}`, 2 for `[[1]]`, … */
  readonly depth: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** `i` at an opening quote: the index after the closing one. */
function skipString(text: string, i: number): number {
  let at = i + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    // The quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** The value starting at `i` (no leading space): its end and nesting depth. */
function skipValue(text: string, i: number): { end: number; depth: number } {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return { end: skipString(text, i), depth: 0 };
  if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
    // Number or literal: up to the next delimiter.
    let end = i;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
      end++;
    }
    return { end, depth: 0 };
  }
  let depth = 0;
  let max = 0;
  let at = i;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c === QUOTE) {
      at = skipString(text, at);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return { end: at + 1, depth: max };
    }
    at++;
  }
  return { end: text.length, depth: max };
}

function memberName(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  // Escapes are rare in member names; JSON.parse decodes them exactly as it did for the whole text.
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/**
 * Scans the object whose `{` is at `open` once, descending into the member `path[level]` when more
 * of the path follows: the span at the end of the path (undefined when missing or not reached
 * through objects) and the index after the object. When a name repeats the last one counts, as it
 * does for JSON.parse — so the span is always the value the parsed object holds.
 */
function findInObject(text: string, open: number, path: readonly string[], level: number): { found: JsonSpan | undefined; end: number } {
  let i = skipSpace(text, open + 1);
  let found: JsonSpan | undefined;
  while (i < text.length && text.charCodeAt(i) === QUOTE) {
    const nameEnd = skipString(text, i);
    const matches = memberName(text, i, nameEnd) === path[level];
    i = skipSpace(text, nameEnd);
    if (text.charCodeAt(i) !== COLON) break;
    const start = skipSpace(text, i + 1);
    let end: number;
    if (matches && level < path.length - 1) {
      if (text.charCodeAt(start) === OPEN_BRACE) {
        const inner = findInObject(text, start, path, level + 1);
        found = inner.found;
        end = inner.end;
      } else {
        found = undefined;
        end = skipValue(text, start).end;
      }
    } else {
      const value = skipValue(text, start);
      if (matches) found = { start, end: value.end, depth: value.depth };
      end = value.end;
    }
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) break;
    i = skipSpace(text, i + 1);
  }
  return { found, end: text.charCodeAt(i) === CLOSE_BRACE ? i + 1 : i };
}

/**
 * For a text JSON.parse accepted: the span of the value at `path` (member names from the top-level
 * object down), undefined when a step is missing or not an object. One pass over the text.
 */
export function memberSpan(text: string, path: readonly string[]): JsonSpan | undefined {
  const open = skipSpace(text, 0);
  if (path.length === 0 || text.charCodeAt(open) !== OPEN_BRACE) return undefined;
  return findInObject(text, open, path, 0).found;
}

/** Nesting depth of a whole JSON text (see JsonSpan.depth). */
export function jsonDepth(text: string): number {
  const start = skipSpace(text, 0);
  return start < text.length ? skipValue(text, start).depth : 0;
}
