#!/usr/bin/env node
// Starts a local HA cluster on loopback in a temp directory: Redis master + replica, 3 Sentinels,
// HAProxy in front of the master, and livehub nodes on ports 3001-3003 sharing Live state through
// Redis. Prints the URLs; Ctrl-C (or SIGTERM, SIGHUP) stops everything. Build first.
//
//   npx tsc -p tsconfig.json && node dist/scripts/ha-cluster.js [--nodes 3] [--port 3001] [--via haproxy|sentinel] [--keep]
//   npm run ha-cluster -- [options]      (builds, then runs it)
//
// --port sets the HTTP port of the first node (the others follow: 3001, 3002, ...).
// --via sentinel points the nodes at the Sentinels (redis+sentinel://) instead of HAProxy.
// --keep leaves the temp directory (configs and logs) behind.
// GF_* variables of the environment reach every node (e.g. GF_LOG_LEVEL=debug).
//
// The processes are the harness's (harness/): each one's output goes to <temp dir>/<name>.log, and
// every one stops when this script does, also after an error or a signal.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHaproxy } from '../harness/haproxy.js';
import { http } from '../harness/http.js';
import { LIVEHUB_CLI, startLivehub } from '../harness/livehub.js';
import { onStopSignal, onUnexpectedExit, stopAll } from '../harness/processes.js';
import { startSentinelSetup } from '../harness/sentinel.js';
import { waitUntil } from '../harness/wait.js';

interface Options {
  readonly nodes: number;
  readonly port: number;
  readonly via: 'haproxy' | 'sentinel';
  readonly keep: boolean;
}

const USAGE = 'usage: node dist/scripts/ha-cluster.js [--nodes N] [--port FIRST_HTTP_PORT] [--via haproxy|sentinel] [--keep]';

function parseArgs(argv: readonly string[]): Options {
  let nodes = 3;
  let port = 3001;
  let via = 'haproxy';
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--nodes') nodes = Number(argv[++i]);
    else if (arg === '--port') port = Number(argv[++i]);
    else if (arg === '--via') via = argv[++i] ?? '';
    else if (arg === '--keep') keep = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error('--nodes must be 1..9');
  if (!Number.isInteger(port) || port < 1 || port + nodes - 1 > 65535) throw new Error('--port must be a port number');
  if (via !== 'haproxy' && via !== 'sentinel') throw new Error('--via must be haproxy or sentinel');
  return { nodes, port, via, keep };
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The GF_* variables of this process's environment: they configure every node. */
function gfEnvironment(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('GF_') && e[1] !== undefined));
}

let stopping = false;

/** Stops every process, the last started first (livehub nodes close their clients with 3001; Redis last). */
async function stopEverything(dir: string, keep: boolean): Promise<void> {
  stopping = true;
  console.log('\nstopping…');
  await stopAll(5000);
  if (keep) console.log(`configs and logs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(LIVEHUB_CLI)) throw new Error(`${LIVEHUB_CLI} not found: build first (npx tsc -p tsconfig.json)`);
  const dir = mkdtempSync(join(tmpdir(), 'livehub-ha-'));
  let signals = 0;
  // Ctrl-C, a supervisor or `timeout` (SIGTERM), a closed terminal (SIGHUP): all stop everything.
  onStopSignal(() => {
    // A second Ctrl-C while stopping only reminds; a third gives up waiting.
    if (++signals === 2) console.log('still stopping… (once more to quit without cleanup)');
    if (signals >= 3) process.exit(1);
    if (signals === 1) void stopEverything(dir, options.keep).then(() => process.exit(0));
  });
  onUnexpectedExit((p, code, signal) => {
    if (!stopping) console.error(`\n!! ${p.name} exited (${signal ?? `code ${code}`}); last log lines:\n${p.output(15)}`);
  });

  try {
    const sentinels = await startSentinelSetup({ downAfterMs: 3000, failoverTimeoutMs: 10_000, dir, logDir: dir });
    const master = sentinels.servers[0]!;
    const replica = sentinels.servers[1]!;
    // The repository's example configuration (examples/ha/haproxy.cfg) with this cluster's ports.
    const haproxy = await startHaproxy([master.port, replica.port], { dir, logFile: join(dir, 'haproxy.log'), group: false });
    // HAProxy starts with every server UP and marks the replica DOWN only after its failed checks
    // (about 3 s): nodes connecting before that could be sent to the read-only replica.
    await haproxy.waitForOnlyUp(master.port);

    const address = options.via === 'sentinel' ? sentinels.address : `127.0.0.1:${haproxy.ports.frontend}`;
    const httpPorts = Array.from({ length: options.nodes }, (_, i) => options.port + i);
    await Promise.all(httpPorts.map((port, i) => {
      const name = `livehub-${i + 1}`;
      const dataDir = join(dir, `node-${i + 1}`);
      mkdirSync(dataDir);
      return startLivehub({
        name,
        port,
        dataDir,
        logFile: join(dir, `${name}.log`),
        env: { ...gfEnvironment(), GF_SERVER_ROOT_URL: `http://127.0.0.1:${port}/`, GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: address },
      });
    }));
    // Health turns 200 once the node's engine is connected to Redis.
    await waitUntil(async () => {
      for (const port of httpPorts) if ((await http('GET', `http://127.0.0.1:${port}/api/health`, { timeoutMs: 1000 })).status !== 200) return false;
      return true;
    }, 'the nodes to report healthy (GET /api/health)', 20_000, 100).catch((err: unknown) => console.error(`warning: ${(err as Error).message}`));

    console.log(`
livehub HA cluster is running (temp dir ${dir})

  livehub nodes   ${httpPorts.map((p) => `http://127.0.0.1:${p}/`).join('  ')}
  health          ${httpPorts.map((p) => `http://127.0.0.1:${p}/api/health`).join('  ')}
  nodes use       ha_engine_address = ${address}
  redis master    ${master.url}   replica ${replica.url}
  sentinels       ${sentinels.sentinels.map((s) => `127.0.0.1:${s.port}`).join(', ')}  (master name: ${sentinels.masterName})
  haproxy         redis frontend 127.0.0.1:${haproxy.ports.frontend}, stats http://127.0.0.1:${haproxy.ports.stats}/
  logs            ${dir}/*.log

Try a failover:  redis-cli -p ${sentinels.sentinels[0]!.port} SENTINEL FAILOVER ${sentinels.masterName}
Ctrl-C stops everything.`);
  } catch (err) {
    console.error(`ha-cluster: ${(err as Error).message}`);
    for (const name of ['redis-master', 'redis-replica', 'sentinel-1', 'sentinel-2', 'sentinel-3', 'haproxy', ...Array.from({ length: options.nodes }, (_, i) => `livehub-${i + 1}`)]) {
      const file = join(dir, `${name}.log`);
      if (existsSync(file)) console.error(`--- ${name}\n${tail(file, 8)}`);
    }
    await stopEverything(dir, options.keep);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(`ha-cluster: ${(err as Error).message}`);
  process.exit(1);
});
