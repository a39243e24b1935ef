// Real livehub processes: `node dist/src/cli.js` configured with GF_* variables (loopback, its own
// data dir), its JSON log lines collected (bounded). It is ready when it logged
// "HTTP Server Listen" (which names the port it took when started with port 0), or, when
// GF_LOG_LEVEL=warn|error hides that line, when its fixed port accepts connections; `healthy` also
// waits for GET /api/health 200 (the engine is connected). Stopped with SIGTERM (clients get 3001)
// or killed.

import { join } from 'node:path';
import { httpGet } from './http.js';
import { accepting } from './ports.js';
import { spawnTracked, tempDir, type Spawned } from './processes.js';
import { projectRoot } from './project-root.js';
import { GiveUp, waitUntil } from './wait.js';

export const LIVEHUB_CLI = join(projectRoot(), 'dist', 'src', 'cli.js');
const READY_TIMEOUT_MS = 20_000;
const MAX_LOG_RECORDS = 20_000;

export interface LivehubOptions {
  /** Used in messages (default "livehub"). */
  readonly name?: string;
  /** Variables on top of PATH, HOME and the defaults GF_SERVER_HTTP_ADDR=127.0.0.1, GF_SERVER_HTTP_PORT, GF_PATHS_DATA. */
  readonly env?: Record<string, string>;
  /** A fixed HTTP port; default 0: the node picks one and logs it (so GF_LOG_LEVEL must not hide info). */
  readonly port?: number;
  /** GF_PATHS_DATA (default: a temp dir removed at exit). */
  readonly dataDir?: string;
  /** Arguments of the CLI (e.g. ['--config', file]). */
  readonly args?: readonly string[];
  /** Node flags before the CLI (e.g. --expose-gc, --inspect=127.0.0.1:9230). */
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
  /** Own process group (see SpawnOptions.group). */
  readonly group?: boolean;
  /** Append its output to this file too. */
  readonly logFile?: string;
  /** Pin to these CPUs (benchmarks). */
  readonly cpus?: string;
  readonly readyTimeoutMs?: number;
  /** Also wait until GET /api/health answers 200. */
  readonly healthy?: boolean;
}

export interface LivehubNode {
  readonly name: string;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** From the "HTTP Server Listen" line ('' when the log level hid it). */
  readonly nodeId: string;
  readonly dataDir: string;
  readonly pid: number;
  readonly proc: Spawned;
  /** Parsed JSON log lines (stdout), in order, the last 20,000. */
  readonly logs: Array<Record<string, unknown>>;
  readonly running: boolean;
  /** Log records with this exact `msg`. */
  logsWith(msg: string): Array<Record<string, unknown>>;
  /** Last output lines, for failure messages. */
  output(lines?: number): string;
  /** Signals the process (its group when it has one; default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful: clients get 3001), SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Starts `node dist/src/cli.js` and resolves once it is ready (see the header). */
export async function startLivehub(options: LivehubOptions = {}): Promise<LivehubNode> {
  const name = options.name ?? 'livehub';
  const dataDir = options.dataDir ?? tempDir(`livehub-${name.replace(/[^\w-]/g, '_')}-`);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    ...(process.env['HOME'] === undefined ? {} : { HOME: process.env['HOME'] }),
    GF_SERVER_HTTP_ADDR: '127.0.0.1',
    GF_SERVER_HTTP_PORT: String(options.port ?? 0),
    GF_PATHS_DATA: dataDir,
    ...options.env,
  };
  // Without the listen line only a fixed port can tell that it listens.
  const quiet = env['GF_LOG_LEVEL'] === 'warn' || env['GF_LOG_LEVEL'] === 'error';
  if (quiet && (options.port ?? 0) === 0) throw new Error(`livehub ${name}: GF_LOG_LEVEL=${env['GF_LOG_LEVEL']} hides "HTTP Server Listen": give it a fixed port`);
  const logs: Array<Record<string, unknown>> = [];
  let listen: Record<string, unknown> | undefined;
  const proc = spawnTracked(process.execPath, [...(options.nodeArgs ?? []), LIVEHUB_CLI, ...(options.args ?? [])], {
    name,
    env,
    keepLines: 2000,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.group === undefined ? {} : { group: options.group }),
    ...(options.logFile === undefined ? {} : { logFile: options.logFile }),
    ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    onLine(line, stream) {
      if (stream !== 'stdout' || !line.startsWith('{')) return;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return; // not JSON: kept in the output only
      }
      logs.push(record);
      if (logs.length > MAX_LOG_RECORDS) logs.splice(0, logs.length - MAX_LOG_RECORDS);
      if (listen === undefined && record['msg'] === 'HTTP Server Listen') listen = record;
    },
  });

  const readyMs = options.readyTimeoutMs ?? READY_TIMEOUT_MS;
  try {
    await waitUntil(async () => {
      if (!proc.running) throw new GiveUp(`livehub ${name} exited (${proc.child.signalCode ?? proc.child.exitCode}) before listening`);
      return listen !== undefined || (quiet && (await accepting(options.port!)));
    }, `livehub ${name} to listen ("HTTP Server Listen")`, readyMs, 20);
  } catch (err) {
    await proc.kill();
    throw new Error(`${(err as Error).message}:\n${proc.output()}`);
  }
  const address = listen === undefined ? '' : String(listen['address']);
  const port = listen === undefined ? options.port! : Number(address.slice(address.lastIndexOf(':') + 1));
  if (options.healthy === true) {
    await waitUntil(async () => (await httpGet(port, '/api/health', 2000)).status === 200, `livehub ${name} /api/health 200`, readyMs, 100).catch(async (err: unknown) => {
      await proc.kill();
      throw new Error(`${(err as Error).message}:\n${proc.output()}`);
    });
  }
  return {
    name,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/live/ws`,
    nodeId: listen === undefined ? '' : String(listen['nodeId']),
    dataDir,
    pid: proc.pid,
    proc,
    logs,
    get running() {
      return proc.running;
    },
    logsWith: (msg) => logs.filter((l) => l['msg'] === msg),
    output: (lines = 40) => proc.output(lines),
    kill: (signal: NodeJS.Signals = 'SIGKILL') => proc.kill(signal),
    stop: (graceMs = 5000) => proc.stop(graceMs),
  };
}
