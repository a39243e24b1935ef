// The real command line as an operator runs it: a livehub process configured by INI file and GF_*
// variables, health, a centrifuge client, SIGTERM shutdown, and start-up failures naming the key.
// Servers start through the harness (harness/livehub.ts); one-shot commands through run().

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIVEHUB_CLI as CLI, startLivehub } from '../../harness/livehub.js';
import { connected, newClient } from '../helpers/centrifuge.js';

interface Run {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
}

function run(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout!.on('data', (d: Buffer) => stdout.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout, stderr, exited };
}

test('starts from an INI file plus GF_* overrides, serves clients, stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-cli-'));
  const ini = join(dir, 'livehub.ini');
  writeFileSync(ini, '[server]\nhttp_addr = 127.0.0.1\nhttp_port = 1\n\n[live]\n; GF_ variables win over the file\nmax_connections = 5\n');
  const node = await startLivehub({ args: ['--config', ini], dataDir: dir, env: { GF_SERVER_HTTP_PORT: '0', GF_LIVE_MAX_CONNECTIONS: '-1' } });
  try {
    const port = node.port;
    const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as { status: string; live: { maxConnections: number } };
    assert.equal(health.status, 'ok');
    assert.equal(health.live.maxConnections, -1, 'the env var overrode the file');
    const client = newClient(`ws://127.0.0.1:${port}/api/live/ws`);
    await connected(client);
    client.disconnect();
  } finally {
    node.proc.signal('SIGTERM');
  }
  assert.equal(await node.proc.exited, 0);
});

test('an unknown key fails start-up naming the key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-cli-'));
  const ini = join(dir, 'bad.ini');
  writeFileSync(ini, '[live]\nmax_conections = 5\n');
  const r = run(['--config', ini], { GF_PATHS_DATA: dir });
  assert.equal(await r.exited, 1);
  assert.match(r.stderr.join(''), /max_conections/);
});

test('an invalid env value fails start-up naming the variable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-cli-'));
  const r = run([], { GF_PATHS_DATA: dir, GF_LIVE_MAX_CONNECTIONS: '-7' });
  assert.equal(await r.exited, 1);
  const err = r.stderr.join('');
  assert.match(err, /max_connections/);
  assert.match(err, /GF_LIVE_MAX_CONNECTIONS/);
});

test('token create prints a token that then authenticates', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-cli-'));
  const r = run(['token', 'create', '--name', 'telegraf', '--org', '1', '--role', 'Editor'], { GF_PATHS_DATA: dir });
  assert.equal(await r.exited, 0);
  const token = /glh_[A-Za-z0-9_-]+/.exec(r.stdout.join(''))?.[0];
  assert.ok(token, r.stdout.join(''));
  const server = await startLivehub({ dataDir: dir, env: { GF_AUTH_ANONYMOUS_ENABLED: 'false' } });
  try {
    const port = server.port;
    const publish = (auth?: string) => fetch(`http://127.0.0.1:${port}/api/live/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) },
      body: JSON.stringify({ channel: 'grafana/broadcast/cli', data: {} }),
    });
    assert.equal((await publish(`Bearer ${token}`)).status, 200);
    assert.equal((await publish()).status, 401);
  } finally {
    server.proc.signal('SIGTERM');
  }
  assert.equal(await server.proc.exited, 0);
});

test('a data directory livehub creates is 0700, its token file and database files 0600', async () => {
  const data = join(mkdtempSync(join(tmpdir(), 'livehub-cli-')), 'var', 'livehub');
  const modeOf = (path: string): number => statSync(path).mode & 0o777;
  const previous = process.umask(0o022);
  try {
    const create = run(['token', 'create', '--name', 'telegraf', '--org', '1', '--role', 'Editor'], { GF_PATHS_DATA: data });
    assert.equal(await create.exited, 0);
    assert.equal(modeOf(data), 0o700);
    assert.equal(modeOf(join(data, 'api-tokens.json')), 0o600);
    const server = await startLivehub({ dataDir: data });
    try {
      // Migrations ran before the listener opened: the database is in WAL mode with both side files.
      for (const file of ['livehub.db', 'livehub.db-wal', 'livehub.db-shm']) assert.equal(modeOf(join(data, file)), 0o600, file);
      assert.ok(!server.output(2000).includes('data file permissions'));
    } finally {
      server.proc.signal('SIGTERM');
    }
    assert.equal(await server.proc.exited, 0);
  } finally {
    process.umask(previous);
  }
});

test('SIGHUP stops the node gracefully, like SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-cli-'));
  const node = await startLivehub({ dataDir: dir });
  node.proc.signal('SIGHUP');
  assert.equal(await node.proc.exited, 0);
  assert.match(node.output(2000), /"msg":"Shutting down","signal":"SIGHUP"/);
});

test('started by npm, the node stops when npm is killed without passing the signal on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-cli-'));
  // A stand-in for npm: a shell that starts the node with npm's environment and is then SIGKILLed.
  const npm = spawn('sh', ['-c', `"${process.execPath}" "${CLI}" & echo "node=$!"; wait`], {
    env: { PATH: process.env['PATH'] ?? '', npm_lifecycle_event: 'start', GF_SERVER_HTTP_PORT: '0', GF_SERVER_HTTP_ADDR: '127.0.0.1', GF_PATHS_DATA: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 15_000;
  while (!out.includes('HTTP Server Listen') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  const pid = Number(/node=(\d+)/.exec(out)?.[1]);
  assert.ok(pid > 0 && out.includes('HTTP Server Listen'), out);
  npm.kill('SIGKILL');
  const alive = (): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stopBy = Date.now() + 5000;
  while (alive() && Date.now() < stopBy) await new Promise((res) => setTimeout(res, 100));
  if (alive()) process.kill(pid, 'SIGKILL');
  assert.equal(alive(), false, 'the orphaned node stopped by itself');
});
