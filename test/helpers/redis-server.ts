// Real redis-server processes for tests: free loopback port, no persistence, temp dir, PING-checked
// start, and stop/kill/restart on the same port. Every process is also killed when the test process
// exits, so a failing test cannot leave servers behind. Plus a freezable TCP proxy (half-open links).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp directory removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * A free TCP port on 127.0.0.1 for a server another process will listen on. Chosen at random below
 * the kernel's ephemeral range (32768+): a port taken from that range (listen on 0) can be handed
 * to an outgoing connection before the server binds it, and busy test runs make many of those.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    if (await portIsFree(port)) return port;
  }
  throw new Error('no free port below the ephemeral range');
}

/** Whether a server could listen on 127.0.0.1:`port` right now. */
export async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  const free = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (free) await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

/** Sends one inline command and returns the first reply line (enough for PING / role checks). */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${command} on port ${port}`));
    }, timeoutMs);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
  });
}

export async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export async function waitForPing(port: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(async () => (await rawCommand(port, 'PING', 500)) === '+PONG', `redis PING on port ${port}`, timeoutMs);
}

export interface ManagedProcess {
  readonly port: number;
  /** Starts (or starts again after stop/kill) on the same port and waits for PING. */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  readonly running: boolean;
  /** The process's last output lines (diagnostics). */
  output(): string;
}

export interface RedisServer extends ManagedProcess {
  readonly url: string;
  readonly dir: string;
}

/** A process started with fixed arguments on a known port, restartable. */
export function managedProcess(command: string, args: () => string[], port: number): ManagedProcess {
  let child: ChildProcess | undefined;
  let log = '';
  const exited = (c: ChildProcess): Promise<void> =>
    c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => c.once('exit', () => resolve()));
  const handle: ManagedProcess = {
    port,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    output: () => log.split('\n').slice(-30).join('\n'),
    async start() {
      if (handle.running) throw new Error(`${command} on port ${port} is already running`);
      const c = spawn(command, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      running.add(c);
      const append = (chunk: Buffer): void => {
        log = (log + chunk.toString()).slice(-20_000);
      };
      c.stdout?.on('data', append);
      c.stderr?.on('data', append);
      c.once('exit', () => running.delete(c));
      try {
        await waitForPing(port);
      } catch (err) {
        c.kill('SIGKILL');
        throw new Error(`${command} did not start on port ${port}: ${(err as Error).message}\n${handle.output()}`);
      }
    },
    async stop() {
      const c = child;
      if (c === undefined || !handle.running) return;
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited(c);
      clearTimeout(timer);
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      const c = child;
      if (c === undefined || !handle.running) return;
      c.kill(signal);
      await exited(c);
    },
    async restart() {
      await handle.stop();
      await handle.start();
    },
  };
  return handle;
}

export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. ['--replicaof', '127.0.0.1', '6379']. */
  readonly args?: readonly string[];
  readonly port?: number;
}

/** A redis-server handle on a free port, not started yet (for "Redis down at start" tests). */
export async function createRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = options.port ?? (await freePort());
  const dir = tempDir('livehub-redis-');
  const args = (): string[] => ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', dir, ...(options.args ?? [])];
  return Object.assign(managedProcess('redis-server', args, port), { url: `redis://127.0.0.1:${port}`, dir });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = await createRedisServer(options);
  await server.start();
  return server;
}

/** Reads a numeric field of INFO (e.g. `cmdstat_subscribe` calls) through a throwaway connection. */
export function parseInfoCalls(info: string, command: string): number {
  const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
  return match === null ? 0 : Number(match[1]);
}

/**
 * A TCP proxy in front of a Redis: `freeze(localPort)` silently stops forwarding traffic of one
 * upstream connection in both directions without closing it — the "TCP alive but deaf" case the
 * PUB/SUB liveness probe exists for.
 */
export interface TcpProxy {
  readonly port: number;
  freeze(upstreamLocalPort: number): boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Map<number, { client: Socket; upstream: Socket; frozen: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
    const pair = { client, upstream, frozen: false };
    upstream.on('connect', () => {
      if (upstream.localPort !== undefined) pairs.set(upstream.localPort, pair);
    });
    client.on('data', (chunk) => {
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!pair.frozen) client.write(chunk);
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy port');
  return {
    port: address.port,
    freeze(localPort) {
      const pair = pairs.get(localPort);
      if (pair === undefined) return false;
      pair.frozen = true;
      return true;
    },
    async close() {
      for (const pair of pairs.values()) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
