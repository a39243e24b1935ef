// Opens the database the configuration names: the embedded SQLite file (default, `[database] path`
// inside `[paths] data`) or PostgreSQL with Grafana's `[database]` keys.

import { isAbsolute, join } from 'node:path';
import type { DatabaseConfig } from '../config/types.js';
import { PostgresDatabase } from './postgres.js';
import { SqliteDatabase } from './sqlite.js';
import type { SqlDatabase } from './sql.js';

/** Absolute or data-dir-relative SQLite file of a configuration (Grafana resolves `path` the same way). */
export function sqliteFile(database: DatabaseConfig, dataDir: string): string {
  if (database.path === ':memory:' || isAbsolute(database.path)) return database.path;
  return join(dataDir, database.path);
}

/** Human-readable target for logs (never includes the password). */
export function describeDatabase(database: DatabaseConfig, dataDir: string): string {
  return database.type === 'postgres'
    ? `postgres ${database.user}@${database.host}/${database.name}`
    : `sqlite3 ${sqliteFile(database, dataDir)}`;
}

/** `warn`: file-mode problems of the SQLite files that are not errors (docs/configuration.md). */
export async function openDatabase(database: DatabaseConfig, dataDir: string, warn?: (message: string) => void): Promise<SqlDatabase> {
  if (database.type === 'postgres') {
    return PostgresDatabase.open({
      host: database.host,
      database: database.name,
      user: database.user,
      password: database.password,
      sslMode: database.sslMode,
    });
  }
  return SqliteDatabase.open(sqliteFile(database, dataDir), warn);
}
