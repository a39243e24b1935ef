// Reads YAML provisioning files with the `yaml` library (YAML 1.2: block scalars, anchors and
// aliases, merge keys `<<`, flow collections, several documents) into plain values, and keeps
// where each value came from so livehub's own validation can name the line.

import { isCollection, isNode, LineCounter, parseAllDocuments, type Document } from 'yaml';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'YamlError';
  }
}

/** One document of a file: its value, and the line a path inside it starts on. */
export interface YamlDocument {
  readonly value: YamlValue;
  /** 1-based line of the node at `path` (keys and list indexes), or undefined when there is none. */
  lineOf(path: readonly (string | number)[]): number | undefined;
}

/** Aliases a file may expand: anchors are for sharing settings, not for exponential blow-up. */
const MAX_ALIASES = 100;

/** Plain values; integers beyond 2^53 stay strings so no digit is lost. */
function toValue(doc: Document): YamlValue {
  return doc.toJS({
    maxAliasCount: MAX_ALIASES,
    reviver: (_key: unknown, value: unknown) => (typeof value === 'bigint' ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()) : value),
  }) as YamlValue;
}

/** Every document of `source` (empty ones left out). Syntax errors throw a YamlError with the line. */
export function parseYamlDocuments(source: string): YamlDocument[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(source, { lineCounter: lines, intAsBigInt: true, merge: true, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs)) return []; // an empty stream
  const out: YamlDocument[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error !== undefined) throw new YamlError(error.message.split('\n')[0]!, lines.linePos(error.pos[0]).line);
    let value: YamlValue;
    try {
      value = toValue(doc);
    } catch (err) {
      // e.g. too many aliases; the library names no position
      throw new YamlError((err as Error).message, lines.linePos(doc.range[0]).line);
    }
    if (value === null) continue; // an empty document (`---` with only comments)
    out.push({
      value,
      lineOf(path) {
        const node: unknown = path.length === 0 ? doc.contents : isCollection(doc.contents) ? doc.contents.getIn(path, true) : undefined;
        return isNode(node) && node.range != null ? lines.linePos(node.range[0]).line : undefined;
      },
    });
  }
  return out;
}

/** The single value of a one-document file (null when empty); several documents are an error here. */
export function parseYaml(source: string): YamlValue {
  const docs = parseYamlDocuments(source);
  if (docs.length > 1) throw new YamlError('expected one YAML document, found several', docs[1]!.lineOf([]) ?? 1);
  return docs[0]?.value ?? null;
}
