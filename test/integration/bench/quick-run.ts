// The bench smoke tests' shared part (docs/performance.md): a scenario runs with --quick in a child
// process, bounded, and its JSON is checked for shape and sane numbers. Never a timing or ratio
// threshold: CI machines are noisy; the numbers live in the docs. The scenarios are split over
// several test files so each file stays within the runner's per-file time limit.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { projectRoot } from '../../../harness/project-root.js';

const root = projectRoot();
const runner = join(root, 'dist', 'bench', 'run.js');

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function runQuick(dir: string, scenario: string, timeoutMs = 150_000): Promise<Json> {
  const file = join(dir, `${scenario}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [runner, scenario, '--quick', '--json', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`bench ${scenario} --quick exited ${code ?? signal}:\n${out.slice(-4000)}`));
      try {
        resolve(JSON.parse(readFileSync(file, 'utf8')) as Json);
      } catch (err) {
        reject(new Error(`bench ${scenario}: no JSON (${(err as Error).message})\n${out.slice(-2000)}`));
      }
    });
  });
}

/**
 * Starts the scenarios one after another (side by side they would compete for the 2 cores with
 * each other and with the other test files, and a starved quick run proves nothing about the
 * bench) and returns each one's result.
 */
export function quickRuns(scenarios: readonly string[]): (scenario: string) => Promise<Json> {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-bench-smoke-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const results = new Map<string, Promise<Json>>();
  let chain: Promise<unknown> = Promise.resolve();
  for (const scenario of scenarios) {
    const p = chain.then(() => runQuick(dir, scenario));
    results.set(scenario, p);
    chain = p.catch(() => undefined);
  }
  return (scenario) => results.get(scenario)!;
}

export const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);

export function checkCommon(r: Json, scenario: string): void {
  assert.equal(r['scenario'], scenario);
  assert.equal(r['quick'], true);
  assert.equal(typeof r['run']?.commit, 'string');
  assert.ok(Array.isArray(r['goals']) && r['goals'].length > 0, 'goals listed');
  for (const g of r['goals'] as Json[]) {
    assert.equal(typeof g['id'], 'string');
    assert.equal(typeof g['measured'], 'string');
  }
}
