// What every scenario's JSON carries besides its numbers: where and on what it ran, and its goals
// (target, measured value, met) so the docs and the CI smoke test read them the same way.

import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface Goal {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly measured: string;
  /** undefined when the run could not decide (e.g. a quick run below the sizes the goal is about). */
  readonly met: boolean | undefined;
}

export interface RunInfo {
  readonly commit: string;
  readonly dirty: boolean;
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly nofileHard: number;
  readonly startedAt: string;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function nofileHard(): number {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim());
  } catch {
    return Number.NaN;
  }
}

export function runInfo(): RunInfo {
  return {
    commit: git(['rev-parse', '--short', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nofileHard: nofileHard(),
    startedAt: new Date().toISOString(),
  };
}

export function goalLines(goals: readonly Goal[]): string {
  return goals
    .map((g) => `${g.id.padEnd(4)} ${g.met === undefined ? 'n/a ' : g.met ? 'MET ' : 'MISS'}  ${g.description}: ${g.measured} (target ${g.target})`)
    .join('\n');
}
