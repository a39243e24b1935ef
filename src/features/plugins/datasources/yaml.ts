// A small YAML reader for the subset Grafana provisioning files use: block mappings and sequences
// by indentation, plain/quoted scalars, numbers, booleans, null, comments, `[]`/`{}` flow lists of
// scalars. Anchors, aliases, tags, block scalars (| >) and multiple documents are rejected with the line.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlError';
  }
}

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly no: number;
}

/** Text without a trailing comment (a `#` at the start or after whitespace, outside quotes). */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:[{,-]/.test(text[i - 1]!)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      return text.slice(0, i);
    }
  }
  return text;
}

function toLines(source: string): Line[] {
  const lines: Line[] = [];
  const raw = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  raw.forEach((rawLine, i) => {
    const no = i + 1;
    const indentText = /^[ \t]*/.exec(rawLine)![0];
    const body = stripComment(rawLine.slice(indentText.length)).trimEnd();
    if (body === '') return;
    if (indentText.includes('\t')) throw new YamlError('tabs are not allowed for indentation', no);
    if (body === '---' && lines.length === 0) return;
    if (body === '---' || body === '...') throw new YamlError('only one YAML document per file is supported', no);
    lines.push({ indent: indentText.length, text: body, no });
  });
  return lines;
}

/** Index of the `:` that separates a mapping key from its value, or -1 when `text` is not `key: …`. */
function keySeparator(text: string): number {
  let i = 0;
  if (text[0] === '"' || text[0] === "'") {
    const q = text[0];
    i = 1;
    while (i < text.length && text[i] !== q) i += text[i] === '\\' && q === '"' ? 2 : 1;
    i++;
    return text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ') ? i : -1;
  }
  if (text[0] === '[' || text[0] === '{') return -1;
  for (; i < text.length; i++) {
    if (text[i] === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return i;
  }
  return -1;
}

function isSequenceItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

function unquoteDouble(body: string, no: number): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_m, esc: string) => {
    switch (esc[0]) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '0': return '\0';
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case ' ': return ' ';
      case 'u':
      case 'x': return String.fromCharCode(parseInt(esc.slice(1), 16));
      default: throw new YamlError(`unknown escape \\${esc} in a double-quoted string`, no);
    }
  });
}

function parseScalar(text: string, no: number): YamlValue {
  const t = text.trim();
  if (t.startsWith('"')) {
    if (t.length < 2 || !t.endsWith('"')) throw new YamlError('unterminated double-quoted string', no);
    return unquoteDouble(t.slice(1, -1), no);
  }
  if (t.startsWith("'")) {
    if (t.length < 2 || !t.endsWith("'")) throw new YamlError('unterminated single-quoted string', no);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('[') || t.startsWith('{')) return parseFlow(t, no);
  if (/^[&*!|>%@`]/.test(t)) throw new YamlError(`unsupported YAML syntax ${JSON.stringify(t[0])} (anchors, aliases, tags and block scalars are not supported)`, no);
  if (t === '' || t === '~' || /^(null|Null|NULL)$/.test(t)) return null;
  if (/^(true|True|TRUE)$/.test(t)) return true;
  if (/^(false|False|FALSE)$/.test(t)) return false;
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) ? n : t;
  }
  if (/^[-+]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?$/.test(t)) return Number(t);
  return t;
}

/** `[a, b]` / `{k: v}` with scalar items only (what provisioning files use, e.g. `tags: [a, b]`). */
function parseFlow(t: string, no: number): YamlValue {
  const close = t[0] === '[' ? ']' : '}';
  if (!t.endsWith(close)) throw new YamlError(`unterminated flow collection ${t[0]}…${close}`, no);
  const inner = t.slice(1, -1).trim();
  const items = inner === '' ? [] : splitFlowItems(inner, no);
  if (close === ']') return items.map((item) => parseScalar(item, no));
  const map: { [key: string]: YamlValue } = {};
  for (const item of items) {
    const sep = keySeparator(item);
    if (sep < 0) throw new YamlError(`expected "key: value" in ${JSON.stringify(t)}`, no);
    map[String(parseScalar(item.slice(0, sep), no))] = parseScalar(item.slice(sep + 1), no);
  }
  return map;
}

function splitFlowItems(inner: string, no: number): string[] {
  const items: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '[' || c === '{') {
      throw new YamlError('nested flow collections are not supported', no);
    } else if (c === ',') {
      items.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = inner.slice(start).trim();
  if (last !== '') items.push(last);
  return items;
}

class Parser {
  private pos = 0;

  constructor(private readonly lines: Line[]) {}

  parseDocument(): YamlValue {
    if (this.lines.length === 0) return null;
    const value = this.parseBlock(this.lines[0]!.indent);
    const extra = this.lines[this.pos];
    if (extra !== undefined) throw new YamlError('unexpected indentation', extra.no);
    return value;
  }

  private parseBlock(indent: number): YamlValue {
    const line = this.lines[this.pos]!;
    if (isSequenceItem(line.text)) return this.parseSequence(indent);
    if (keySeparator(line.text) >= 0) return this.parseMapping(indent);
    this.pos++;
    return parseScalar(line.text, line.no);
  }

  private parseMapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = this.lines[this.pos]; line !== undefined && line.indent === indent; line = this.lines[this.pos]) {
      if (isSequenceItem(line.text)) break;
      const sep = keySeparator(line.text);
      if (sep < 0) throw new YamlError(`expected "key: value", got ${JSON.stringify(line.text)}`, line.no);
      const key = String(parseScalar(line.text.slice(0, sep), line.no));
      if (Object.hasOwn(map, key)) throw new YamlError(`duplicate key ${JSON.stringify(key)}`, line.no);
      const rest = line.text.slice(sep + 1).trim();
      this.pos++;
      map[key] = rest !== '' ? parseScalar(rest, line.no) : this.parseNested(indent, true);
    }
    const next = this.lines[this.pos];
    if (next !== undefined && next.indent > indent) throw new YamlError('unexpected indentation', next.no);
    return map;
  }

  private parseSequence(indent: number): YamlValue[] {
    const list: YamlValue[] = [];
    for (let line = this.lines[this.pos]; line !== undefined && line.indent === indent && isSequenceItem(line.text); line = this.lines[this.pos]) {
      const content = line.text.slice(1).replace(/^ +/, '');
      if (content === '') {
        this.pos++;
        list.push(this.parseNested(indent, false));
        continue;
      }
      // "- key: value" opens a mapping whose further keys align with "key".
      const column = indent + (line.text.length - content.length);
      if (isSequenceItem(content) || keySeparator(content) >= 0) {
        this.lines[this.pos] = { indent: column, text: content, no: line.no };
        list.push(this.parseBlock(column));
      } else {
        this.pos++;
        list.push(parseScalar(content, line.no));
      }
    }
    const next = this.lines[this.pos];
    if (next !== undefined && next.indent > indent) throw new YamlError('unexpected indentation', next.no);
    return list;
  }

  /** The value of "key:" / "-" with nothing after it: an indented block, a same-indent list (for keys), or null. */
  private parseNested(indent: number, allowSameIndentList: boolean): YamlValue {
    const next = this.lines[this.pos];
    if (next === undefined) return null;
    if (next.indent > indent) return this.parseBlock(next.indent);
    if (allowSameIndentList && next.indent === indent && isSequenceItem(next.text)) return this.parseSequence(indent);
    return null;
  }
}

/** Parses one YAML document of the supported subset; throws YamlError naming the line. */
export function parseYaml(source: string): YamlValue {
  return new Parser(toLines(source)).parseDocument();
}
