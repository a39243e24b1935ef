#!/usr/bin/env node
// Runs the compiled test files with Node's test runner. `node scripts/run-tests.mjs [unit|integration] [filter]`
// Node 20 takes no directory globs, so the files are listed here. Plain JavaScript (.mjs), unlike the
// other scripts: it runs the output of the build, so it must not itself need one (and it starts only
// node, nothing the harness manages).

import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testDir = join(root, 'dist', 'test');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const [kind, filter] = process.argv.slice(2);
let files = walk(testDir).sort();
if (kind === 'unit') files = files.filter((f) => !f.includes('/integration/'));
else if (kind === 'integration') files = files.filter((f) => f.includes('/integration/'));
else if (kind !== undefined && kind !== 'all') files = files.filter((f) => f.includes(kind));
if (filter !== undefined) files = files.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error('no test files found under', relative(root, testDir));
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', '--test-timeout=180000', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
