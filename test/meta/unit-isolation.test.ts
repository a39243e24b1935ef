// The guard of `npm run test:unit` (unit-isolation.ts): scripts/run-tests.mjs preloads it into every
// unit test process, and once in place every way of starting a program or opening a socket throws.

import assert from 'node:assert/strict';
import * as childProcess from 'node:child_process';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { installUnitIsolation, UnitIsolationError, unitIsolationInstalled } from './unit-isolation.js';

const underRunner = process.env['LIVEHUB_TEST_GROUP'] === 'unit';

test('scripts/run-tests.mjs preloads the guard into this unit test process', { skip: !underRunner && 'run outside scripts/run-tests.mjs unit' }, () => {
  assert.equal(unitIsolationInstalled(), true, 'the guard was in place before this file was loaded');
});

test('once installed, starting a program or opening a socket throws and names where the test belongs', async () => {
  installUnitIsolation();
  const refused = (fn: () => unknown, what: RegExp) => {
    assert.throws(fn, (err: unknown) => err instanceof UnitIsolationError && what.test(err.message) && /test\/integration\//.test(err.message));
  };
  // Named ESM imports of node:child_process see the patched functions too.
  refused(() => childProcess.spawn('redis-server', ['--port', '0']), /child_process\.spawn\("redis-server"\)/);
  refused(() => childProcess.spawnSync('sh', ['-c', 'true']), /spawnSync\("sh"\)/);
  refused(() => childProcess.execFileSync('chromium'), /execFileSync\("chromium"\)/);
  refused(() => childProcess.execFile('initdb', () => undefined), /execFile\("initdb"\)/);
  refused(() => childProcess.exec('true'), /exec\("true"\)/);
  refused(() => childProcess.execSync('true'), /execSync\("true"\)/);
  refused(() => childProcess.fork('./x.js'), /fork\("\.\/x\.js"\)/);
  refused(() => createServer().listen(0, '127.0.0.1'), /listen\(0\)/);
  refused(() => createTcpServer().listen({ port: 0, host: '127.0.0.1' }), /listen\(\{"host":"127\.0\.0\.1","port":0\}\)/);
  refused(() => connect(6379, '127.0.0.1'), /connect\(/);
  refused(() => createSocket('udp4'), /dgram\.createSocket/);
  // fetch connects through a net.Socket: the request fails with the guard's error as its cause.
  await assert.rejects(fetch('http://127.0.0.1:3000/'), (err: unknown) => (err as { cause?: unknown }).cause instanceof UnitIsolationError);
});
