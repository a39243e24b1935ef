#!/usr/bin/env node
// Starts a local HA cluster on loopback in a temp directory: Redis master + replica, 3 Sentinels,
// HAProxy in front of the master, and livehub nodes on ports 3001-3003 sharing Live state through
// Redis. Prints the URLs; Ctrl-C (or SIGTERM, SIGHUP) stops everything. Build first (`npm run build`).
//
//   node scripts/ha-cluster.mjs [--nodes 3] [--port 3001] [--via haproxy|sentinel] [--keep]
//
// --port sets the HTTP port of the first node (the others follow: 3001, 3002, ...).
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
  const options = { nodes: 3, port: 3001, via: 'haproxy', keep: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--nodes') options.nodes = Number(argv[++i]);
    else if (arg === '--port') options.port = Number(argv[++i]);
    else if (arg === '--via') options.via = argv[++i];
    else if (arg === '--keep') options.keep = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/ha-cluster.mjs [--nodes N] [--port FIRST_HTTP_PORT] [--via haproxy|sentinel] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 9) throw new Error('--nodes must be 1..9');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port + options.nodes - 1 > 65535) throw new Error('--port must be a port number');
  if (options.via !== 'haproxy' && options.via !== 'sentinel') throw new Error('--via must be haproxy or sentinel');
  return options;
}

/**
 * A free port for a server we start, chosen at random below the kernel's ephemeral range (32768+),
 * where outgoing connections could take it between this check and the server's bind.
 */
async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    const server = createServer();
    const free = await new Promise((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
  throw new Error('no free port below the ephemeral range');
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

/** Thrown from a waitUntil check to stop waiting at once. */
class Fatal extends Error {}

async function waitUntil(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** examples/ha/haproxy.cfg with the fixed example addresses replaced by this cluster's ports. */
function haproxyConfig(ports) {
  const file = join(root, 'examples', 'ha', 'haproxy.cfg');
  let config = readFileSync(file, 'utf8');
  for (const [address, port] of [['127.0.0.1:6390', ports.haproxy], ['127.0.0.1:6379', ports.master], ['127.0.0.1:6380', ports.replica], ['127.0.0.1:8404', ports.stats]]) {
    if (config.split(address).length !== 2) throw new Error(`${file}: expected ${address} exactly once`);
    config = config.replace(address, `127.0.0.1:${port}`);
  }
  return config;
}

/** Server name -> status ("UP", "DOWN", "UP 1/3", ...) of HAProxy's redis_master backend. */
function haproxyStates(statsPort) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: statsPort, path: '/;csv', timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        const lines = body.split('\n');
        const header = (lines[0] ?? '').replace(/^# /, '').split(',');
        const states = {};
        for (const line of lines.slice(1)) {
          const cells = line.split(',');
          if (cells[0] === 'redis_master' && cells[1] !== 'BACKEND') states[cells[header.indexOf('svname')]] = cells[header.indexOf('status')];
        }
        resolve(states);
      });
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
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
  // Ctrl-C, a supervisor or `timeout` (SIGTERM), a closed terminal (SIGHUP): all stop everything.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);

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

    // The repository's example configuration (examples/ha/haproxy.cfg) with this cluster's ports.
    writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(ports));
    start('haproxy', 'haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], dir);
    await waitUntil(async () => (await redisReply(ports.haproxy, 'PING')).startsWith('+PONG'), `HAProxy on ${ports.haproxy}`);
    // HAProxy starts with every server UP and marks the replica DOWN only after its failed checks
    // (about 3 s): nodes connecting before that could be sent to the read-only replica.
    await waitUntil(async () => {
      const states = await haproxyStates(ports.stats);
      return states.redis_01 === 'UP' && String(states.redis_02).startsWith('DOWN');
    }, 'HAProxy to route to the master only');

    const sentinelAddress = `redis+sentinel://${ports.sentinels.map((p) => `127.0.0.1:${p}`).join(',')}?sentinel_master_name=mymaster`;
    const address = options.via === 'sentinel' ? sentinelAddress : `127.0.0.1:${ports.haproxy}`;
    const httpPorts = Array.from({ length: options.nodes }, (_, i) => options.port + i);
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
    for (const [i, port] of httpPorts.entries()) {
      await waitUntil(async () => {
        const child = children.find((c) => c.name === `livehub-${i + 1}`)?.child;
        if (child !== undefined && (child.exitCode !== null || child.signalCode !== null)) throw new Fatal(`livehub-${i + 1} exited (is port ${port} free?)`);
        return (await httpStatus(port)).status !== undefined;
      }, `livehub on ${port}`, 20_000);
    }
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
