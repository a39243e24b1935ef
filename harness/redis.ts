// Real redis-server (and redis-sentinel) processes: a free loopback port, no persistence unless
// asked, a temp dir, ready when PING answers, and stop / kill / restart on the SAME port (a restart
// measures when Redis accepts connections again). Plus RESP commands over throwaway connections.

import { connect } from 'node:net';
import { freePort } from './ports.js';
import { cpuSeconds } from './proc-stats.js';
import { spawnTracked, tempDir, type Spawned } from './processes.js';
import { sleep, waitUntil } from './wait.js';

/** One RESP command over a throwaway connection (PING, INFO, PUBSUB NUMSUB, CONFIG, …). */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${args[0]} on port ${port}`));
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

/** Waits until PING on `port` answers PONG (polled every 10 ms, so a restart's moment is known to ~10 ms). */
export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  await waitUntil(async () => (await redisCommand(port, ['PING'], 500)) === 'PONG', `redis PING on port ${port}`, timeoutMs, 10);
}

/** `INFO <section>` as a key → value map. */
export async function redisInfo(port: number, section: string): Promise<Record<string, string>> {
  const text = String(await redisCommand(port, ['INFO', section]));
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Calls of one command from an INFO commandstats text (e.g. `subscribe`); 0 when absent. */
export function parseInfoCalls(info: string, command: string): number {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return match === null ? 0 : Number(match[1]);
}

export interface RedisRestart {
  /** performance.now() when the old process was gone (port closed). */
  readonly stoppedAt: number;
  /** performance.now() when the new process answered its first PING. */
  readonly acceptingAt: number;
}

/** A Redis-protocol process (redis-server, redis-sentinel) on a known port, restartable on it. */
export interface RedisProcess {
  readonly port: number;
  /** The current process's pid (NaN before the first start). */
  readonly pid: number;
  readonly running: boolean;
  /** Starts (or starts again after stop/kill) on the same port and waits for PING. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Stops it (SIGTERM, or SIGKILL with `kill`), keeps the port closed for `downMs`, starts it again
   * on the same port and waits for PING.
   */
  restart(options?: { downMs?: number; kill?: boolean }): Promise<RedisRestart>;
  /** One command (see redisCommand). */
  command(...args: string[]): Promise<unknown>;
  cpuSeconds(): number;
  /** The process's last output lines (diagnostics). */
  output(): string;
}

export interface RedisProcessOptions {
  /** What messages call it (default: the program). */
  readonly name?: string;
  /** Pin to these CPUs (benchmarks). */
  readonly cpus?: string;
  /** Append the output to this file too (scripts). */
  readonly logFile?: string;
}

/** `command` with fixed arguments on `port`, ready when it answers PING. */
export function redisProcess(command: string, args: () => string[], port: number, options: RedisProcessOptions = {}): RedisProcess {
  let proc: Spawned | undefined;
  const handle: RedisProcess = {
    port,
    get pid() {
      return proc?.pid ?? Number.NaN;
    },
    get running() {
      return proc?.running === true;
    },
    output: () => proc?.output(30) ?? '',
    command: (...commandArgs) => redisCommand(port, commandArgs),
    cpuSeconds: () => (proc === undefined ? Number.NaN : cpuSeconds(proc.pid)),
    async start() {
      if (handle.running) throw new Error(`${command} on port ${port} is already running`);
      const started = spawnTracked(command, args(), { keepLines: 200, ...options });
      proc = started;
      try {
        await waitForPing(port);
      } catch (err) {
        await started.kill();
        throw new Error(`${command} did not start on port ${port}: ${(err as Error).message}\n${started.output(30)}`);
      }
    },
    async stop() {
      await proc?.stop(5000);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await proc?.kill(signal);
    },
    async restart(restartOptions = {}) {
      if (restartOptions.kill === true) await handle.kill();
      else await handle.stop();
      const stoppedAt = performance.now();
      if ((restartOptions.downMs ?? 0) > 0) await sleep(restartOptions.downMs!);
      await handle.start();
      return { stoppedAt, acceptingAt: performance.now() };
    },
  };
  return handle;
}

export interface RedisServer extends RedisProcess {
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  readonly dir: string;
}

export interface RedisServerOptions extends RedisProcessOptions {
  /** Extra redis-server arguments, after the defaults (so they win), e.g. ['--replicaof', '127.0.0.1', '6379']. */
  readonly args?: readonly string[];
  readonly port?: number;
  /** Its working directory (default: a temp dir). */
  readonly dir?: string;
}

/** A redis-server handle on a free port, not started yet (for "Redis down at start" tests). */
export async function createRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? tempDir('livehub-redis-');
  const args = (): string[] => ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', dir, ...(options.args ?? [])];
  return Object.assign(redisProcess('redis-server', args, port, options), { url: `redis://127.0.0.1:${port}`, dir });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = await createRedisServer(options);
  await server.start();
  return server;
}

