// HAProxy in front of a Redis master/replica pair, configured from the repository's example
// (examples/ha/haproxy.cfg) with only the addresses replaced by free loopback ports: the `tcp-check`
// probing `role:master` and the server options stay exactly as shipped. Runs in the foreground
// (-db); ready when PING answers through it. The stats page tells which server HAProxy considers UP.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { spawnTracked, tempDir } from './processes.js';
import { projectRoot } from './project-root.js';
import { redisCommand } from './redis.js';
import { waitUntil } from './wait.js';

export const EXAMPLE_CONFIG = join(projectRoot(), 'examples', 'ha', 'haproxy.cfg');

// The example's fixed addresses and what they are.
const EXAMPLE_FRONTEND = '127.0.0.1:6390';
const EXAMPLE_SERVER_1 = '127.0.0.1:6379';
const EXAMPLE_SERVER_2 = '127.0.0.1:6380';
const EXAMPLE_STATS = '127.0.0.1:8404';

export interface HaproxyPorts {
  readonly frontend: number;
  readonly stats: number;
  /** Backend servers in the example's order: redis_01, redis_02. */
  readonly servers: readonly [number, number];
}

/** The example configuration with these ports; throws when the example no longer has the expected shape. */
export function haproxyConfigFromExample(ports: HaproxyPorts, example = readFileSync(EXAMPLE_CONFIG, 'utf8')): string {
  const replacements: Array<[string, number]> = [
    [EXAMPLE_FRONTEND, ports.frontend],
    [EXAMPLE_SERVER_1, ports.servers[0]],
    [EXAMPLE_SERVER_2, ports.servers[1]],
    [EXAMPLE_STATS, ports.stats],
  ];
  let config = example;
  for (const [address, port] of replacements) {
    const count = config.split(address).length - 1;
    if (count !== 1) throw new Error(`${EXAMPLE_CONFIG}: expected ${address} exactly once, found ${count} times`);
    config = config.replace(address, `127.0.0.1:${port}`);
  }
  for (const line of ['option tcp-check', 'tcp-check expect string role:master', 'on-marked-down shutdown-sessions']) {
    if (!config.includes(line)) throw new Error(`${EXAMPLE_CONFIG}: "${line}" is missing`);
  }
  return config;
}

export interface HaproxyOptions {
  /** Folder for haproxy.cfg (default: a temp dir). */
  readonly dir?: string;
  /** Append its output to this file too. */
  readonly logFile?: string;
  /** Own process group (default true); a script killed as one group passes false. */
  readonly group?: boolean;
}

export interface Haproxy {
  readonly ports: HaproxyPorts;
  readonly configFile: string;
  /** Server name (redis_01, redis_02) → status from the stats page (UP, DOWN, "UP 1/3", …). */
  serverStates(): Promise<Record<string, string>>;
  /** Waits until exactly the server on `port` is UP and every other one is DOWN. */
  waitForOnlyUp(port: number, timeoutMs?: number): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export async function startHaproxy(servers: readonly [number, number], options: HaproxyOptions = {}): Promise<Haproxy> {
  const ports: HaproxyPorts = { frontend: await freePort(), stats: await freePort(), servers };
  const configFile = join(options.dir ?? tempDir('livehub-haproxy-'), 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfigFromExample(ports));
  const proc = spawnTracked('haproxy', ['-db', '-f', configFile], {
    group: options.group ?? true,
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
  });

  const serverStates = async (): Promise<Record<string, string>> => {
    const res = await fetch(`http://127.0.0.1:${ports.stats}/;csv`, { signal: AbortSignal.timeout(2000) });
    const lines = (await res.text()).split('\n');
    const header = (lines[0] ?? '').replace(/^# /, '').split(',');
    const nameAt = header.indexOf('svname');
    const statusAt = header.indexOf('status');
    const out: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      const name = cells[nameAt];
      if (name === undefined || name === 'FRONTEND' || name === 'BACKEND' || cells[0] !== 'redis_master') continue;
      out[name] = cells[statusAt] ?? '';
    }
    return out;
  };
  const nameOf = (port: number): string => (port === servers[0] ? 'redis_01' : 'redis_02');
  const stop = async (): Promise<void> => proc.kill('SIGKILL');

  const haproxy: Haproxy = {
    ports,
    configFile,
    serverStates,
    async waitForOnlyUp(port, timeoutMs = 15_000) {
      const wanted = nameOf(port);
      await waitUntil(async () => {
        const states = await serverStates();
        return Object.entries(states).every(([name, state]) => (name === wanted ? state === 'UP' : state.startsWith('DOWN')));
      }, `HAProxy to route to ${wanted} only`, timeoutMs, 100);
    },
    output: () => proc.output(200),
    stop,
  };
  try {
    await waitUntil(async () => (await redisCommand(ports.frontend, ['PING'], 500)) === 'PONG', 'PING through HAProxy', 10_000, 100);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${proc.output(200)}`);
  }
  return haproxy;
}
