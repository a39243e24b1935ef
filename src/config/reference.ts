// Renders the key reference of docs/configuration.md from the schema, so the doc cannot drift:
// a test compares the generated block with the file. Regenerate with
// `node dist/src/config/reference.js --write docs/configuration.md` after changing the schema.

import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CONFIG_KEYS, CONFIG_SECTIONS, type ConfigKey } from './schema.js';

export const REFERENCE_BEGIN = '<!-- BEGIN GENERATED KEY REFERENCE (src/config/reference.ts) -->';
export const REFERENCE_END = '<!-- END GENERATED KEY REFERENCE -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function typeLabel(key: ConfigKey): string {
  if (key.type === 'enum' && key.choices) return `enum: ${key.choices.map((c) => (c === '' ? '""' : c)).join(' | ')}`;
  if (key.type === 'duration') return 'duration (s)';
  return key.type;
}

/** The markdown between the BEGIN/END markers: one table per section. */
export function renderKeyReference(): string {
  const parts: string[] = [];
  for (const section of CONFIG_SECTIONS) {
    parts.push(`### \`[${section}]\``, '', '| Key | Env var | Type | Default | Meaning |', '|---|---|---|---|---|');
    for (const key of CONFIG_KEYS.filter((k) => k.section === section)) {
      const def = key.default === '' ? '*(empty)*' : `\`${key.default}\``;
      const meaning = key.secret ? `${key.description} Secret: never printed.` : key.description;
      parts.push(`| \`${key.key}\` | \`${key.envVar}\` | ${cell(typeLabel(key))} | ${def} | ${cell(meaning)} |`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

/** Replaces the generated block of a markdown document; throws when the markers are missing. */
export function replaceKeyReference(markdown: string): string {
  const begin = markdown.indexOf(REFERENCE_BEGIN);
  const end = markdown.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin) throw new Error('generated key reference markers not found');
  return `${markdown.slice(0, begin + REFERENCE_BEGIN.length)}\n\n${renderKeyReference()}\n${markdown.slice(end)}`;
}

/** Extracts the generated block (trimmed) for comparison in tests. */
export function extractKeyReference(markdown: string): string | undefined {
  const begin = markdown.indexOf(REFERENCE_BEGIN);
  const end = markdown.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin) return undefined;
  return markdown.slice(begin + REFERENCE_BEGIN.length, end).trim();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2] === '--write' ? process.argv[3] : undefined;
  if (target) writeFileSync(target, replaceKeyReference(readFileSync(target, 'utf8')));
  else process.stdout.write(`${renderKeyReference()}\n`);
}
