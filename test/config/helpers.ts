// Shared helpers for config tests: temporary INI files and ConfigError matchers.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir as harnessTempDir } from '../../harness/processes.js';
import { ConfigError } from '../../src/config/errors.js';

/** A temp directory removed when the test process exits. */
export function tempDir(): string {
  return harnessTempDir('livehub-config-');
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
