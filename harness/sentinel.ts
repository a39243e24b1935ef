// A real Sentinel setup: master + replica + 3 Sentinels on free loopback ports. Ready only when the
// replica is in sync and every Sentinel knows the replica (before that a failover is impossible).
// A forced failover (SENTINEL FAILOVER) waits until the Sentinels name the new master.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { tempDir } from './processes.js';
import { redisProcess, startRedisServer, type RedisProcess, type RedisServer } from './redis.js';
import { waitUntil } from './wait.js';

export const MASTER_NAME = 'mymaster';

export interface SentinelOptions {
  /** `sentinel down-after-milliseconds` (default 1000: tests want fast failovers). */
  readonly downAfterMs?: number;
  /** `sentinel failover-timeout` (default 5000). */
  readonly failoverTimeoutMs?: number;
  /** Folder for data and Sentinel configs (default: a temp dir). */
  readonly dir?: string;
  /** Write each process's output to <logDir>/<name>.log (redis-master, redis-replica, sentinel-1…3). */
  readonly logDir?: string;
}

export interface SentinelSetup {
  readonly masterName: string;
  readonly servers: readonly RedisServer[];
  readonly sentinels: readonly RedisProcess[];
  /** `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3?sentinel_master_name=mymaster` */
  readonly address: string;
  /** The master according to the first Sentinel that answers. */
  master(): Promise<{ host: string; port: number }>;
  /** Forces a failover to the replica and waits until the Sentinels name it master. */
  failover(timeoutMs?: number): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

async function withClient<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

function sentinelCall(port: number, ...args: string[]): Promise<unknown> {
  return withClient(port, (client) => client.call('SENTINEL', ...args));
}

async function infoField(port: number, section: string, field: string): Promise<string | undefined> {
  const info = await withClient(port, (client) => client.info(section));
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

export async function startSentinelSetup(options: SentinelOptions = {}): Promise<SentinelSetup> {
  const dir = options.dir ?? tempDir('livehub-sentinel-');
  const logFile = (name: string): { name: string; logFile?: string } => ({ name, ...(options.logDir === undefined ? {} : { logFile: join(options.logDir, `${name}.log`) }) });
  const serverDir = (name: string): string => {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const started: RedisProcess[] = [];
  try {
    const master = await startRedisServer({ dir: serverDir('master'), ...logFile('redis-master') });
    started.push(master);
    const replica = await startRedisServer({ dir: serverDir('replica'), args: ['--replicaof', '127.0.0.1', String(master.port)], ...logFile('redis-replica') });
    started.push(replica);
    await waitUntil(async () => (await infoField(replica.port, 'replication', 'master_link_status')) === 'up', 'replica in sync', 10_000);

    const sentinels: RedisProcess[] = [];
    for (let i = 1; i <= 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${i}.conf`);
      // Sentinel rewrites its config file, so each one gets its own writable copy.
      writeFileSync(file, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} ${options.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${MASTER_NAME} ${options.failoverTimeoutMs ?? 5000}`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'));
      const sentinel = redisProcess('redis-sentinel', () => [file], port, logFile(`sentinel-${i}`));
      await sentinel.start();
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    // Every Sentinel must know the replica (from the master's INFO) before a failover is possible.
    for (const sentinel of sentinels) {
      await waitUntil(async () => {
        const replicas = await sentinelCall(sentinel.port, 'replicas', MASTER_NAME);
        return Array.isArray(replicas) && replicas.some((r) => Array.isArray(r) && r.includes(String(replica.port)) && !String(r[r.indexOf('flags') + 1]).includes('disconnected'));
      }, `sentinel ${sentinel.port} to discover the replica`, 15_000, 100);
    }

    const setup: SentinelSetup = {
      masterName: MASTER_NAME,
      servers: [master, replica],
      sentinels,
      address: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}?sentinel_master_name=${MASTER_NAME}`,
      async master() {
        for (const sentinel of sentinels) {
          try {
            const reply = await sentinelCall(sentinel.port, 'get-master-addr-by-name', MASTER_NAME);
            if (Array.isArray(reply)) return { host: String(reply[0]), port: Number(reply[1]) };
          } catch {
            // next
          }
        }
        throw new Error('no sentinel answered');
      },
      async failover(timeoutMs = 20_000) {
        const before = await setup.master();
        const deadline = Date.now() + timeoutMs;
        // NOGOODSLAVE / INPROG right after start-up: retry until accepted.
        await waitUntil(async () => (await sentinelCall(sentinels[0]!.port, 'failover', MASTER_NAME)) === 'OK', 'SENTINEL FAILOVER accepted', timeoutMs, 200);
        let after = before;
        await waitUntil(async () => {
          after = await setup.master();
          return after.port !== before.port && (await infoField(after.port, 'replication', 'role')) === 'master';
        }, 'the Sentinels to name the new master', Math.max(1000, deadline - Date.now()), 100);
        return after;
      },
      async stop() {
        await Promise.all(started.map((p) => p.kill('SIGKILL')));
      },
    };
    return setup;
  } catch (err) {
    await Promise.all(started.map((p) => p.kill('SIGKILL')));
    throw err;
  }
}
