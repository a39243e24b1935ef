// Turns parser input (Buffer, Uint8Array or string) into the string the scanner walks, and maps
// scanner positions back to byte columns for error messages. Valid UTF-8 is decoded once;
// invalid UTF-8 is read byte-per-character (latin1) so the parser can reject exactly the tokens the
// reference parser rejects (it ignores bytes inside comments) and decode the others itself.

import { Buffer, isUtf8 } from 'node:buffer';

import { LineProtocolError } from './errors.js';

export interface Source {
  /** The text to scan. */
  text: string;
  /** True when `text` holds raw bytes (latin1) because the input was not valid UTF-8. */
  bytes: boolean;
}

/** Lone surrogates cannot be written as UTF-8, so a string input carrying one is malformed. */
function firstLoneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

export function prepareSource(input: Buffer | Uint8Array | string): Source {
  if (typeof input === 'string') {
    const wellFormed = (input as { isWellFormed?: () => boolean }).isWellFormed;
    if (wellFormed === undefined ? firstLoneSurrogate(input) >= 0 : !wellFormed.call(input)) {
      const at = firstLoneSurrogate(input);
      const { line, column } = positionOf(input, false, at);
      throw new LineProtocolError(line, column, 'invalid UTF-16 text (lone surrogate)');
    }
    return { text: input, bytes: false };
  }
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (isUtf8(buf)) return { text: buf.toString('utf8'), bytes: false };
  return { text: buf.toString('latin1'), bytes: true };
}

/** 1-based line and byte column of position `pos` of the scanned text. */
export function positionOf(text: string, bytes: boolean, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const prefix = text.slice(lineStart, pos);
  const column = (bytes ? prefix.length : Buffer.byteLength(prefix, 'utf8')) + 1;
  return { line, column };
}

/**
 * In byte mode, a token with bytes ≥ 0x80 must be valid UTF-8 (then it is decoded); returns
 * undefined when it is not. ASCII tokens come back unchanged.
 */
export function decodeByteToken(token: string): string | undefined {
  let high = false;
  for (let i = 0; i < token.length; i++) {
    if (token.charCodeAt(i) > 0x7f) {
      high = true;
      break;
    }
  }
  if (!high) return token;
  const b = Buffer.from(token, 'latin1');
  return isUtf8(b) ? b.toString('utf8') : undefined;
}
