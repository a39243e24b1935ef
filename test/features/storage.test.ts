// The SQL port on SQLite: migrations are recorded and run once, transactions roll back on errors
// and keep other statements out, unique violations are typed, data survives closing and reopening
// the store; `?` placeholders are numbered for PostgreSQL without touching quoted text; and the
// files are private: folders 0700, database, -wal and -shm 0600.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DASHBOARD_MIGRATIONS } from '../../src/features/dashboards/migrations.js';
import { SqlDashboardRepository } from '../../src/features/dashboards/sql-repository.js';
import { migrate } from '../../src/storage/migrate.js';
import { numberPlaceholders } from '../../src/storage/postgres.js';
import { SqliteDatabase } from '../../src/storage/sqlite.js';
import { UniqueViolationError } from '../../src/storage/sql.js';

test('numberPlaceholders skips quoted text', () => {
  assert.equal(numberPlaceholders(`SELECT ? , '?' , "a?" , ? WHERE x LIKE ? ESCAPE '\\'`), `SELECT $1 , '?' , "a?" , $2 WHERE x LIKE $3 ESCAPE '\\'`);
});

test('migrations run once and are recorded', async () => {
  const db = SqliteDatabase.open(join(mkdtempSync(join(tmpdir(), 'livehub-db-')), 'sub', 'test.db'));
  const steps = [{ id: 'one', up: { sqlite3: ['CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)'], postgres: [] } }];
  assert.deepEqual(await migrate(db, steps), ['one']);
  assert.deepEqual(await migrate(db, steps), []);
  const more = [...steps, { id: 'two', up: { sqlite3: ['ALTER TABLE t ADD COLUMN w TEXT'], postgres: [] } }];
  assert.deepEqual(await migrate(db, more), ['two']);
  assert.deepEqual((await db.all('SELECT id FROM livehub_migration ORDER BY id')).map((r) => r['id']), ['one', 'two']);
  await assert.rejects(migrate(db, [steps[0]!, steps[0]!]), /duplicate migration/);
  // A failing step leaves nothing behind.
  await assert.rejects(migrate(db, [...more, { id: 'bad', up: { sqlite3: ['CREATE TABLE x (a)', 'NOT SQL'], postgres: [] } }]));
  assert.equal(await db.get("SELECT name FROM sqlite_master WHERE name = 'x'"), undefined);
  await db.close();
});

test('transactions roll back, serialise, and unique violations are typed', async () => {
  const db = SqliteDatabase.open(':memory:');
  await db.run('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)');
  await assert.rejects(db.transaction(async (tx) => {
    await tx.run('INSERT INTO t VALUES (?, ?)', ['a', 1]);
    throw new Error('abort');
  }), /abort/);
  assert.equal((await db.all('SELECT * FROM t')).length, 0);
  // A statement issued during a transaction waits for it.
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const tx = db.transaction(async (t) => {
    await t.run('INSERT INTO t VALUES (?, ?)', ['b', 1]);
    await gate;
    await t.run('UPDATE t SET v = 2 WHERE k = ?', ['b']);
  });
  const read = db.get('SELECT v FROM t WHERE k = ?', ['b']);
  release();
  await tx;
  assert.deepEqual(await read, { v: 2 }, 'the read saw the committed state, never the middle');
  await assert.rejects(db.run('INSERT INTO t VALUES (?, ?)', ['b', 3]), UniqueViolationError);
  await db.close();
});

test('the dashboard store survives closing and reopening', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'livehub-db-')), 'livehub.db');
  const open = async () => {
    const db = SqliteDatabase.open(file);
    await migrate(db, DASHBOARD_MIGRATIONS);
    return { db, repo: new SqlDashboardRepository(db) };
  };
  const first = await open();
  const saved = await first.repo.save({ orgId: 1, id: 0, uid: 'keep', title: 'Keep Me', version: 0, overwrite: false, folderUid: '', tags: ['x'], data: { title: 'Keep Me', panels: [1] }, actor: 'a', now: 1000 });
  await first.db.close();
  const second = await open();
  const again = await second.repo.get(1, 'keep');
  assert.deepEqual(again, { ...saved, data: { title: 'Keep Me', panels: [1] } });
  assert.equal(await second.repo.exists(1, 'keep'), true);
  assert.equal(await second.repo.exists(2, 'keep'), false);
  await second.db.close();
});

const modeOf = (path: string): number => statSync(path).mode & 0o777;

test('new folders are 0700 and the database, -wal and -shm files 0600, whatever the umask', async () => {
  const previous = process.umask(0o022);
  try {
    const root = mkdtempSync(join(tmpdir(), 'livehub-db-'));
    const file = join(root, 'data', 'nested', 'livehub.db');
    const warnings: string[] = [];
    const db = SqliteDatabase.open(file, (w) => warnings.push(w));
    await migrate(db, DASHBOARD_MIGRATIONS);
    await db.run("INSERT INTO livehub_migration (id, applied_at) VALUES ('x', 1)");
    assert.equal(modeOf(join(root, 'data')), 0o700);
    assert.equal(modeOf(join(root, 'data', 'nested')), 0o700);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(modeOf(f), 0o600, f);
    assert.deepEqual(warnings, []);
    await db.close();
  } finally {
    process.umask(previous);
  }
});

test('existing files are narrowed to 0600; an existing open folder is reported, not changed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-db-'));
  chmodSync(dir, 0o755);
  const file = join(dir, 'livehub.db');
  writeFileSync(file, '');
  chmodSync(file, 0o644);
  writeFileSync(`${file}-wal`, '');
  chmodSync(`${file}-wal`, 0o666);
  const warnings: string[] = [];
  const db = SqliteDatabase.open(file, (w) => warnings.push(w));
  await migrate(db, DASHBOARD_MIGRATIONS);
  assert.equal(modeOf(file), 0o600);
  assert.equal(modeOf(`${file}-wal`), 0o600);
  assert.equal(modeOf(dir), 0o755, "the operator's folder keeps its mode");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /open to group or others \(mode 0755\).*chmod 700/);
  await db.close();
});
