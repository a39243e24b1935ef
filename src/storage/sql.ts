// The small SQL port features use: parameterised queries (`?` placeholders in every dialect),
// transactions and a typed unique-violation error. Adapters: SQLite (better-sqlite3) and PostgreSQL (pg).

export type Dialect = 'sqlite3' | 'postgres';

/** Values that may be bound to a `?` placeholder. */
export type SqlValue = string | number | null;

/** A result row, column name → value (PostgreSQL returns BIGINT as a string: use `toNumber`). */
export type Row = Record<string, unknown>;

export interface SqlExecutor {
  readonly dialect: Dialect;
  /** Every row of a query (also for `INSERT … RETURNING`). */
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** The first row, or undefined. */
  get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Runs a statement; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A UNIQUE constraint was violated (e.g. two nodes created the same dashboard uid at once). */
export class UniqueViolationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UniqueViolationError';
  }
}

/** The database could not be opened or reached; the message says which and why. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** Integer columns come back as number (SQLite) or string (PostgreSQL BIGINT). */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' || typeof value === 'bigint') return Number(value);
  throw new TypeError(`expected an integer column, got ${typeof value}`);
}

export function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  return String(value);
}
