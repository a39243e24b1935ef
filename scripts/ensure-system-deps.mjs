#!/usr/bin/env node
// Installs the Debian packages of every program the tests, benchmarks and scripts start (listed in
// scripts/system-deps.json: redis-server, redis-sentinel, redis-tools, haproxy, chromium,
// postgresql) when one is missing, with apt-get as root, and says so. test/integration/meta/system-deps.test.ts
// keeps the list complete. LIVEHUB_SKIP_SYSTEM_DEPS=1 skips this (tests needing a missing tool then
// fail with a clear message). Plain JavaScript (.mjs), unlike the other scripts: `npm test` runs it
// BEFORE the build, on a fresh checkout where dist/ does not exist yet.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const { tools } = JSON.parse(readFileSync(new URL('./system-deps.json', import.meta.url), 'utf8'));

/** Absolute path with "*" segments (e.g. a version folder): true when some match exists. */
function existsGlob(path) {
  const star = path.indexOf('*');
  if (star < 0) return existsSync(path);
  const dir = path.slice(0, path.lastIndexOf('/', star));
  const rest = path.slice(dir.length + 1);
  const [pattern, ...tail] = rest.split('/');
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  let names;
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  return names.some((name) => re.test(name) && existsGlob([dir, name, ...tail].join('/')));
}

/** True when `command` (a name on PATH, or an absolute path that may hold "*") can be run. */
export function hasTool(command) {
  if (command.startsWith('/')) return existsGlob(command);
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function main() {
  if (process.env.LIVEHUB_SKIP_SYSTEM_DEPS === '1') return 0;
  const missing = tools.filter(({ command }) => !hasTool(command));
  if (missing.length === 0) return 0;
  const packages = [...new Set(missing.map(({ package: pkg }) => pkg))];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    console.error(`livehub tests need: ${packages.join(' ')}. Install them with: sudo apt-get install -y ${packages.join(' ')}`);
    return 1;
  }
  console.log(`livehub: installing system packages needed by the tests: ${packages.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  const still = missing.filter(({ command }) => !hasTool(command));
  if (still.length > 0) {
    console.error(`livehub: still missing after apt-get: ${still.map(({ command }) => command).join(', ')}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && new URL(`file://${process.argv[1]}`).href === import.meta.url) process.exit(main());
