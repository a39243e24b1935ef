// Character codes the line-protocol scanners compare against. A `const enum`: the compiler writes
// the numbers into the scanners, so naming them costs nothing on the hot path.

export const enum Char {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  Quote = 34,
  Hash = 35,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Digit0 = 48,
  Digit9 = 57,
  Equals = 61,
  UpperF = 70,
  UpperT = 84,
  Backslash = 92,
  LowerF = 102,
  LowerI = 105,
  LowerT = 116,
  LowerU = 117,
  Delete = 127,
}

/** Ends a line: LF, or CR (a lone CR is checked by the caller). */
export function isLineBreak(c: number): boolean {
  return c === Char.LineFeed || c === Char.CarriageReturn;
}

/** Ends an unquoted field value or a number: `,`, space, CR or LF. */
export function endsValue(c: number): boolean {
  return c === Char.Comma || c === Char.Space || c === Char.LineFeed || c === Char.CarriageReturn;
}

export function isDigit(c: number): boolean {
  return c >= Char.Digit0 && c <= Char.Digit9;
}
