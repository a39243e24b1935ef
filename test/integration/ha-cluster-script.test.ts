// scripts/ha-cluster.ts (dist/scripts/ha-cluster.js) end to end: it starts Redis master + replica, three Sentinels, HAProxy (from
// examples/ha/haproxy.cfg) and livehub nodes that are healthy and see each other, the nodes never
// start before HAProxy routes to the master only (else their first connections can land on the
// read-only replica and drop right away), and SIGINT (Ctrl-C), SIGTERM (a supervisor, `timeout`) or
// SIGHUP (a closed terminal) stops every process and removes the temp directory.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { http } from '../../harness/http.js';
import { freePorts } from '../../harness/ports.js';
import { spawnTracked, tempDir, type Spawned } from '../../harness/processes.js';
import { projectRoot } from '../../harness/project-root.js';
import { waitUntil, within } from '../../harness/wait.js';

const SCRIPT = join(projectRoot(), 'dist', 'scripts', 'ha-cluster.js');

interface Started {
  /** The script, in a process group of its own (the harness kills the group when this test exits). */
  readonly script: Spawned;
  readonly dir: string;
  readonly urls: string[];
  output(): string;
}

async function startScript(nodes: number): Promise<Started> {
  const first = await freePorts(nodes); // the script gives node i the port first + i
  const home = tempDir('livehub-ha-script-');
  const script = spawnTracked(process.execPath, [SCRIPT, '--nodes', String(nodes), '--port', String(first)], {
    // Its temp directory goes under our own, so nothing can escape cleanup.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TMPDIR: home },
    group: true,
    keepLines: 2000,
  });
  const output = (): string => script.output(2000);
  await waitUntil(() => output().includes('livehub HA cluster is running') || !script.running, 'the cluster to be up', 60_000);
  assert.ok(output().includes('livehub HA cluster is running'), output());
  const dir = /temp dir (\S+)\)/.exec(output())?.[1];
  assert.ok(dir !== undefined && existsSync(dir), output());
  const urls = Array.from({ length: nodes }, (_, i) => `http://127.0.0.1:${first + i}`);
  return { script, dir, urls, output };
}

/** Signals the script and checks that it stopped everything it started and removed its folder. */
async function stopScript(started: Started, signal: NodeJS.Signals): Promise<void> {
  const { script, dir, urls } = started;
  script.child.kill(signal); // the script alone: it must stop what it started
  assert.equal(await within(script.exited, 30_000, 'the script to stop'), 0, started.output());
  assert.ok(!existsSync(dir), 'the temp directory is removed');
  // Every process the script started was in its process group; none is left.
  await waitUntil(() => {
    try {
      process.kill(-script.pid, 0);
      return false;
    } catch {
      return true;
    }
  }, `every child process to be gone after ${signal}`, 10_000);
  for (const url of urls) await assert.rejects(fetch(`${url}/api/health`), 'the nodes are down');
}

test('scripts/ha-cluster.ts starts the whole local cluster and stops cleanly on SIGTERM', async () => {
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
  test(`scripts/ha-cluster.ts stops everything on ${signal}`, async () => {
    await stopScript(await startScript(1), signal);
  });
}
