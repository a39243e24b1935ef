// livehub's files are private to the user it runs as: directories it creates are 0700, its database
// files 0600 (SQLite gives the -wal and -shm files the mode of the database file). An existing
// directory keeps its mode — it may be a mount point or shared on purpose — but one that group or
// others can enter is reported; an existing database file wider than 0600 is narrowed, since only
// livehub has any use for it.

import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8)}`;
}

/** Creates `dir` (and missing parents) 0700; a warning when an existing one is open to group or others. */
export function ensurePrivateDir(dir: string): string | undefined {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  return `directory ${dir} is open to group or others (mode ${octal(mode)}); livehub keeps its database and API tokens there — consider chmod 700 ${dir}`;
}

/**
 * Creates `file` empty with mode 0600 unless it exists (`create`), and narrows an existing file to
 * 0600; a warning when that is not allowed (not the owner).
 */
export function ensurePrivateFile(file: string, create: boolean): string | undefined {
  if (create) closeSync(openSync(file, 'a', PRIVATE_FILE));
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if ((mode & ~PRIVATE_FILE) === 0) return undefined;
  try {
    chmodSync(file, PRIVATE_FILE);
    return undefined;
  } catch (err) {
    return `cannot narrow ${file} from mode ${octal(mode)} to 0600: ${(err as Error).message}`;
  }
}
