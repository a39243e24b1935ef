// Starting what a scenario measures: livehub nodes (`node dist/src/cli.js` with GF_* env), the two
// peers, and redis-server on free loopback ports; each pinned to the server CPU when asked. Every
// process is tracked by proc.ts and killed when the runner exits. Each measured server is started
// with the memory hook preloaded (bench/preload/memory-hook.ts) on a port of its own.

import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MEMORY_HOOK_PATH, MEMORY_HOOK_PORT_ENV, type MemorySnapshot } from '../preload/memory-snapshot.js';
import { freePort } from './ports.js';
import { cpuSeconds, pin, rssBytes, spawnTracked, waitUntil, type Spawned } from './proc.js';
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

export function httpGet(port: number, path: string, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** POST with a body; `agent` keeps connections alive across a scenario's many requests. */
export function httpPost(
  port: number,
  path: string,
  body: string | Buffer,
  options: { headers?: Record<string, string>; agent?: Agent; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...options.headers };
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers, timeout: options.timeoutMs ?? 30_000, ...(options.agent === undefined ? {} : { agent: options.agent }) }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
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

async function waitListening(port: number, proc: Spawned, what: string): Promise<void> {
  let exited = false;
  void proc.exited.then(() => (exited = true));
  await waitUntil(
    () =>
      new Promise<boolean>((resolve) => {
        if (exited) return resolve(true);
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      }),
    `${what} on port ${port}`,
    20_000,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${proc.output()}`);
  });
  if (exited) throw new Error(`${what} exited:\n${proc.output()}`);
}

/** HS256 JWT for the push endpoint (Editor in org 1). */
export function pushToken(): string {
  const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ sub: 'bench', org_id: 1, role: 'Editor', exp: Math.floor(Date.now() / 1000) + 24 * 3600 });
  const sig = createHmac('sha256', HMAC_SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

export interface LivehubOptions {
  readonly name?: string;
  readonly env?: Record<string, string>;
  readonly cpus?: string;
  readonly exposeGc?: boolean;
  readonly nodeArgs?: readonly string[];
}

export async function startLivehub(options: LivehubOptions = {}): Promise<ServerHandle> {
  const port = await freePort();
  const hook = await memoryHook();
  const data = mkdtempSync(join(tmpdir(), 'livehub-bench-'));
  // The CLI itself, with the memory hook preloaded.
  const entry = dist('dist/src/cli.js');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    GF_SERVER_HTTP_ADDR: '127.0.0.1',
    GF_SERVER_HTTP_PORT: String(port),
    GF_SERVER_ROOT_URL: `http://127.0.0.1:${port}/`,
    GF_LIVE_MAX_CONNECTIONS: '-1',
    // Load generators open thousands of anonymous sockets from a few loopback addresses: the caps
    // on unauthenticated connections (an abuse limit, docs/authorization.md) would refuse the ramp.
    GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '-1',
    GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS_PER_IP: '-1',
    GF_AUTH_JWT_ENABLED: 'true',
    GF_AUTH_JWT_HMAC_SECRET: HMAC_SECRET,
    GF_PATHS_DATA: data,
    GF_LOG_LEVEL: 'warn',
    // One token drives thousands of pushes a second: the benchmarks measure fan-out, not the
    // per-identity HTTP rate limit (docs/authorization.md), which would cap them at its default.
    GF_HTTP_RATE_LIMIT_REQUESTS_PER_SECOND: '0',
    GF_HTTP_RATE_LIMIT_BYTES_PER_SECOND: '0',
    ...hook.env,
    ...options.env,
  };
  const args = [...(options.exposeGc === false ? [] : ['--expose-gc']), ...hook.nodeArgs, ...(options.nodeArgs ?? []), entry];
  const proc = spawnTracked(process.execPath, args, { env, cwd: data });
  if (options.cpus !== undefined) pin(proc.pid, options.cpus);
  await waitListening(port, proc, 'livehub');
  await waitUntil(async () => (await httpGet(port, '/api/health')).status === 200, 'livehub /api/health 200', 20_000);
  return handle(options.name ?? 'livehub', 'livehub', port, proc, hook, () => rmSync(data, { recursive: true, force: true }));
}

export async function startBareWs(options: { cpus?: string; pingMs?: number; nodeArgs?: readonly string[] } = {}): Promise<ServerHandle> {
  const port = await freePort();
  const hook = await memoryHook();
  const proc = spawnTracked(process.execPath, ['--expose-gc', ...hook.nodeArgs, ...(options.nodeArgs ?? []), dist('dist/bench/peers/bare-ws.js')], {
    env: { ...process.env, ...hook.env, PORT: String(port), PING_MS: String(options.pingMs ?? 25_000) },
  });
  if (options.cpus !== undefined) pin(proc.pid, options.cpus);
  await waitListening(port, proc, 'bare-ws');
  return handle('bare ws', 'bare', port, proc, hook);
}

export async function startSocketIo(options: { cpus?: string; pingMs?: number; redisUrl?: string; name?: string; nodeArgs?: readonly string[] } = {}): Promise<ServerHandle> {
  const port = await freePort();
  const hook = await memoryHook();
  const proc = spawnTracked(process.execPath, ['--expose-gc', ...hook.nodeArgs, ...(options.nodeArgs ?? []), dist('dist/bench/peers/socketio.js')], {
    env: { ...process.env, ...hook.env, PORT: String(port), PING_MS: String(options.pingMs ?? 25_000), REDIS_URL: options.redisUrl ?? '' },
  });
  if (options.cpus !== undefined) pin(proc.pid, options.cpus);
  await waitListening(port, proc, 'socket.io');
  return handle(options.name ?? 'Socket.IO', 'socketio', port, proc, hook);
}

// ---- Redis ---------------------------------------------------------------------------------------

export interface RedisHandle {
  readonly port: number;
  readonly url: string;
  /** The current redis-server process (a new one after restart()). */
  readonly pid: number;
  command(...args: string[]): Promise<unknown>;
  cpuSeconds(): number;
  stop(): Promise<void>;
  /**
   * Stops redis-server (SIGTERM, or SIGKILL with `kill`), keeps the port closed for `downMs`, then
   * starts a fresh process on the SAME port (no persistence: empty data, fresh INFO stats) and waits
   * until it answers PING. Times are performance.now() values of this process.
   */
  restart(options?: { downMs?: number; kill?: boolean }): Promise<RedisRestart>;
}

export interface RedisRestart {
  /** The old process was gone (port closed). */
  readonly stoppedAt: number;
  /** The new process answered its first PING: Redis accepts connections again. */
  readonly acceptingAt: number;
}

/** One RESP command over a throwaway connection (INFO, PUBSUB NUMSUB, CONFIG …). */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${args[0]} timed out`));
    }, timeoutMs);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('connect', () => socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parseResp(buf, 0);
      if (parsed === undefined) return;
      clearTimeout(timer);
      socket.destroy();
      if (parsed.value instanceof Error) reject(parsed.value);
      else resolve(parsed.value);
    });
  });
}

function parseResp(buf: Buffer, p: number): { value: unknown; next: number } | undefined {
  const eol = buf.indexOf('\r\n', p);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[p]!);
  const line = buf.toString('utf8', p + 1, eol);
  if (type === '+') return { value: line, next: eol + 2 };
  if (type === '-') return { value: new Error(line), next: eol + 2 };
  if (type === ':') return { value: Number(line), next: eol + 2 };
  if (type === '$') {
    const n = Number(line);
    if (n < 0) return { value: null, next: eol + 2 };
    if (buf.length < eol + 2 + n + 2) return undefined;
    return { value: buf.toString('utf8', eol + 2, eol + 2 + n), next: eol + 2 + n + 2 };
  }
  if (type === '*') {
    const n = Number(line);
    const out: unknown[] = [];
    let q = eol + 2;
    for (let i = 0; i < n; i++) {
      const r = parseResp(buf, q);
      if (r === undefined) return undefined;
      out.push(r.value);
      q = r.next;
    }
    return { value: out, next: q };
  }
  throw new Error(`bad RESP type ${type}`);
}

export async function startRedis(options: { cpus?: string } = {}): Promise<RedisHandle> {
  if (!existsSync('/usr/bin/redis-server')) throw new Error('redis-server not installed (apt-get install redis-server)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'livehub-bench-redis-'));
  const spawnRedis = (): Spawned => {
    const p = spawnTracked('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxclients', '1000']);
    if (options.cpus !== undefined) pin(p.pid, options.cpus);
    return p;
  };
  // Polled every 10 ms so a restart's "accepting again" moment is known to ~10 ms.
  const waitPing = (stepMs: number): Promise<void> => waitUntil(async () => (await redisCommand(port, ['PING'], 500)) === 'PONG', `redis on ${port}`, 10_000, stepMs);
  let proc = spawnRedis();
  await waitPing(50);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return proc.pid;
    },
    command: (...args) => redisCommand(port, args),
    cpuSeconds: () => cpuSeconds(proc.pid),
    async stop() {
      await proc.stop(3000);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart(restartOptions = {}) {
      if (restartOptions.kill === true) {
        proc.child.kill('SIGKILL');
        await proc.exited;
      } else {
        await proc.stop(3000);
      }
      const stoppedAt = performance.now();
      const downMs = restartOptions.downMs ?? 0;
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      proc = spawnRedis();
      await waitPing(10);
      return { stoppedAt, acceptingAt: performance.now() };
    },
  };
}

/** `INFO <section>` as a key → value map. */
export async function redisInfo(redis: RedisHandle, section: string): Promise<Record<string, string>> {
  const text = String(await redis.command('INFO', section));
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Redis CPU seconds (used_cpu_sys + used_cpu_user) from INFO cpu. */
export async function redisCpu(redis: RedisHandle): Promise<number> {
  const info = await redisInfo(redis, 'cpu');
  return Number(info['used_cpu_sys']) + Number(info['used_cpu_user']);
}
