// A small parser for Grafana-style INI files (the go-ini dialect Grafana reads): sections with dots,
// `key = value`, full-line and inline comments, optional quotes. Pure: no I/O, no env expansion
// (see expand.ts), so it can be property-tested on strings.

import { ConfigError } from './errors.js';

/** Keys that appear before any `[section]` header belong to this section (go-ini's "DEFAULT"). */
export const DEFAULT_SECTION = '';

export interface IniEntry {
  /** Lower-cased section name, '' for the default section. */
  readonly section: string;
  /** Lower-cased key. */
  readonly key: string;
  /** Trimmed value with surrounding quotes and inline comment removed. */
  readonly value: string;
  /** 1-based line number. */
  readonly line: number;
}

export interface IniSectionHeader {
  readonly name: string;
  readonly line: number;
}

export interface IniDocument {
  /** Every `[section]` header in file order, including empty sections (so they can be validated). */
  readonly sections: IniSectionHeader[];
  /** Every assignment in file order; a repeated key appears twice and the later one wins. */
  readonly entries: IniEntry[];
}

const KEY_PATTERN = /^[A-Za-z0-9_.-]+$/;
const SECTION_PATTERN = /^[A-Za-z0-9_.-]+$/;
// go-ini treats `;` or `#` as an inline comment only when whitespace precedes it, so values such as
// `abc#def` survive; a comment right after `=` also counts (`key = ; nothing`).
const INLINE_COMMENT = /(^|\s)[;#]/;

/**
 * Parses INI text. `sourceName` (usually the file path) is used in error messages together with the
 * line number: `livehub.ini:12: expected "key = value"`.
 */
export function parseIni(text: string, sourceName = '<ini>'): IniDocument {
  const sections: IniSectionHeader[] = [];
  const entries: IniEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  let current = DEFAULT_SECTION;

  const fail = (line: number, reason: string): never => {
    throw new ConfigError(`${sourceName}:${line}: ${reason}`, {
      origin: { kind: 'file', file: sourceName, line },
    });
  };

  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#')) return;

    if (trimmed.startsWith('[')) {
      const close = trimmed.indexOf(']');
      if (close < 0) fail(line, `unterminated section header ${trimmed}`);
      const name = trimmed.slice(1, close).trim();
      const rest = trimmed.slice(close + 1).trim();
      if (rest !== '' && !rest.startsWith(';') && !rest.startsWith('#')) {
        fail(line, `unexpected text after section header: ${rest}`);
      }
      if (!SECTION_PATTERN.test(name)) fail(line, `invalid section name [${name}]`);
      current = name.toUpperCase() === 'DEFAULT' ? DEFAULT_SECTION : name.toLowerCase();
      sections.push({ name: current, line });
      return;
    }

    const eq = raw.indexOf('=');
    if (eq < 0) fail(line, `expected "key = value", got ${trimmed}`);
    const key = raw.slice(0, eq).trim();
    if (!KEY_PATTERN.test(key)) fail(line, `invalid key "${key}"`);
    let value: string;
    try {
      value = parseValue(raw.slice(eq + 1));
    } catch (err) {
      return fail(line, (err as Error).message);
    }
    entries.push({ section: current, key: key.toLowerCase(), value, line });
  });

  return { sections, entries };
}

/** The right-hand side of `key = value`: quotes stripped, inline comment dropped, trimmed. */
function parseValue(rhs: string): string {
  const text = rhs.trim();
  const quote = text[0];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, 1);
    if (close < 0) throw new Error(`unterminated quoted value ${text}`);
    const after = text.slice(close + 1).trim();
    if (after !== '' && !after.startsWith(';') && !after.startsWith('#')) {
      throw new Error(`unexpected text after quoted value: ${after}`);
    }
    return text.slice(1, close);
  }
  const comment = INLINE_COMMENT.exec(rhs);
  return (comment ? rhs.slice(0, comment.index) : rhs).trim();
}
