// A throwaway PostgreSQL server: initdb into a temp dir, `postgres` on a free loopback port (as the
// `postgres` system user when running as root, which PostgreSQL refuses, creating that user when it
// is missing), password auth, a fresh database, and a bounded stop that removes everything. Every
// wait has a deadline.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';
import { removeTempDir, runToExit, spawnTracked, tempDir, type Spawned } from './processes.js';
import { GiveUp, waitUntil } from './wait.js';

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** GF_DATABASE_* variables that point livehub at this server. */
  readonly env: Record<string, string>;
  /** Creates another empty database on the same server. */
  createDatabase(name: string): Promise<void>;
  /** Fast shutdown (bounded), then the data directory is removed. */
  stop(): Promise<void>;
}

const SUPERUSER = 'livehub_test';
const INITDB_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** The folder with initdb and postgres: the newest /usr/lib/postgresql/<major>/bin, else PATH. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+(\.\d+)?$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const bin = join(root, v, 'bin');
      if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres'))) return bin;
    }
  }
  const found = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  const initdb = found.status === 0 ? found.stdout.trim() : '';
  return initdb === '' ? undefined : initdb.slice(0, initdb.lastIndexOf('/'));
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** As root: the `postgres` user (created as a system user when missing). Otherwise: run as ourselves. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let ids = userIds('postgres');
  if (ids === undefined) {
    spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
    ids = userIds('postgres');
  }
  if (ids === undefined) throw new Error('running as root but no "postgres" system user exists and useradd failed');
  return ids;
}

export async function startPostgres(database = 'livehub'): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (no initdb): run `node scripts/ensure-system-deps.mjs` or apt-get install postgresql');
  const owner = serverUser();
  const dir = tempDir('livehub-pg-');
  const dataDir = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwFile = join(dir, 'pw');
  writeFileSync(pwFile, password + '\n', { mode: 0o600 });
  if (owner !== undefined) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwFile, owner.uid, owner.gid);
  }
  const ids = owner === undefined ? {} : { uid: owner.uid, gid: owner.gid };
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, LANG: 'C', LC_ALL: 'C' };

  let server: Spawned | undefined;
  const cleanup = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, close clients.
    await server?.stop(STOP_TIMEOUT_MS, 'SIGINT');
    removeTempDir(dir);
  };

  try {
    await runToExit(join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--no-locale', '--no-sync'], {
      ...ids,
      env,
      timeoutMs: INITDB_TIMEOUT_MS,
    });
    const port = await freePort();
    const started = spawnTracked(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      { ...ids, env },
    );
    server = started;

    const connect = { host: '127.0.0.1', port, user: SUPERUSER, password, connectionTimeoutMillis: 2000 };
    const admin = async (db: string, sql: string): Promise<void> => {
      const client = new pg.Client({ ...connect, database: db });
      client.on('error', () => undefined);
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await waitUntil(async () => {
      if (!started.running) throw new GiveUp(`postgres exited with ${started.child.exitCode}`);
      await admin('postgres', 'SELECT 1');
      return true;
    }, 'postgres to accept connections', READY_TIMEOUT_MS, 100).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}:\n${started.output(100)}`);
    });
    const createDatabase = (name: string): Promise<void> => admin('postgres', `CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    await createDatabase(database);
    return {
      host: `127.0.0.1:${port}`,
      port,
      user: SUPERUSER,
      password,
      database,
      env: {
        GF_DATABASE_TYPE: 'postgres',
        GF_DATABASE_HOST: `127.0.0.1:${port}`,
        GF_DATABASE_NAME: database,
        GF_DATABASE_USER: SUPERUSER,
        GF_DATABASE_PASSWORD: password,
      },
      createDatabase,
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
