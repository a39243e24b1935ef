// docs/configuration.md carries the generated key reference; it must match the schema exactly
// and name every key and env var (regenerate: node dist/src/config/reference.js --write docs/configuration.md).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_KEYS } from '../../src/config/schema.js';
import { extractKeyReference, renderKeyReference } from '../../src/config/reference.js';

// dist/test/config/docs.test.js -> repository root
const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

test('the generated key reference in docs/configuration.md is up to date', () => {
  const block = extractKeyReference(doc);
  assert.ok(block !== undefined, 'generated block markers missing');
  assert.equal(block, renderKeyReference().trim());
});

test('every schema key, env var and default appears in the doc', () => {
  for (const def of CONFIG_KEYS) {
    assert.ok(doc.includes(`\`[${def.section}]\``), `section ${def.section}`);
    assert.ok(doc.includes(`| \`${def.key}\` | \`${def.envVar}\` |`), `${def.section}.${def.key}`);
    if (def.default !== '') assert.ok(doc.includes(`\`${def.default}\``), `default of ${def.section}.${def.key}`);
  }
});

test('the doc explains API tokens and JWT', () => {
  assert.match(doc, /## API tokens/);
  assert.match(doc, /npm start -- token create --name telegraf --org 1 --role Editor/);
  assert.match(doc, /## JWT/);
});
