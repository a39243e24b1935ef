// Schema migrations: an ordered list of named steps per dialect, applied once each and recorded in
// `livehub_migration`. Idempotent at every start; on PostgreSQL an advisory lock keeps several nodes
// starting together from running the same step twice.

import type { Dialect, SqlDatabase } from './sql.js';

export interface Migration {
  /** Unique, stable name; never rename or edit an applied migration, add a new one. */
  readonly id: string;
  /** Statements per dialect, run in order inside one transaction. */
  readonly up: Readonly<Record<Dialect, readonly string[]>>;
}

export const MIGRATION_TABLE = 'livehub_migration';

// Any constant works; it only has to be the same on every node and unlikely to clash with others.
const ADVISORY_LOCK_KEY = 0x6c6976656875;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${MIGRATION_TABLE} (id VARCHAR(190) PRIMARY KEY, applied_at BIGINT NOT NULL)`;

/** Applies the migrations not yet recorded; resolves with the ids it applied now. */
export async function migrate(db: SqlDatabase, migrations: readonly Migration[], now: () => number = Date.now): Promise<string[]> {
  const ids = new Set<string>();
  for (const m of migrations) {
    if (ids.has(m.id)) throw new Error(`duplicate migration id ${m.id}`);
    ids.add(m.id);
  }
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.get('SELECT pg_advisory_xact_lock(?)', [ADVISORY_LOCK_KEY]);
    await tx.run(CREATE_TABLE);
    const applied = new Set((await tx.all(`SELECT id FROM ${MIGRATION_TABLE}`)).map((r) => String(r['id'])));
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.id)) continue;
      for (const statement of m.up[tx.dialect]) await tx.run(statement);
      await tx.run(`INSERT INTO ${MIGRATION_TABLE} (id, applied_at) VALUES (?, ?)`, [m.id, now()]);
      done.push(m.id);
    }
    return done;
  });
}
