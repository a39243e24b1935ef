#!/usr/bin/env node
// Installs the Debian packages the integration tests need (real redis-server, redis-sentinel,
// haproxy, chromium, postgresql) when they are missing, with apt-get as root, and says so.
// Set LIVEHUB_SKIP_SYSTEM_DEPS=1 to skip (tests needing a missing tool then fail with a clear message).

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** command that must exist -> Debian package providing it ("*" in an absolute path matches one folder name) */
const REQUIRED = [
  // The PostgreSQL tests run initdb/postgres from the versioned Debian folder (any major version).
  ['/usr/lib/postgresql/*/bin/initdb', 'postgresql'],
  // The Redis HA engine tests run real servers, Sentinels and (scripts/ha-cluster.mjs) HAProxy.
  ['redis-server', 'redis-server'],
  ['redis-sentinel', 'redis-sentinel'],
  ['haproxy', 'haproxy'],
];

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

function has(command) {
  if (command.startsWith('/')) return existsGlob(command);
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

if (process.env.LIVEHUB_SKIP_SYSTEM_DEPS === '1') process.exit(0);
const missing = REQUIRED.filter(([command]) => !has(command));
if (missing.length === 0) process.exit(0);
const packages = [...new Set(missing.map(([, pkg]) => pkg))];
if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  console.error(`livehub tests need: ${packages.join(' ')}. Install them with: sudo apt-get install -y ${packages.join(' ')}`);
  process.exit(1);
}
console.log(`livehub: installing system packages needed by the tests: ${packages.join(' ')} (apt-get)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
