#!/usr/bin/env node
// Runs the compiled test files with Node's test runner. `node scripts/run-tests.mjs [unit|integration|all|<part of a path>] [filter]`
// Node 20 takes no directory globs, so the files are listed here. Plain JavaScript (.mjs), unlike the
// other scripts: it runs the output of the build, so it must not itself need one.
//
// Two groups, decided by where a file lives:
// - unit: every test file outside test/integration/. A unit test starts no child process and opens no
//   socket — not even an in-process listener on loopback: it runs in memory and on temp files, in
//   milliseconds. Each unit file runs with test/meta/unit-isolation-preload.ts preloaded, which makes
//   child_process, listen() and connect() throw, so a file that breaks the rule fails there.
// - integration: test/integration/** — real redis-server, Sentinel, HAProxy, PostgreSQL, Chromium,
//   livehub processes and in-process hubs on loopback ports, the benchmark smoke runs.
// `all` (the default, `npm test`) runs the unit group, then the integration group: every file once.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');
const integrationDir = join(testDir, 'integration') + sep;
const unitPreload = join(testDir, 'meta', 'unit-isolation-preload.js');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const isIntegration = (file) => file.startsWith(integrationDir);
/** tsc never deletes output: a compiled test whose source was moved or removed is left behind, and skipped. */
const hasSource = (file) => existsSync(join(root, relative(join(root, 'dist'), file)).replace(/\.js$/, '.ts'));

const [kind = 'all', filter] = process.argv.slice(2);
const compiled = walk(testDir).sort();
const stale = compiled.filter((f) => !hasSource(f));
if (stale.length > 0) console.log(`# skipping ${stale.length} compiled test files without a source in test/: ${stale.map((f) => relative(root, f)).join(', ')}`);
let files = compiled.filter(hasSource);
if (kind === 'unit') files = files.filter((f) => !isIntegration(f));
else if (kind === 'integration') files = files.filter(isIntegration);
else if (kind !== 'all') files = files.filter((f) => f.includes(kind));
if (filter !== undefined) files = files.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error('no test files found under', relative(root, testDir));
  process.exit(1);
}

const groups = [
  { name: 'unit', files: files.filter((f) => !isIntegration(f)), args: ['--import', unitPreload] },
  { name: 'integration', files: files.filter(isIntegration), args: [] },
];
let status = 0;
for (const group of groups) {
  if (group.files.length === 0) continue;
  console.log(`# ${group.name}: ${group.files.length} test files`);
  const result = spawnSync(
    process.execPath,
    [...group.args, '--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=180000', ...group.files],
    { stdio: 'inherit', cwd: root, env: { ...process.env, LIVEHUB_TEST_GROUP: group.name } },
  );
  if (result.status !== 0) status = result.status ?? 1;
}
process.exit(status);
