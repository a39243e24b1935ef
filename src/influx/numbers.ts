// Numeric field values with Go `strconv` semantics, because the reference parser hands the raw
// token to ParseFloat / ParseInt / ParseUint: the accepted spellings (leading zeros, `1.`, `.5`,
// `1E5`, `_` separators, hex floats with a `p` exponent) and the 64-bit range checks must match.
// The parser's inline fast path covers plain decimals; everything unusual lands here.

/** Result of a failed parse: which of the reference parser's two error kinds it is. */
export type NumberFailure = 'syntax' | 'range';

const MAX_INT64 = 9223372036854775807n;
const MIN_INT64 = -9223372036854775808n;
const MAX_UINT64 = 18446744073709551615n;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Go's underscoreOK: `_` may only separate digits (or follow a base prefix), never lead or trail.
 * Only called when the token contains `_`.
 */
function underscoresOk(s: string): boolean {
  let saw = 94; // '^' start of number; 48 '0' digit or prefix; 95 '_'; 33 '!' other
  let i = 0;
  if (s.length >= 1 && (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43)) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s.charCodeAt(0) === 48) {
    const p = s.charCodeAt(1) | 0x20;
    if (p === 98 || p === 111 || p === 120) {
      i = 2;
      saw = 48;
      hex = p === 120;
    }
  }
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c) || (hex && hexDigit(c) >= 0)) {
      saw = 48;
      continue;
    }
    if (c === 95) {
      if (saw !== 48) return false;
      saw = 95;
      continue;
    }
    if (saw === 95) return false;
    saw = 33;
  }
  return saw !== 95;
}

/** Rounds mant·2^exp to the nearest float64 (ties to even), like Go's hex-float conversion. */
function hexToFloat(mant: bigint, exp: number, negative: boolean): number {
  if (mant === 0n) return negative ? -0 : 0;
  const len = mant.toString(2).length;
  const top = len - 1 + exp; // value lies in [2^top, 2^(top+1))
  if (top > 1100) return negative ? -Infinity : Infinity;
  // Significant bits the result can hold: 53 for normal numbers, fewer for subnormals.
  const keep = top >= -1022 ? 53 : top + 1075;
  let shift = len - keep;
  let q = mant;
  if (shift > 0) {
    const s = BigInt(shift);
    q = mant >> s;
    const rem = mant - (q << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  } else {
    shift = 0;
  }
  // q has at most 54 bits, so Number(q) is exact and the power-of-two scale is exact too
  // (split in two steps so neither factor overflows or underflows on its own).
  const e = exp + shift;
  const half1 = Math.trunc(e / 2);
  const v = Number(q) * Math.pow(2, half1) * Math.pow(2, e - half1);
  return negative ? -v : v;
}

/**
 * Go `strconv.ParseFloat(s, 64)` restricted to what line protocol accepts: returns the value, or a
 * failure for bad syntax, for overflow to ±Inf (Go's ErrRange), and for `inf`/`nan` spellings
 * (the reference parser rejects non-finite values).
 */
export function parseGoFloat(s: string): number | NumberFailure {
  const n = s.length;
  let i = 0;
  let negative = false;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    negative = s.charCodeAt(i) === 45;
    i++;
  }
  let hex = false;
  if (i + 2 < n && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) {
    hex = true;
    i += 2;
  }
  const mantStart = i;
  let underscores = false;
  let sawDot = false;
  let sawDigits = false;
  let fracDigits = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 95) {
      underscores = true;
      continue;
    }
    if (c === 46) {
      if (sawDot) break;
      sawDot = true;
      continue;
    }
    if (isDigit(c) || (hex && hexDigit(c) >= 0)) {
      sawDigits = true;
      if (sawDot) fracDigits++;
      continue;
    }
    break;
  }
  if (!sawDigits) return 'syntax';
  const mantEnd = i;
  let exp = 0;
  if (i < n && (s.charCodeAt(i) | 0x20) === (hex ? 112 : 101)) {
    i++;
    if (i >= n) return 'syntax';
    let esign = 1;
    if (s.charCodeAt(i) === 43) i++;
    else if (s.charCodeAt(i) === 45) {
      esign = -1;
      i++;
    }
    if (i >= n || !isDigit(s.charCodeAt(i))) return 'syntax';
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 95) {
        underscores = true;
        continue;
      }
      if (!isDigit(c)) break;
      if (exp < 10000) exp = exp * 10 + (c - 48);
    }
    exp *= esign;
  } else if (hex) {
    return 'syntax'; // a hex mantissa needs a binary exponent
  }
  if (i !== n) return 'syntax';
  if (underscores && !underscoresOk(s)) return 'syntax';

  let v: number;
  if (hex) {
    let mant = 0n;
    for (let j = mantStart; j < mantEnd; j++) {
      const d = hexDigit(s.charCodeAt(j));
      if (d >= 0) mant = (mant << 4n) | BigInt(d);
    }
    v = hexToFloat(mant, exp - 4 * fracDigits, negative);
  } else {
    // The syntax is now plain decimal, which Number() rounds exactly like Go (correctly).
    v = Number(underscores ? s.replace(/_/g, '') : s);
  }
  if (v === Infinity || v === -Infinity) return 'range';
  return v;
}

/**
 * Go `strconv.ParseInt(s, 10, 64)`: optional sign, decimal digits only. Safe integers come back
 * as number, larger magnitudes as bigint.
 */
export function parseGoInt(s: string): number | bigint | NumberFailure {
  const n = s.length;
  let i = 0;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
  if (i >= n) return 'syntax';
  for (let j = i; j < n; j++) if (!isDigit(s.charCodeAt(j))) return 'syntax';
  if (n - i <= 15) return Number(s) + 0; // < 10^15: exact as a double; + 0 turns -0 into 0
  const v = BigInt(s);
  if (v > MAX_INT64 || v < MIN_INT64) return 'range';
  return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
}

/** Go `strconv.ParseUint(s, 10, 64)`: decimal digits only, no sign. */
export function parseGoUint(s: string): number | bigint | NumberFailure {
  const n = s.length;
  if (n === 0) return 'syntax';
  for (let j = 0; j < n; j++) if (!isDigit(s.charCodeAt(j))) return 'syntax';
  if (n <= 15) return Number(s);
  const v = BigInt(s);
  if (v > MAX_UINT64) return 'range';
  return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
}

/** The reference parser's boolean spellings; anything else is an error. */
export function parseGoBool(s: string): boolean | undefined {
  switch (s) {
    case 't':
    case 'T':
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'f':
    case 'F':
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
    default:
      return undefined;
  }
}
