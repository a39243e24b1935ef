// Child processes of a benchmark: spawned, tracked and always killed when the runner exits (even on
// an exception or Ctrl-C), pinned to a CPU with taskset when available, and measured through /proc
// (CPU seconds, RSS) so the runner can report server and load-generator CPU next to each result.

import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Last lines of stdout/stderr (diagnostics). */
  output(): string;
  /** Resolves when the process exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions = {}): Spawned {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  children.add(child);
  let log = '';
  const append = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-16_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  const pid = child.pid;
  return {
    child,
    pid,
    output: () => log.split('\n').slice(-40).join('\n'),
    exited,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

const hasTaskset = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');

/** Pins every thread of `pid` to `cpus` (e.g. "0"); false when taskset is missing or it failed. */
export function pin(pid: number, cpus: string): boolean {
  if (!hasTaskset) return false;
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by a process, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS of a process in bytes. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Measures CPU use of a set of processes between `start()` and `stop()`. */
export class CpuMeter {
  private startCpu: number[] = [];
  private startTime = 0;

  constructor(private readonly pids: () => readonly number[]) {}

  start(): void {
    this.startCpu = this.pids().map(cpuSeconds);
    this.startTime = performance.now();
  }

  /** CPU seconds used and elapsed wall seconds since start(); cores = cpu / wall. */
  read(): { cpuSeconds: number; wallSeconds: number; cores: number } {
    const now = this.pids().map(cpuSeconds);
    let cpu = 0;
    for (let i = 0; i < now.length; i++) cpu += (now[i] ?? 0) - (this.startCpu[i] ?? 0);
    const wall = (performance.now() - this.startTime) / 1000;
    return { cpuSeconds: cpu, wallSeconds: wall, cores: cpu / wall };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until true or the deadline passes (throws with `what`). */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Kernel TCP memory of the whole host in bytes (/proc/net/sockstat `TCP: … mem` pages × 4096). */
export function kernelTcpBytes(): number {
  try {
    const m = /^TCP:.* mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) * 4096;
  } catch {
    return Number.NaN;
  }
}
