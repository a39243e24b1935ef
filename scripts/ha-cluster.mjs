#!/usr/bin/env node
// Starts a local HA cluster on loopback in a temp directory: Redis master + replica, 3 Sentinels,
// HAProxy in front of the master, and livehub nodes on ports 3001-3003 sharing Live state through
// Redis. Prints the URLs; Ctrl-C stops everything. Build first (`npm run build`).
//
//   node scripts/ha-cluster.mjs [--nodes 3] [--via haproxy|sentinel] [--keep]
//
// --via sentinel points the nodes at the Sentinels (redis+sentinel://) instead of HAProxy.
// --keep leaves the temp directory (configs and logs) behind.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'src', 'cli.js');

function parseArgs(argv) {
  const options = { nodes: 3, via: 'haproxy', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--nodes') options.nodes = Number(argv[++i]);
    else if (arg === '--via') options.via = argv[++i];
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/ha-cluster.mjs [--nodes N] [--via haproxy|sentinel] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) throw new Error('--nodes must be 1..9');
  if (options.via !== 'haproxy' && options.via !== 'sentinel') throw new Error('--via must be haproxy or sentinel');
  return options;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function redisReply(port, command, timeoutMs = 500) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('timeout'));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data);
      }
    });
  });
}

function httpStatus(port) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/health', timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function waitUntil(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const children = [];
let stopping = false;

