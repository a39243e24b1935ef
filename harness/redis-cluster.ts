// A real Redis Cluster: 3 masters + 3 replicas (`redis-server --cluster-enabled yes`) on
// loopback ports below the ephemeral range whose cluster bus ports (port + 10000) are free as well,
// joined with `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`. Plus what the fault
// tests (and benchmarks) do to it: read the topology (CLUSTER NODES), fail a master over (CLUSTER FAILOVER, or wait
// for the promotion after a kill), and move a slot by hand (SETSLOT IMPORTING/MIGRATING, MIGRATE,
// SETSLOT NODE) — the steps `redis-cli --cluster reshard` takes, one slot at a time.

import { Redis } from 'ioredis';
import { portIsFree } from './ports.js';
import { runToExit } from './processes.js';
import { createRedisServer, type RedisServer } from './redis.js';
import { waitUntil } from './wait.js';

export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** The master's id of a replica. */
  readonly masterId: string | undefined;
  /** Served slot ranges (masters), [first, last]. */
  readonly slots: ReadonlyArray<readonly [number, number]>;
  /** `fail`, `fail?`, `handshake`, … */
  readonly flags: readonly string[];
}

export interface RedisClusterSetup {
  readonly servers: readonly RedisServer[];
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3` (the first three nodes as seeds). */
  readonly address: string;
  server(port: number): RedisServer;
  /** CLUSTER NODES as seen by a running node (`viaPort`, or the first one that answers). */
  nodes(viaPort?: number): Promise<ClusterNode[]>;
  /** The master serving `slot`. */
  masterOf(slot: number): Promise<ClusterNode>;
  /** A replica of the master on `masterPort`. */
  replicaOf(masterPort: number): Promise<ClusterNode>;
  /** CLUSTER FAILOVER on `replicaPort` (default: the coordinated, lossless manual failover); waits until every node agrees. */
  failover(replicaPort: number, mode?: 'default' | 'force'): Promise<void>;
  /** After its master died: waits until the replica of `deadMasterPort` is a master and the cluster is ok again. */
  waitForPromotion(deadMasterPort: number, timeoutMs?: number): Promise<ClusterNode>;
  /** Moves one slot (and its keys) to the master on `toPort`; `between` runs after each MIGRATE batch. Returns the keys moved. */
  migrateSlot(slot: number, toPort: number, between?: () => Promise<void>): Promise<number>;
  /** cluster_state:ok on every running node, all of them agree on the masters, and every running replica replicates. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** A client of one node (closed by stop()). */
  admin(port: number): Redis;
  stop(): Promise<void>;
}

const NODES = 6;
const BUS_OFFSET = 10_000;

/** A base port p so that p…p+n-1 and their bus ports p+10000… are free and below 32768. */
async function freeClusterPorts(n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (22_700 - 10_000 - n));
    const ports = Array.from({ length: n }, (_, i) => base + i);
    const free = await Promise.all(ports.flatMap((p) => [portIsFree(p), portIsFree(p + BUS_OFFSET)]));
    if (free.every(Boolean)) return ports;
  }
  throw new Error('no free cluster ports (and bus ports) below the ephemeral range');
}

function redisCli(args: readonly string[], timeoutMs = 30_000): Promise<string> {
  return runToExit('redis-cli', args, { timeoutMs });
}

function parseNodes(text: string): ClusterNode[] {
  return text.trim().split('\n').filter((l) => l !== '').map((line) => {
    const f = line.split(' ');
    const flags = f[2]!.split(',');
    const slots: Array<[number, number]> = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // a migrating/importing marker
      const [a, b] = s.split('-');
      slots.push([Number(a), Number(b ?? a)]);
    }
    return {
      id: f[0]!,
      port: Number(f[1]!.split('@')[0]!.split(':').pop()),
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: f[3] === '-' ? undefined : f[3],
      slots,
      flags: flags.filter((x) => x !== 'myself' && x !== 'master' && x !== 'slave'),
    };
  });
}

export async function startRedisCluster(options: { nodeTimeoutMs?: number } = {}): Promise<RedisClusterSetup> {
  const ports = await freeClusterPorts(NODES);
  const args = [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf',
    '--cluster-node-timeout', String(options.nodeTimeoutMs ?? 1000),
    // The other masters keep serving their slots while one shard fails over (production advice too).
    '--cluster-require-full-coverage', 'no',
    // Replicas sync at once (the default waits 5 s for more replicas to share one transfer).
    '--repl-diskless-sync-delay', '0',
  ];
  const servers: RedisServer[] = [];
  const admins = new Map<number, Redis>();
  const admin = (port: number): Redis => {
    let client = admins.get(port);
    if (client === undefined) {
      client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 0, commandTimeout: 5000, retryStrategy: () => 200, enableOfflineQueue: true });
      client.on('error', () => undefined);
      admins.set(port, client);
    }
    return client;
  };
  const stop = async (): Promise<void> => {
    for (const c of admins.values()) c.disconnect();
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
  };
  try {
    for (const port of ports) servers.push(await createRedisServer({ port, args }));
    await Promise.all(servers.map((s) => s.start()));
    await redisCli(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes']);

    const nodes = async (viaPort?: number): Promise<ClusterNode[]> => {
      const candidates = viaPort === undefined ? servers.filter((s) => s.running).map((s) => s.port) : [viaPort];
      let last: unknown;
      for (const port of candidates) {
        try {
          return parseNodes(String(await admin(port).call('CLUSTER', 'NODES')));
        } catch (err) {
          last = err;
        }
      }
      throw new Error(`no node answered CLUSTER NODES: ${String(last)}`);
    };
    const healthyOn = async (port: number): Promise<{ ok: boolean; masters: string }> => {
      const info = String(await admin(port).call('CLUSTER', 'INFO'));
      const list = await nodes(port);
      const masters = list.filter((n) => n.role === 'master' && n.slots.length > 0 && !n.flags.some((f) => f.startsWith('fail'))).map((n) => `${n.port}:${n.slots.map((r) => r.join('-')).join(',')}`).sort().join(' ');
      const self = list.find((n) => n.port === port);
      // A replica counts once it replicates (WAIT and failovers need that), not just once it joined.
      const synced = self?.role !== 'replica' || /^master_link_status:up\r?$/m.test(await admin(port).info('replication'));
      return { ok: /^cluster_state:ok\r?$/m.test(info) && synced && list.every((n) => !n.flags.includes('handshake')), masters };
    };
    const setup: RedisClusterSetup = {
      servers,
      address: `redis+cluster://${ports.slice(0, 3).map((p) => `127.0.0.1:${p}`).join(',')}`,
      server(port) {
        const found = servers.find((s) => s.port === port);
        if (found === undefined) throw new Error(`no cluster node on port ${port}`);
        return found;
      },
      nodes,
      async masterOf(slot) {
        const found = (await nodes()).find((n) => n.role === 'master' && !n.flags.includes('fail') && n.slots.some(([a, b]) => slot >= a && slot <= b));
        if (found === undefined) throw new Error(`no master serves slot ${slot}`);
        return found;
      },
      async replicaOf(masterPort) {
        const list = await nodes();
        const master = list.find((n) => n.port === masterPort);
        const replica = list.find((n) => n.role === 'replica' && n.masterId === master?.id && !n.flags.some((f) => f.startsWith('fail')));
        if (replica === undefined) throw new Error(`no replica of ${masterPort}`);
        return replica;
      },
      async waitHealthy(timeoutMs = 20_000) {
        await waitUntil(async () => {
          const views = await Promise.all(servers.filter((s) => s.running).map((s) => healthyOn(s.port)));
          return views.every((v) => v.ok && v.masters === views[0]!.masters) && views[0]!.masters.split(' ').length === 3;
        }, 'the Redis Cluster to be ok and agree on its masters', timeoutMs, 100);
      },
      async failover(replicaPort, mode = 'default') {
        await admin(replicaPort).call('CLUSTER', 'FAILOVER', ...(mode === 'default' ? [] : [mode.toUpperCase()]));
        await waitUntil(async () => (await nodes(replicaPort)).find((n) => n.port === replicaPort)?.role === 'master', `node ${replicaPort} to be promoted`, 15_000, 50);
        await setup.waitHealthy();
      },
      async waitForPromotion(deadMasterPort, timeoutMs = 20_000) {
        const deadId = (await nodes()).find((n) => n.port === deadMasterPort)?.id;
        let promoted: ClusterNode | undefined;
        await waitUntil(async () => {
          const list = await nodes();
          promoted = list.find((n) => n.role === 'master' && n.slots.length > 0 && n.port !== deadMasterPort && list.some((x) => x.id === deadId && (x.masterId === n.id || x.flags.includes('fail'))) && !n.flags.some((f) => f.startsWith('fail')));
          return promoted !== undefined && list.filter((n) => n.role === 'master' && n.slots.length > 0 && !n.flags.some((f) => f.startsWith('fail'))).length === 3;
        }, `a replica of ${deadMasterPort} to take over its slots`, timeoutMs, 100);
        await setup.waitHealthy(timeoutMs);
        return promoted!;
      },
      async migrateSlot(slot, toPort, between) {
        const source = await setup.masterOf(slot);
        const list = await nodes();
        const target = list.find((n) => n.port === toPort);
        if (target === undefined || target.role !== 'master') throw new Error(`${toPort} is not a master`);
        if (source.port === toPort) return 0;
        await admin(toPort).call('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', source.id);
        await admin(source.port).call('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', target.id);
        let moved = 0;
        for (;;) {
          const keys = (await admin(source.port).call('CLUSTER', 'GETKEYSINSLOT', String(slot), '100')) as string[];
          if (keys.length === 0) break;
          await admin(source.port).call('MIGRATE', '127.0.0.1', String(toPort), '', '0', '5000', 'KEYS', ...keys);
          moved += keys.length;
          await between?.();
        }
        // The new owner first, then the old one (which evicts its subscribers), then everyone else.
        await admin(toPort).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
        await admin(source.port).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
        for (const n of list.filter((x) => x.role === 'master' && x.port !== toPort && x.port !== source.port)) {
          await admin(n.port).call('CLUSTER', 'SETSLOT', String(slot), 'NODE', target.id);
        }
        await waitUntil(async () => (await setup.masterOf(slot)).port === toPort, `slot ${slot} on ${toPort} everywhere`, 10_000, 50);
        return moved;
      },
      admin,
      stop,
    };
    await setup.waitHealthy();
    return setup;
  } catch (err) {
    await stop();
    throw err;
  }
}
