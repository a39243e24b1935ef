// Process lifecycle for tests, benchmarks and scripts. Every process started here is tracked and
// killed (with its process group when it has one) when this process exits: normally, after an
// exception, or on SIGINT / SIGTERM / SIGHUP, which end a process without running its 'exit'
// handlers unless someone listens for them. Temp directories made here are removed then too. Each
// process keeps its last output lines for failure messages and can also append them to a log file.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface SpawnOptions {
  /** What messages call it (default: the program's file name). */
  readonly name?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /**
   * Start it in its own process group: signals go to the whole group, so whatever the program
   * starts itself goes with it. A script that should stay killable as one group leaves this off.
   */
  readonly group?: boolean;
  /** Also append stdout and stderr to this file (scripts keep a log per process). */
  readonly logFile?: string;
  /** Called with every complete output line (e.g. to parse JSON log records). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly uid?: number;
  readonly gid?: number;
  /** Pin every thread to these CPUs (taskset syntax, e.g. "1"), when taskset is available. */
  readonly cpus?: string;
  /** Output lines kept in memory for output() (default 400). */
  readonly keepLines?: number;
}

export interface Spawned {
  readonly name: string;
  readonly command: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly running: boolean;
  /** Resolves with the exit code (null after a signal) once the process is gone. */
  readonly exited: Promise<number | null>;
  /** The last output lines (stderr lines marked), for failure messages. */
  output(lines?: number): string;
  /** Sends a signal (to the group when it has one); no-op when it is gone. An exit after it is expected. */
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends `signal` (default SIGTERM), SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<number | null>;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const tracked = new Set<Spawned>();
const tempDirs = new Set<string>();
let stopHandler: ((signal: NodeJS.Signals) => void) | undefined;
const unexpectedExitListeners: Array<(p: Spawned, code: number | null, signal: NodeJS.Signals | null) => void> = [];

process.on('exit', () => {
  for (const p of tracked) p.signal('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of STOP_SIGNALS) {
  // process.exit runs the 'exit' handler above: every tracked process dies with us.
  process.on(signal, () => (stopHandler === undefined ? process.exit(128 + constants.signals[signal]) : stopHandler(signal)));
}

/**
 * Replaces what SIGINT / SIGTERM / SIGHUP do (by default: kill every tracked process and exit with
 * 128 + the signal number), e.g. for a script that stops its processes gracefully in order.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): void {
  stopHandler = handler;
}

/** Calls `listener` whenever a tracked process exits without having been signalled from here (a crash). */
export function onUnexpectedExit(listener: (p: Spawned, code: number | null, signal: NodeJS.Signals | null) => void): void {
  unexpectedExitListeners.push(listener);
}

/** A temp directory removed when this process exits (or earlier with removeTempDir). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');

/** Pins every thread of `pid` to `cpus` (e.g. "0"); false when taskset is missing or it failed. */
export function pin(pid: number, cpus: string): boolean {
  if (!hasTaskset) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

/** Starts `command` with `args`, tracked until it exits. Throws when it cannot be started. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): Spawned {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command} (is it installed?)`);
  const keep = options.keepLines ?? 400;
  let signalled = false;
  const lines: string[] = [];
  const log = options.logFile === undefined ? undefined : createWriteStream(options.logFile, { flags: 'a' });
  const collect = (stream: 'stdout' | 'stderr'): ((chunk: Buffer) => void) => {
    let partial = '';
    return (chunk) => {
      log?.write(chunk);
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        lines.push(stream === 'stderr' ? `[stderr] ${line}` : line);
        if (lines.length > keep) lines.splice(0, lines.length - keep);
        options.onLine?.(line, stream);
      }
    };
  };
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));
  child.on('error', (err) => lines.push(`[error] ${err.message}`));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      tracked.delete(handle);
      log?.end();
      if (!signalled) for (const listener of unexpectedExitListeners) listener(handle, code, signal);
      resolve(code);
    });
  });
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  const handle: Spawned = {
    name: options.name ?? basename(command),
    command,
    child,
    pid,
    exited,
    get running() {
      return isRunning();
    },
    output: (n = 40) => lines.slice(-n).join('\n'),
    signal(signal) {
      if (!isRunning()) return;
      signalled = true;
      try {
        if (options.group === true) process.kill(-pid, signal);
        else child.kill(signal);
      } catch {
        // already gone
      }
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!isRunning()) return;
      handle.signal(signal);
      await exited;
    },
    async stop(graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM') {
      if (isRunning()) {
        handle.signal(signal);
        const timer = setTimeout(() => handle.signal('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return child.exitCode;
    },
  };
  tracked.add(handle);
  if (options.cpus !== undefined) pin(pid, options.cpus);
  return handle;
}

/** Runs `command` to its end (killed after `timeoutMs`); resolves with its output, rejects with it on failure. */
export async function runToExit(command: string, args: readonly string[], options: SpawnOptions & { readonly timeoutMs: number }): Promise<string> {
  const proc = spawnTracked(command, args, { ...options, keepLines: 1000 });
  const timer = setTimeout(() => proc.signal('SIGKILL'), options.timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${command} failed (${proc.child.signalCode ?? code}):\n${proc.output(1000)}`);
  return proc.output(1000);
}

/** Stops every tracked process, the last started first (SIGTERM, SIGKILL after `graceMs`). */
export async function stopAll(graceMs = 5000): Promise<void> {
  for (const p of [...tracked].reverse()) await p.stop(graceMs);
}
