// Glob patterns as Grafana compiles `[live] allowed_origins` (gobwas/glob syntax, no separators):
// `*` any run of characters, `?` one character, `[abc]`/`[a-z]`/`[!a-z]` classes, `{a,b}` alternatives,
// `\` escapes. Compiled to an anchored RegExp; a malformed pattern throws so startup validation can fail.

/** Compiles a glob to an anchored RegExp. Throws an Error describing the first syntax problem. */
export function compileGlob(pattern: string): RegExp {
  const parser = new GlobParser(pattern);
  const source = parser.parseSequence(false);
  return new RegExp(`^${source}$`);
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/g;

function escapeChar(ch: string): string {
  return ch.replace(REGEX_SPECIAL, '\\$&');
}

class GlobParser {
  private pos = 0;

  constructor(private readonly pattern: string) {}

  /** Parses until the end, or (inside braces) until an unconsumed `,` or `}`. */
  parseSequence(inBraces: boolean): string {
    let out = '';
    while (this.pos < this.pattern.length) {
      const ch = this.pattern[this.pos]!;
      if (inBraces && (ch === ',' || ch === '}')) return out;
      this.pos++;
      switch (ch) {
        case '\\':
          out += escapeChar(this.takeEscaped());
          break;
        case '*':
          while (this.pattern[this.pos] === '*') this.pos++;
          out += '[\\s\\S]*';
          break;
        case '?':
          out += '[\\s\\S]';
          break;
        case '[':
          out += this.parseClass();
          break;
        case '{':
          out += this.parseAlternatives();
          break;
        default:
          out += escapeChar(ch);
      }
    }
    if (inBraces) throw new Error(`unclosed "{" in ${JSON.stringify(this.pattern)}`);
    return out;
  }

  private takeEscaped(): string {
    const ch = this.pattern[this.pos];
    if (ch === undefined) throw new Error(`pattern ${JSON.stringify(this.pattern)} ends with "\\"`);
    this.pos++;
    return ch;
  }

  private parseClass(): string {
    let negate = false;
    if (this.pattern[this.pos] === '!') {
      negate = true;
      this.pos++;
    }
    let body = '';
    let items = 0;
    for (;;) {
      const ch = this.pattern[this.pos];
      if (ch === undefined) throw new Error(`unclosed "[" in ${JSON.stringify(this.pattern)}`);
      this.pos++;
      if (ch === ']') break;
      const lo = ch === '\\' ? this.takeEscaped() : ch;
      if (this.pattern[this.pos] === '-' && this.pattern[this.pos + 1] !== undefined && this.pattern[this.pos + 1] !== ']') {
        this.pos++;
        const hiRaw = this.pattern[this.pos++]!;
        const hi = hiRaw === '\\' ? this.takeEscaped() : hiRaw;
        if (hi < lo) throw new Error(`invalid range ${lo}-${hi} in ${JSON.stringify(this.pattern)}`);
        body += `${escapeChar(lo)}-${escapeChar(hi)}`;
      } else {
        body += escapeChar(lo);
      }
      items++;
    }
    if (items === 0) throw new Error(`empty character class in ${JSON.stringify(this.pattern)}`);
    return negate ? `[^${body}]` : `[${body}]`;
  }

  private parseAlternatives(): string {
    const options: string[] = [];
    for (;;) {
      options.push(this.parseSequence(true));
      const ch = this.pattern[this.pos++];
      if (ch === '}') break;
      // parseSequence(true) only stops at ',' or '}' (or throws at the end of the pattern).
    }
    return `(?:${options.join('|')})`;
  }
}
