// Shared helpers for config tests: temporary INI files and ConfigError matchers.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-config-'));
  dirs.push(dir);
  return dir;
}

/** Writes an INI file (lines joined with \n) and returns its path. */
export function iniFile(...lines: string[]): string {
  const file = join(tempDir(), 'livehub.ini');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** assert.throws validator: a ConfigError whose message contains every fragment. */
export function configError(...fragments: string[]): (err: unknown) => boolean {
  return (err) => {
    if (!(err instanceof ConfigError)) return false;
    for (const fragment of fragments) {
      if (!err.message.includes(fragment)) throw new Error(`message ${JSON.stringify(err.message)} lacks ${JSON.stringify(fragment)}`);
    }
    return true;
  };
}
