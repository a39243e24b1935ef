// A real Sentinel setup for tests: master + replica + 3 Sentinels on free loopback ports, a forced
// failover (SENTINEL FAILOVER) that waits until the Sentinels name the new master, and cleanup.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, managedProcess, startRedisServer, tempDir, waitFor, type ManagedProcess, type RedisServer } from './redis-server.js';

export const MASTER_NAME = 'mymaster';

export interface SentinelSetup {
  readonly masterName: string;
  readonly servers: readonly RedisServer[];
  readonly sentinels: readonly ManagedProcess[];
  /** `redis+sentinel://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3?sentinel_master_name=mymaster` */
  readonly address: string;
  /** The master according to the first Sentinel. */
  master(): Promise<{ host: string; port: number }>;
  /** Forces a failover to the replica and waits until the Sentinels name it master. */
  failover(timeoutMs?: number): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
}

async function sentinelCall(port: number, ...args: string[]): Promise<unknown> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call('SENTINEL', ...args);
  } finally {
    client.disconnect();
  }
}

async function infoField(port: number, section: string, field: string): Promise<string | undefined> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info(section);
    return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  } finally {
    client.disconnect();
  }
}

export async function startSentinelSetup(): Promise<SentinelSetup> {
  const started: ManagedProcess[] = [];
  try {
    const master = await startRedisServer();
    started.push(master);
    const replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    started.push(replica);
    await waitFor(async () => (await infoField(replica.port, 'replication', 'master_link_status')) === 'up', 'replica in sync', 10_000);

    const sentinels: ManagedProcess[] = [];
    const dir = tempDir('livehub-sentinel-');
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${i}.conf`);
      // Sentinel rewrites its config file, so each one gets its own writable copy.
      writeFileSync(file, [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 5000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'));
      const sentinel = managedProcess('redis-sentinel', () => [file], port);
      await sentinel.start();
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    // Every Sentinel must know the replica (from the master's INFO) before a failover is possible.
    for (const sentinel of sentinels) {
      await waitFor(async () => {
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
        await waitFor(async () => (await sentinelCall(sentinels[0]!.port, 'failover', MASTER_NAME)) === 'OK', 'SENTINEL FAILOVER accepted', timeoutMs, 200);
        let after = before;
        await waitFor(async () => {
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
