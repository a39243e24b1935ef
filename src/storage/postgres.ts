// PostgreSQL adapter on node-postgres: a small pool, `?` placeholders rewritten to `$n`, and
// transactions on one pooled client. Connection settings follow Grafana's [database] keys.

import pg from 'pg';
import { DatabaseUnavailableError, UniqueViolationError, type Row, type SqlDatabase, type SqlExecutor, type SqlValue } from './sql.js';

export interface PostgresSettings {
  /** "host", "host:port", "[::1]:port" or a Unix socket directory. */
  readonly host: string;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly sslMode: 'disable' | 'require' | 'verify-ca' | 'verify-full';
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** Connect timeout in ms (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/** Rewrites `?` placeholders to `$1…$n`, leaving quoted text and identifiers alone. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | undefined;
  for (const ch of sql) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

function splitHost(host: string): { host: string; port: number } {
  if (host.startsWith('/')) return { host, port: 5432 };
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (v6 !== null) return { host: v6[1]!, port: v6[2] === undefined ? 5432 : Number(v6[2]) };
  const colon = host.lastIndexOf(':');
  if (colon < 0) return { host, port: 5432 };
  return { host: host.slice(0, colon), port: Number(host.slice(colon + 1)) };
}

function sslOption(mode: PostgresSettings['sslMode']): pg.PoolConfig['ssl'] {
  switch (mode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

function translate(err: unknown): unknown {
  if ((err as { code?: unknown }).code === '23505') return new UniqueViolationError((err as Error).message, { cause: err });
  return err;
}

type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

class PostgresStatements implements SqlExecutor {
  readonly dialect = 'postgres' as const;

  constructor(private readonly target: Queryable) {}

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    try {
      return (await this.target.query<Row>(numberPlaceholders(sql), [...params])).rows;
    } catch (err) {
      throw translate(err);
    }
  }

  async get(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return (await this.all(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      return (await this.target.query(numberPlaceholders(sql), [...params])).rowCount ?? 0;
    } catch (err) {
      throw translate(err);
    }
  }
}

export class PostgresDatabase extends PostgresStatements implements SqlDatabase {
  private constructor(private readonly pool: pg.Pool) {
    super(pool);
  }

  /** Creates the pool and checks that the server answers (so misconfiguration fails at startup). */
  static async open(settings: PostgresSettings): Promise<PostgresDatabase> {
    const { host, port } = splitHost(settings.host);
    const pool = new pg.Pool({
      host,
      port,
      database: settings.database,
      user: settings.user,
      password: settings.password,
      ssl: sslOption(settings.sslMode),
      max: settings.maxConnections ?? 10,
      connectionTimeoutMillis: settings.connectTimeoutMs ?? 10_000,
      application_name: 'livehub',
    });
    // An idle client losing its connection emits 'error' on the pool; without a listener it would crash the process.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new DatabaseUnavailableError(
        `cannot connect to PostgreSQL ${settings.user}@${settings.host}/${settings.database}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return new PostgresDatabase(pool);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(new PostgresStatements(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is unusable: drop it instead of returning it to the pool
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