function start(name, command, args, dir, env = {}) {
  const logFile = join(dir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  const entry = { name, child, logFile };
  children.push(entry);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n!! ${name} exited (${signal ?? `code ${code}`}); last log lines:\n${tail(logFile)}`);
  });
  child.on('error', (err) => console.error(`!! ${name}: ${err.message}`));
  return entry;
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function stopAll(dir, keep) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  // livehub nodes first (they close their clients with 3001), Redis last.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await new Promise((resolve) => child.once('exit', resolve));
    clearTimeout(killer);
  }
  if (keep) console.log(`configs and logs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(cli)) throw new Error(`${cli} not found: build first (npm run build)`);
  const dir = mkdtempSync(join(tmpdir(), 'livehub-ha-'));
  let signals = 0;
  const onSignal = () => {
    // A second Ctrl-C while stopping only reminds; a third gives up waiting.
    if (++signals === 2) console.log('still stopping… (once more to quit without cleanup)');
    if (signals >= 3) process.exit(1);
    if (signals === 1) stopAll(dir, options.keep).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const ports = {
      master: await freePort(),
      replica: await freePort(),
      sentinels: [await freePort(), await freePort(), await freePort()],
      haproxy: await freePort(),
      stats: await freePort(),
    };

    for (const [name, port, extra] of [['master', ports.master, []], ['replica', ports.replica, ['replicaof 127.0.0.1 ' + ports.master]]]) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, `${name}.conf`), [`port ${port}`, 'bind 127.0.0.1', `dir ${join(dir, name)}`, 'save ""', 'appendonly no', ...extra, ''].join('\n'));
      start(`redis-${name}`, 'redis-server', [join(dir, `${name}.conf`)], dir);
      await waitUntil(async () => (await redisReply(port, 'PING')).startsWith('+PONG'), `redis ${name} on ${port}`);
    }
    await waitUntil(async () => (await redisReply(ports.replica, 'INFO replication')).includes('master_link_status:up'), 'the replica to sync');

    for (const [i, port] of ports.sentinels.entries()) {
      const file = join(dir, `sentinel-${i + 1}.conf`);
      writeFileSync(file, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${ports.master} 2`,
        'sentinel down-after-milliseconds mymaster 3000',
        'sentinel failover-timeout mymaster 10000',
        'sentinel parallel-syncs mymaster 1',
        '',
      ].join('\n'));
      start(`sentinel-${i + 1}`, 'redis-sentinel', [file], dir);
      await waitUntil(async () => (await redisReply(port, 'PING')).startsWith('+PONG'), `sentinel ${i + 1} on ${port}`);
    }

    writeFileSync(join(dir, 'haproxy.cfg'), [
      'global',
      '    maxconn 4096',
      'defaults',
      '    mode tcp',
      '    timeout connect 3s',
      '    timeout client 1m',
      '    timeout server 1m',
      'frontend redis_frontend',
      `    bind 127.0.0.1:${ports.haproxy}`,
      '    default_backend redis_master',
      'backend redis_master',
      '    option tcp-check',
      '    tcp-check send PING\\r\\n',
      '    tcp-check expect string +PONG',
      '    tcp-check send info\\ replication\\r\\n',
      '    tcp-check expect string role:master',
      '    tcp-check send QUIT\\r\\n',
      '    tcp-check expect string +OK',
      `    server redis_01 127.0.0.1:${ports.master} check inter 1s on-marked-down shutdown-sessions`,
      `    server redis_02 127.0.0.1:${ports.replica} check inter 1s on-marked-down shutdown-sessions`,
      'listen stats',
      '    mode http',
      `    bind 127.0.0.1:${ports.stats}`,
      '    stats enable',
      '    stats uri /',
      '',
    ].join('\n'));
    start('haproxy', 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], dir);
    await waitUntil(async () => (await redisReply(ports.haproxy, 'PING')).startsWith('+PONG'), `HAProxy on ${ports.haproxy}`);

    const sentinelAddress = `redis+sentinel://${ports.sentinels.map((p) => `127.0.0.1:${p}`).join(',')}?sentinel_master_name=mymaster`;
    const address = options.via === 'sentinel' ? sentinelAddress : `127.0.0.1:${ports.haproxy}`;
    const httpPorts = Array.from({ length: options.nodes }, (_, i) => 3001 + i);
    for (const [i, port] of httpPorts.entries()) {
      const data = join(dir, `node-${i + 1}`);
      mkdirSync(data);
      start(`livehub-${i + 1}`, process.execPath, [cli], dir, {
        GF_SERVER_HTTP_PORT: String(port),
        GF_SERVER_HTTP_ADDR: '127.0.0.1',
        GF_SERVER_ROOT_URL: `http://127.0.0.1:${port}/`,
        GF_LIVE_HA_ENGINE: 'redis',
        GF_LIVE_HA_ENGINE_ADDRESS: address,
        GF_PATHS_DATA: data,
      });
    }
    for (const port of httpPorts) await waitUntil(async () => (await httpStatus(port)).status !== undefined, `livehub on ${port}`, 20_000);
    // Health turns 200 once the node's engine is connected to Redis.
    await waitUntil(async () => {
      for (const port of httpPorts) if ((await httpStatus(port)).status !== 200) return false;
      return true;
    }, 'the nodes to report healthy (GET /api/health)', 20_000).catch((err) => console.error(`warning: ${err.message}`));

    console.log(`
livehub HA cluster is running (temp dir ${dir})

  livehub nodes   ${httpPorts.map((p) => `http://127.0.0.1:${p}/`).join('  ')}
  health          ${httpPorts.map((p) => `http://127.0.0.1:${p}/api/health`).join('  ')}
  nodes use       ha_engine_address = ${address}
  redis master    redis://127.0.0.1:${ports.master}   replica redis://127.0.0.1:${ports.replica}
  sentinels       ${ports.sentinels.map((p) => `127.0.0.1:${p}`).join(', ')}  (master name: mymaster)
  haproxy         redis frontend 127.0.0.1:${ports.haproxy}, stats http://127.0.0.1:${ports.stats}/
  logs            ${dir}/*.log

Try a failover:  redis-cli -p ${ports.sentinels[0]} SENTINEL FAILOVER mymaster
Ctrl-C stops everything.`);
  } catch (err) {
    console.error(`ha-cluster: ${err.message}`);
    for (const { name, logFile } of children) console.error(`--- ${name}\n${tail(logFile, 8)}`);
    await stopAll(dir, options.keep);
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(`ha-cluster: ${err.message}`);
  process.exit(1);
});
