// `npm run bench -- <scenario> [--quick] [--json FILE] [--<option> VALUE …]`: runs one benchmark
// scenario (or `all`), prints its table and writes its JSON (default bench/results/<scenario>[-quick].json).
// A scenario may take options of its own (flood: --seconds, --senders, --addresses, --rate-limits).

import { fileURLToPath } from 'node:url';
import { formatFanout, runFanout } from './fanout.js';
import { writeJson } from './lib/json.js';
import { OptionError } from './lib/options.js';
import { writePlots } from './plots.js';
import { formatMemory, runMemory } from './memory.js';
import { formatConnections, runConnections } from './connections.js';
import { formatRedis, runRedis } from './redis.js';
import { formatLatency, runLatency } from './latency.js';
import { formatSlow, runSlow } from './slow.js';
import { formatIngestResult, runIngestBench } from './ingest.js';
import { formatFailover, runFailover } from './failover.js';
import { formatStorm, runStorm } from './storm.js';
import { FLOOD_OPTIONS, formatFlood, runFlood } from './flood.js';
import { formatCaps, runCaps } from './caps.js';

interface Scenario {
  readonly run: (opts: { quick: boolean; log: (line: string) => void; options: Record<string, string> }) => Promise<unknown>;
  readonly format: (result: never) => string;
  /** Names of the `--name value` options it takes. */
  readonly options?: readonly string[];
}

const SCENARIOS: Record<string, Scenario> = {
  fanout: { run: runFanout, format: formatFanout as (r: never) => string },
  memory: { run: runMemory, format: formatMemory as (r: never) => string },
  connections: { run: runConnections, format: formatConnections as (r: never) => string },
  latency: { run: runLatency, format: formatLatency as (r: never) => string },
  redis: { run: runRedis, format: formatRedis as (r: never) => string },
  slow: { run: runSlow, format: formatSlow as (r: never) => string },
  failover: { run: runFailover, format: formatFailover as (r: never) => string },
  ingest: { run: runIngestBench, format: formatIngestResult as (r: never) => string },
  storm: { run: runStorm, format: formatStorm as (r: never) => string },
  flood: { run: runFlood, format: formatFlood as (r: never) => string, options: FLOOD_OPTIONS },
  caps: { run: runCaps, format: formatCaps as (r: never) => string },
};

function usage(): string {
  const withOptions = Object.entries(SCENARIOS).filter(([, s]) => s.options !== undefined).map(([n, s]) => `  ${n}: ${s.options!.map((o) => `--${o} VALUE`).join(' ')}`);
  return [`usage: npm run bench -- <${[...Object.keys(SCENARIOS), 'all', 'plots'].join('|')}> [--quick] [--json FILE] [scenario options]`, ...withOptions].join('\n');
}

interface Args {
  readonly name: string | undefined;
  readonly quick: boolean;
  readonly jsonFile: string | undefined;
  /** `--name value` pairs other than --json. */
  readonly options: Record<string, string>;
}

function parseArgs(argv: readonly string[]): Args {
  let name: string | undefined;
  let quick = false;
  let jsonFile: string | undefined;
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg.startsWith('--')) {
      const value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new Error(`${arg} needs a value`);
      if (arg === '--json') jsonFile = value;
      else options[arg.slice(2)] = value;
    } else if (name === undefined) name = arg;
    else throw new Error(`unexpected argument ${arg}`);
  }
  return { name, quick, jsonFile, options };
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage()}`);
    return 2;
  }
  const { name, quick, jsonFile, options } = args;
  if (name === undefined || (name !== 'all' && name !== 'plots' && SCENARIOS[name] === undefined)) {
    console.error(usage());
    return 2;
  }
  const names = name === 'all' || name === 'plots' ? [] : [name];
  const unknown = Object.keys(options).filter((o) => !names.some((n) => SCENARIOS[n]!.options?.includes(o)));
  if (unknown.length > 0) {
    console.error(`${name} takes no option ${unknown.map((o) => `--${o}`).join(', ')}\n${usage()}`);
    return 2;
  }
  if (name === 'plots') {
    console.log(`wrote ${writePlots().join(', ') || 'nothing (no full fanout/memory results in bench/results/)'}`);
    return 0;
  }
  if (name === 'all') names.push(...Object.keys(SCENARIOS));
  const results: Record<string, unknown> = {};
  for (const n of names) {
    const scenario = SCENARIOS[n]!;
    const started = performance.now();
    const result = await scenario.run({ quick, log: (line) => console.error(line), options });
    console.log(scenario.format(result as never));
    console.log(`(${n} took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    results[n] = result;
    if (jsonFile === undefined) {
      writeJson(fileURLToPath(new URL(`../../bench/results/${n}${quick ? '-quick' : ''}.json`, import.meta.url)), result);
      // Full fanout/memory results refresh the plots next to the table in docs/performance.md.
      if (!quick && (n === 'fanout' || n === 'memory')) console.log(`wrote ${writePlots().join(', ')}`);
    }
  }
  if (jsonFile !== undefined) writeJson(jsonFile, names.length === 1 ? results[names[0]!] : results);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof OptionError) {
      console.error(`${err.message}\n${usage()}`);
      process.exit(2);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
