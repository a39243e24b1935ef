// Starting what a scenario measures, through the harness: livehub nodes configured for load (no
// connection caps, JWT push tokens, warn-level logs), the two peers, and redis-server; each pinned to
// the server CPU when asked. Each measured server is started with the memory hook preloaded
// (bench/preload/memory-hook.ts) on a port of its own. Every process is tracked by
// harness/processes.ts and killed when the runner exits.

import { createHmac } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { httpGet } from '../../harness/http.js';
import { startLivehub as startLivehubProcess, type LivehubOptions as HarnessLivehubOptions } from '../../harness/livehub.js';
import { accepting, freePort } from '../../harness/ports.js';
import { cpuSeconds, rssBytes } from '../../harness/proc-stats.js';
import { removeTempDir, spawnTracked, tempDir, type Spawned } from '../../harness/processes.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { GiveUp, waitUntil } from '../../harness/wait.js';
import { MEMORY_HOOK_PATH, MEMORY_HOOK_PORT_ENV, type MemorySnapshot } from '../preload/memory-snapshot.js';
import type { Protocol } from './protocol.js';

/** A path under the project root (this file is dist/bench/lib/servers.js). */
const dist = (rel: string): string => fileURLToPath(new URL(`../../../${rel}`, import.meta.url));
export const HMAC_SECRET = 'livehub-benchmark-secret-at-least-32-bytes!';

export interface ServerHandle {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly pid: number;
  readonly proc: Spawned;
  /** The memory hook (gc twice + memoryUsage + /proc/self/status), preloaded in the server. */
  memory(): Promise<MemorySnapshot>;
  cpuSeconds(): number;
  rss(): number;
  stop(): Promise<void>;
}

/** A measured server's memory hook: node arguments that preload it and the env that gives its port. */
interface MemoryHook {
  readonly port: number;
  readonly nodeArgs: readonly string[];
  readonly env: Record<string, string>;
}

async function memoryHook(): Promise<MemoryHook> {
  const port = await freePort();
  return { port, nodeArgs: ['--import', pathToFileURL(dist('dist/bench/preload/memory-hook.js')).href], env: { [MEMORY_HOOK_PORT_ENV]: String(port) } };
}

function handle(name: string, protocol: Protocol, port: number, proc: Spawned, hook: MemoryHook, cleanup: () => void = () => {}): ServerHandle {
  return {
    name,
    protocol,
    port,
    pid: proc.pid,
    proc,
    async memory() {
      const r = await httpGet(hook.port, MEMORY_HOOK_PATH, 60_000);
      if (r.status !== 200) throw new Error(`${name}: memory hook answered ${r.status}`);
      return JSON.parse(r.body) as MemorySnapshot;
    },
    cpuSeconds: () => cpuSeconds(proc.pid),
    rss: () => rssBytes(proc.pid),
    async stop() {
      await proc.stop(8000);
      cleanup();
    },
  };
}

/** HS256 JWT for the push endpoint (Editor in org 1). */
export function pushToken(): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: 'bench', org_id: 1, role: 'Editor', exp: Math.floor(Date.now() / 1000) + 24 * 3600 });
  const sig = createHmac('sha256', HMAC_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** What a scenario chooses of a node (the harness's options); `exposeGc` (default true) lets the memory hook collect garbage. */
export type LivehubOptions = Pick<HarnessLivehubOptions, 'name' | 'env' | 'cpus' | 'nodeArgs'> & { readonly exposeGc?: boolean };

export async function startLivehub(options: LivehubOptions = {}): Promise<ServerHandle> {
  const port = await freePort();
  const hook = await memoryHook();
  const data = tempDir('livehub-bench-');
  const node = await startLivehubProcess({
    name: options.name ?? 'livehub',
    port,
    dataDir: data,
    cwd: data,
    healthy: true,
    nodeArgs: [...(options.exposeGc === false ? [] : ['--expose-gc']), ...hook.nodeArgs, ...(options.nodeArgs ?? [])],
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    env: {
      GF_SERVER_ROOT_URL: `http://127.0.0.1:${port}/`,
      GF_LIVE_MAX_CONNECTIONS: '-1',
      // Load generators open thousands of anonymous sockets from a few loopback addresses: the caps
      // on unauthenticated connections (an abuse limit, docs/authorization.md) would refuse the ramp.
      GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '-1',
      GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS_PER_IP: '-1',
      GF_AUTH_JWT_ENABLED: 'true',
      GF_AUTH_JWT_HMAC_SECRET: HMAC_SECRET,
      GF_LOG_LEVEL: 'warn',
      // One token drives thousands of pushes a second: the benchmarks measure fan-out, not the
      // per-identity HTTP rate limit (docs/authorization.md), which would cap them at its default.
      GF_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND: '0',
      GF_HTTP_RATE_LIMIT_BYTES_PER_SECOND: '0',
      ...hook.env,
      ...options.env,
    },
  });
  return handle(options.name ?? 'livehub', 'livehub', port, node.proc, hook, () => removeTempDir(data));
}

/** A peer server (dist/bench/peers/<script>) on a free port, ready when the port accepts connections. */
async function startPeer(name: string, protocol: Protocol, script: string, env: Record<string, string>, options: { cpus?: string; nodeArgs?: readonly string[] }): Promise<ServerHandle> {
  const port = await freePort();
  const hook = await memoryHook();
  const proc = spawnTracked(process.execPath, ['--expose-gc', ...hook.nodeArgs, ...(options.nodeArgs ?? []), dist(`dist/bench/peers/${script}`)], {
    env: { ...process.env, ...hook.env, PORT: String(port), ...env },
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
  });
  await waitUntil(async () => {
    if (!proc.running) throw new GiveUp(`${name} exited`);
    return accepting(port);
  }, `${name} on port ${port}`, 20_000, 100).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  });
  return handle(name, protocol, port, proc, hook);
}

export function startBareWs(options: { cpus?: string; pingMs?: number; nodeArgs?: readonly string[] } = {}): Promise<ServerHandle> {
  return startPeer('bare ws', 'bare', 'bare-ws.js', { PING_MS: String(options.pingMs ?? 25_000) }, options);
}

export function startSocketIo(options: { cpus?: string; pingMs?: number; redisUrl?: string; name?: string; nodeArgs?: readonly string[] } = {}): Promise<ServerHandle> {
  return startPeer(options.name ?? 'Socket.IO', 'socketio', 'socketio.js', { PING_MS: String(options.pingMs ?? 25_000), REDIS_URL: options.redisUrl ?? '' }, options);
}

/** redis-server for a scenario (the harness's, with a client cap that suits one benchmark). */
export function startRedis(options: { cpus?: string } = {}): Promise<RedisServer> {
  return startRedisServer({ args: ['--maxclients', '1000'], ...options });
}
