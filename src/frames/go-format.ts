// Go `fmt.Sprintf("%v", v)` for line-protocol values. Grafana's labels_column converter writes a
// value whose type conflicts with an existing string column this way, so the text must match Go:
// integers in decimal (64-bit exact), floats in shortest `%g` form (`1e+06`, `1.5e-05`), booleans.

import { FieldKind, type FieldValue } from '../influx/types.js';

/**
 * Go's `%v` of a float64: the shortest round-trip digits (the same digits JavaScript picks), in
 * exponent form when the decimal exponent is < -4 or ≥ 6 (`%g` with shortest precision), with a
 * signed, at-least-two-digit exponent.
 */
export function goFormatFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const neg = v < 0 || Object.is(v, -0);
  const sign = neg ? '-' : '';
  if (v === 0) return sign + '0';
  // toExponential() without an argument yields the shortest round-trip digits: "d.ddde±x".
  const e = Math.abs(v).toExponential();
  const ePos = e.indexOf('e');
  const digits = e.charCodeAt(1) === 46 ? e[0]! + e.slice(2, ePos) : e.slice(0, ePos);
  const exp = Number(e.slice(ePos + 1));
  if (exp < -4 || exp >= 6) {
    const mant = digits.length > 1 ? digits[0]! + '.' + digits.slice(1) : digits;
    const absExp = exp < 0 ? -exp : exp;
    return sign + mant + (exp < 0 ? 'e-' : 'e+') + (absExp < 10 ? '0' : '') + String(absExp);
  }
  if (exp < 0) return sign + '0.' + '0'.repeat(-exp - 1) + digits;
  const intLen = exp + 1;
  if (digits.length <= intLen) return sign + digits + '0'.repeat(intLen - digits.length);
  return sign + digits.slice(0, intLen) + '.' + digits.slice(intLen);
}

/** Go's `%v` of a parsed field value of the given kind. */
export function goFormatValue(kind: FieldKind, value: FieldValue): string {
  switch (kind) {
    case FieldKind.Float:
      return goFormatFloat(value as number);
    case FieldKind.Int:
    case FieldKind.Uint:
      return typeof value === 'bigint' ? value.toString() : String(value);
    case FieldKind.Bool:
      return value ? 'true' : 'false';
    default:
      return String(value);
  }
}
