// The rule of `npm run test:unit`: a unit test runs inside its own process, in memory and on temp
// files only — it starts no child process (redis-server, Chromium, a livehub, a shell) and opens no
// socket (no listener, not even on loopback, and no outbound connection). Tests that need either
// live under test/integration/ (scripts/run-tests.mjs).
//
// scripts/run-tests.mjs preloads unit-isolation-preload.ts (`node --import`) into every unit test
// process, so a unit test that breaks the rule fails at the call with a message saying where the test
// belongs, instead of silently making `test:unit` slow and dependent on installed programs.

import { createRequire, syncBuiltinESMExports } from 'node:module';

const require = createRequire(import.meta.url);
// The CommonJS module objects: patching their properties (then syncing the ESM named exports)
// reaches `import { spawn } from 'node:child_process'` as well as `require('child_process').spawn`.
const childProcess = require('node:child_process') as Record<string, unknown>;
const net = require('node:net') as typeof import('node:net');
const dgram = require('node:dgram') as Record<string, unknown>;

const STARTERS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
const WHERE = 'unit tests start no child process and open no socket; move this test under test/integration/ (scripts/run-tests.mjs)';

export class UnitIsolationError extends Error {
  override readonly name = 'UnitIsolationError';
}

let installed = false;

function refuse(what: string): never {
  throw new UnitIsolationError(`${what}: ${WHERE}`);
}

function describe(arg: unknown): string {
  if (typeof arg === 'string') return JSON.stringify(arg);
  if (typeof arg === 'number') return String(arg);
  if (arg !== null && typeof arg === 'object') {
    const o = arg as { port?: unknown; path?: unknown; host?: unknown };
    return JSON.stringify({ host: o.host, port: o.port, path: o.path });
  }
  return '';
}

/** Makes every way of starting a process or opening a socket throw UnitIsolationError. Idempotent. */
export function installUnitIsolation(): void {
  if (installed) return;
  installed = true;
  for (const name of STARTERS) {
    childProcess[name] = (command: unknown) => refuse(`child_process.${name}(${describe(command)})`);
  }
  net.Server.prototype.listen = function listen(...args: unknown[]) {
    return refuse(`listen(${describe(args[0])})`);
  } as typeof net.Server.prototype.listen;
  // net.connect, http(s) requests, fetch (undici) and TLS all connect through a net.Socket.
  net.Socket.prototype.connect = function connect(...args: unknown[]) {
    return refuse(`connect(${describe(args[0])})`);
  } as typeof net.Socket.prototype.connect;
  dgram['createSocket'] = () => refuse('dgram.createSocket()');
  syncBuiltinESMExports();
}

/** True once the guard is in place in this process. */
export function unitIsolationInstalled(): boolean {
  return installed;
}

