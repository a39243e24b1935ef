// scripts/ha-cluster.mjs end to end: it starts Redis master + replica, three Sentinels, HAProxy (from
// examples/ha/haproxy.cfg) and livehub nodes that are healthy and see each other, the nodes never
// start before HAProxy routes to the master only (else their first connections can land on the
// read-only replica and drop right away), and SIGINT (Ctrl-C), SIGTERM (a supervisor, `timeout`) or
// SIGHUP (a closed terminal) stops every process and removes the temp directory.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { http } from '../../harness/http.js';
import { tempDir } from '../../harness/processes.js';
import { projectRoot } from '../../harness/project-root.js';
import { waitUntil, within } from '../../harness/wait.js';

const SCRIPT = join(projectRoot(), 'scripts', 'ha-cluster.mjs');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Two consecutive free ports (the script gives node i the port first + i). */
async function consecutiveFreePorts(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 10_000 + Math.floor(Math.random() * 22_000); // below the ephemeral range (see freePort)
    if ((await portFree(first)) && (await portFree(first + 1))) return first;
  }
  throw new Error('no two consecutive free ports');
}

let script: ChildProcess | undefined;
after(() => {
  if (script?.pid !== undefined && script.exitCode === null && script.signalCode === null) {
    try {
      process.kill(-script.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

interface Started {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly dir: string;
  readonly urls: string[];
  output(): string;
}

async function startScript(nodes: number): Promise<Started> {
  const first = await consecutiveFreePorts();
  const home = tempDir('livehub-ha-script-');
  const child = spawn(process.execPath, [SCRIPT, '--nodes', String(nodes), '--port', String(first)], {
    // Its temp directory goes under our own, so nothing can escape cleanup.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TMPDIR: home },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  script = child;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  await waitUntil(() => out.includes('livehub HA cluster is running') || child.exitCode !== null, 'the cluster to be up', 60_000);
  assert.ok(out.includes('livehub HA cluster is running'), out);
  const dir = /temp dir (\S+)\)/.exec(out)?.[1];
  assert.ok(dir !== undefined && existsSync(dir), out);
  const urls = Array.from({ length: nodes }, (_, i) => `http://127.0.0.1:${first + i}`);
  return { child, exited, dir, urls, output: () => out };
}

/** Signals the script and checks that it stopped everything it started and removed its folder. */
async function stopScript(started: Started, signal: NodeJS.Signals): Promise<void> {
  const { child, exited, dir, urls } = started;
  child.kill(signal);
  assert.equal(await within(exited, 30_000, 'the script to stop'), 0, started.output());
  assert.ok(!existsSync(dir), 'the temp directory is removed');
  // Every process the script started was in its process group; none is left.
  await waitUntil(() => {
    try {
      process.kill(-child.pid!, 0);
      return false;
    } catch {
      return true;
    }
  }, `every child process to be gone after ${signal}`, 10_000);
  for (const url of urls) await assert.rejects(fetch(`${url}/api/health`), 'the nodes are down');
}

test('scripts/ha-cluster.mjs starts the whole local cluster and stops cleanly on SIGTERM', async () => {
  const started = await startScript(2);
  const { dir, urls } = started;
  assert.match(started.output(), /sentinels\s+127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/);

  for (const url of urls) {
    const health = await http('GET', `${url}/api/health`);
    assert.equal(health.status, 200, `${url}: ${health.text}`);
  }
  await waitUntil(async () => {
    const res = await http('GET', `${urls[0]}/api/live/cluster`);
    return (res.body as { nodes: unknown[] }).nodes.length === 2;
  }, 'the nodes to see each other', 15_000);
  const haproxyCfg = readFileSync(join(dir, 'haproxy.cfg'), 'utf8');
  assert.match(haproxyCfg, /tcp-check expect string role:master/, 'the example configuration');
  for (const n of [1, 2]) {
    const log = readFileSync(join(dir, `livehub-${n}.log`), 'utf8');
    assert.doesNotMatch(log, /live engine lost redis/, `livehub-${n} kept its first Redis connections:\n${log}`);
  }
  await stopScript(started, 'SIGTERM');
});

for (const signal of ['SIGINT', 'SIGHUP'] as const) {
  test(`scripts/ha-cluster.mjs stops everything on ${signal}`, async () => {
    await stopScript(await startScript(1), signal);
  });
}
