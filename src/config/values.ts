// Parsers for the value types a configuration key can have. Each takes the expanded, trimmed text
// and either returns the typed value or throws a ValueProblem with the reason; the loader adds
// which key, which source and which value, so the reasons stay short.

import { ValueProblem } from './errors.js';

export function parseInteger(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new ValueProblem('must be an integer');
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new ValueProblem('is out of range');
  return n;
}

const TRUE_WORDS = new Set(['1', 't', 'true', 'y', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'n', 'no', 'off']);

/** go-ini's boolean words, case-insensitive: true/false, yes/no, on/off, 1/0, t/f, y/n. */
export function parseBoolean(text: string): boolean {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ValueProblem('must be a boolean (true or false)');
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A duration in milliseconds. A bare number means seconds (the unit Grafana's keys document);
 * otherwise Go-style `500ms`, `30s`, `5m`, `1h30m`, `2d`.
 */
export function parseDurationMs(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(text); match; match = part.exec(text)) {
    total += Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    consumed = part.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new ValueProblem('must be a duration: seconds, or a number with unit ms, s, m, h or d (e.g. 30s, 5m)');
  }
  return Math.round(total);
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  k: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * A size in bytes: a plain integer (possibly negative, for "-1 = unlimited" keys; the caller checks
 * the range), or a non-negative number with a unit: KB/MB/GB are decimal, K/KiB, M/MiB, G/GiB binary.
 */
export function parseBytes(text: string): number {
  if (/^[+-]?\d+$/.test(text)) return parseInteger(text);
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]+)$/.exec(text);
  const factor = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new ValueProblem('must be a size in bytes, optionally with a unit (KiB, MiB, GiB, KB, MB, GB)');
  }
  const n = Math.round(Number(match[1]) * factor);
  if (!Number.isSafeInteger(n)) throw new ValueProblem('is out of range');
  return n;
}

/** Comma-separated list: items trimmed, empty items skipped (Grafana's allowed_origins rule). */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ValueProblem(`must be a JSON object (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ValueProblem('must be a JSON object such as {"iss": "https://issuer.example"}');
  }
  return parsed as Record<string, unknown>;
}
