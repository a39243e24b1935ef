// SQLite adapter on better-sqlite3: one file, WAL journal, statements serialised through a mutex so
// an async transaction never interleaves with other statements on the shared connection.

import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Mutex } from './mutex.js';
import { ensurePrivateDir, ensurePrivateFile } from './private-files.js';
import { DatabaseUnavailableError, UniqueViolationError, type Row, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.js';

type Connection = BetterSqlite3.Database;

function translate(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new UniqueViolationError((err as Error).message, { cause: err });
  }
  return err;
}

/** Direct (unlocked) statement execution; used inside a held lock or transaction. */
class SqliteStatements implements SqlExecutor {
  readonly dialect = 'sqlite3' as const;

  constructor(protected readonly db: Connection) {}

  all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.sync(() => {
      const stmt = this.db.prepare(sql);
      if (stmt.reader) return stmt.all(...params) as Row[];
      // better-sqlite3 refuses all() on statements that return nothing (DDL, plain INSERT).
      stmt.run(...params);
      return [];
    });
  }

  async get(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return (await this.all(sql, params))[0];
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.sync(() => this.db.prepare(sql).run(...params).changes);
  }

  protected sync<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(translate(err));
    }
  }
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite3' as const;
  private readonly lock = new Mutex();
  private readonly statements: SqliteStatements;
  private closed = false;

  private constructor(private readonly db: Connection) {
    this.statements = new SqliteStatements(db);
  }

  /**
   * Opens (creating folders and file as needed) the database at `file`: folders 0700, the database
   * 0600 before SQLite touches it, so its -wal and -shm files get 0600 too (private-files.ts).
   * Problems with modes that are not errors go to `warn`.
   */
  static open(file: string, warn: (message: string) => void = () => undefined): SqliteDatabase {
    let db: Connection;
    try {
      if (file !== ':memory:') {
        const warnings = [ensurePrivateDir(dirname(file)), ensurePrivateFile(file, true), ensurePrivateFile(`${file}-wal`, false), ensurePrivateFile(`${file}-shm`, false)];
        for (const w of warnings) if (w !== undefined) warn(w);
      }
      db = new BetterSqlite3(file);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
    } catch (err) {
      throw new DatabaseUnavailableError(`cannot open SQLite database ${file}: ${(err as Error).message}`, { cause: err });
    }
    return new SqliteDatabase(db);
  }

  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.lock.run(() => this.statements.all(sql, params));
  }

  get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.lock.run(() => this.statements.get(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.lock.run(() => this.statements.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      // IMMEDIATE takes the write lock up front, so another process cannot sneak in between read and write.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.statements);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.lock.run(() => {
      if (this.closed) return;
      this.closed = true;
      this.db.close();
    });
  }
}
