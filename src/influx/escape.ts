// Backslash escapes of line protocol, exactly as the v2 reference parser applies them: a backslash
// followed by one of its section's escapable characters stands for that character; before any
// other character (or at end of input) the backslash is kept literally and the next character is
// read normally. Only called for tokens the scanner saw an escape in (the fast path slices).

/** Which escape table applies. */
export const EscapeSet = {
  /** Measurement: `\ ` and `\,`. */
  Measurement: 0,
  /** Tag keys, tag values and field keys: `\,`, `\=` and `\ `. */
  Key: 1,
  /** Quoted string field values: `\"` and `\\` only (so `\n` stays backslash + n). */
  String: 2,
} as const;
export type EscapeSet = (typeof EscapeSet)[keyof typeof EscapeSet];

/** Whether `c` (a char code) can follow a backslash as an escape in the given section. */
export function isEscapable(set: EscapeSet, c: number): boolean {
  switch (set) {
    case EscapeSet.Measurement:
      return c === 32 || c === 44;
    case EscapeSet.Key:
      return c === 44 || c === 61 || c === 32;
    default:
      return c === 34 || c === 92;
  }
}

/** The unescaped text of `s[start, end)`. Copies whole runs, never single characters. */
export function unescapeRange(s: string, start: number, end: number, set: EscapeSet): string {
  let out = '';
  let chunk = start;
  let i = start;
  while (i < end) {
    if (s.charCodeAt(i) === 92 && i + 1 < end && isEscapable(set, s.charCodeAt(i + 1))) {
      // Drop the backslash: the escaped character starts the next run.
      out += s.slice(chunk, i);
      chunk = i + 1;
      i += 2;
    } else {
      i++;
    }
  }
  return out + s.slice(chunk, end);
}
