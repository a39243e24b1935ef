// A throwaway PostgreSQL server for tests: initdb into a temp dir, `postgres` on a free loopback port
// (as the `postgres` system user when running as root, which PostgreSQL refuses), password auth,
// a fresh database, and a bounded stop that removes everything. Every wait has a deadline.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], options: { uid?: number; gid?: number; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${command} failed (${signal ?? code}):\n${output}`));
    });
  });
}

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startPostgres(database = 'livehub'): Promise<PostgresServer> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('PostgreSQL is not installed (no initdb): run `node scripts/ensure-system-deps.mjs` or apt-get install postgresql');
  const owner = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'livehub-pg-'));
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

  let child: ChildProcess | undefined;
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  const cleanup = async (): Promise<void> => {
    process.off('exit', killOnExit);
    if (child !== undefined) {
      child.kill('SIGINT'); // fast shutdown: roll back open transactions, close clients
      if (!(await exited(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await exited(child, STOP_TIMEOUT_MS);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await run(join(bin, 'initdb'), ['-D', dataDir, '-U', SUPERUSER, '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', '--no-locale', '--no-sync'], {
      ...ids,
      env,
      timeoutMs: INITDB_TIMEOUT_MS,
    });
    const port = await freePort();
    let log = '';
    child = spawn(
      join(bin, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
      { ...ids, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    process.once('exit', killOnExit);

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
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}:\n${log}`);
      try {
        await admin('postgres', 'SELECT 1');
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`postgres not ready within ${READY_TIMEOUT_MS} ms: ${(err as Error).message}\n${log}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
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
