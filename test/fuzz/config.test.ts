// Fuzz / property tests of the configuration loader (src/config/*): random INI text, random values
// for every key from the environment and from a file. Nothing but ConfigError may escape, every
// error names the key and where the value came from, secrets are never echoed, and values that
// survive round-trip through the INI parser.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as fc from 'fast-check';
import { ConfigError } from '../../src/config/errors.js';
import { expandValue } from '../../src/config/expand.js';
import { parseIni } from '../../src/config/ini.js';
import { loadConfig } from '../../src/config/load.js';
import { CONFIG_KEYS } from '../../src/config/schema.js';
import { ValueProblem } from '../../src/config/errors.js';
import { params, timed } from './runs.js';

const dir = mkdtempSync(join(tmpdir(), 'livehub-fuzz-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Values near what each type accepts, plus garbage. */
const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ maxLength: 30, unit: 'binary' }),
  fc.integer().map(String),
  fc.constantFrom('', '-1', '0', '1', '-2', '1.5', '1e3', '99999999999999999999', 'NaN', 'true', 'false', 'yes', 'off', '30s', '5m', '1h30m', '500ms', '1.5s',
    '10 parsecs', '1MiB', '64kb', '-5KiB', '*', 'https://*.example.com', 'http://[bad', '{"iss":"x"}', '{iss:', '[]', 'redis', 'memcached', 'Viewer', 'admin',
    '$__env{HOME}', '${HOME}', '$__nope{x}', '$__file{/nonexistent/secret}', 'a,b, ,c', 'sqlite3', 'postgres', 'db:port', '[::1]:5432', 'x.yaml', 'x.txt', 'm.js'),
);

function checkError(err: unknown, label: string, where: string, secretValue?: string): void {
  assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
  assert.ok(err.message.length > 0);
  assert.ok(err.message.includes(label), `message names the key: ${err.message}`);
  assert.ok(err.message.includes(where), `message names the source: ${err.message}`);
  // A `$__file{…}` / `$__env{…}` reference names where the secret is, not the secret: it may be quoted.
  if (secretValue !== undefined && secretValue.length >= 6 && !secretValue.includes('$')) assert.ok(!err.message.includes(secretValue), `secret echoed: ${err.message}`);
}

test('every key from the environment: a config or a ConfigError naming key and variable', () => {
  fc.assert(
    fc.property(fc.constantFrom(...CONFIG_KEYS), value, (def, raw) => {
      const env = { [def.envVar]: raw };
      try {
        timed('loadConfig', 2000, () => loadConfig({ env }));
      } catch (err) {
        // A JWT enabled without key material is a cross-key error on [auth.jwt] enabled.
        const label = err instanceof ConfigError && err.key === 'enabled' && def.section === 'auth.jwt' ? '[auth.jwt] enabled' : `[${def.section}] ${def.key}`;
        checkError(err, label, def.envVar, def.secret ? raw.trim() : undefined);
      }
    }),
    params(2000),
  );
});

test('every key from an INI file: a config or a ConfigError naming key, file and line', () => {
  let n = 0;
  fc.assert(
    fc.property(fc.constantFrom(...CONFIG_KEYS), value.filter((v) => !/[\r\n]/.test(v)), (def, raw) => {
      const file = join(dir, `f${n++ % 50}.ini`);
      // Quoted, so ; and # inside the value are not comments; a value containing both quotes is skipped.
      const quote = raw.includes('"') ? "'" : '"';
      fc.pre(!(raw.includes('"') && raw.includes("'")));
      writeFileSync(file, `; fuzz\n[${def.section}]\n${def.key} = ${quote}${raw}${quote}\n`);
      try {
        loadConfig({ file, env: {} });
      } catch (err) {
        if (err instanceof ConfigError && err.key === 'enabled' && def.section === 'auth.jwt') return;
        checkError(err, `[${def.section}] ${def.key}`, `${file}:3`, def.secret ? raw : undefined);
      }
    }),
    params(600, 0.05),
  );
});

test('parseIni: arbitrary text gives a document or a ConfigError with source and line', () => {
  const iniChar = fc.constantFrom(...'[]=;#"\' \t\nabcXY_.-01'.split(''));
  const iniText = fc.oneof(fc.array(iniChar, { maxLength: 200 }).map((cs) => cs.join('')), fc.string({ maxLength: 200, unit: 'binary' }));
  fc.assert(
    fc.property(iniText, (text) => {
      try {
        const doc = timed('parseIni', 2000, () => parseIni(text, 'fuzz.ini'));
        for (const entry of doc.entries) assert.ok(entry.line >= 1);
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.match(err.message, /^fuzz\.ini:\d+: \S/);
      }
    }),
    params(3000),
  );
});

test('round trip: sections, keys and quoted values come back from the INI text', () => {
  const name = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,12}$/);
  const safeValue = fc.string({ maxLength: 30 }).filter((v) => !/[\r\n"]/.test(v));
  fc.assert(
    fc.property(fc.array(fc.tuple(name, name, safeValue, fc.boolean()), { minLength: 1, maxLength: 8 }), (entries) => {
      const text = entries.map(([section, key, v, quoted]) => {
        const plainOk = v === v.trim() && !/(^|\s)[;#]/.test(v) && !/^['"]/.test(v);
        return `[${section}]\n${key} = ${quoted || !plainOk ? `"${v}"` : v}`;
      }).join('\n');
      const doc = parseIni(text);
      assert.deepEqual(doc.entries.map((e) => [e.section, e.key, e.value]), entries.map(([s, k, v]) => [s === 'default' ? '' : s, k, v]));
    }),
    params(1500),
  );
});

test('expandValue: only ValueProblem escapes, unset variables expand to empty', () => {
  const ref = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.tuple(fc.constantFrom('$__env{', '${', '$__file{', '$__x{', '$__{', '$'), fc.string({ maxLength: 10 }), fc.constantFrom('}', '')).map((p) => p.join('')),
  );
  fc.assert(
    fc.property(fc.array(ref, { maxLength: 5 }).map((p) => p.join('')), (text) => {
      try {
        const out = expandValue(text, { env: { FUZZ: 'value' }, readFile: () => 'secret\n' });
        assert.equal(typeof out, 'string');
      } catch (err) {
        assert.ok(err instanceof ValueProblem, String(err));
        assert.ok(err.message.length > 0);
      }
    }),
    params(2000),
  );
});
