// `npm run bench -- <scenario> [--quick] [--json FILE]`: runs one benchmark scenario (or `all`),
// prints its table and writes its JSON (default bench/results/<scenario>[-quick].json).

import { fileURLToPath } from 'node:url';
import { formatFanout, runFanout } from './fanout.js';
import { writeJson } from './lib/json.js';
import { writePlots } from './plots.js';
import { formatMemory, runMemory } from './memory.js';
import { formatConnections, runConnections } from './connections.js';
import { formatRedis, runRedis } from './redis.js';
import { formatLatency, runLatency } from './latency.js';
import { formatSlow, runSlow } from './slow.js';
import { formatIngestResult, runIngestBench } from './ingest.js';
import { formatFailover, runFailover } from './failover.js';
import { formatStorm, runStorm } from './storm.js';
import { formatFlood, runFlood } from './flood.js';
import { formatCaps, runCaps } from './caps.js';

interface Scenario {
  readonly run: (opts: { quick: boolean; log: (line: string) => void }) => Promise<unknown>;
  readonly format: (result: never) => string;
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
  flood: { run: runFlood, format: formatFlood as (r: never) => string },
  caps: { run: runCaps, format: formatCaps as (r: never) => string },
};

function usage(): string {
  return `usage: npm run bench -- <${[...Object.keys(SCENARIOS), 'all', 'plots'].join('|')}> [--quick] [--json FILE]`;
}

async function main(argv: string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--json');
  const jsonFile = i >= 0 ? argv[i + 1] : undefined;
  if (i >= 0 && (jsonFile === undefined || jsonFile.startsWith('--'))) {
    console.error('--json needs a file name');
    return 2;
  }
  const name = argv.find((a, k) => !a.startsWith('--') && (i < 0 || k !== i + 1));
  if (name === undefined || (name !== 'all' && name !== 'plots' && SCENARIOS[name] === undefined)) {
    console.error(usage());
    return 2;
  }
  if (name === 'plots') {
    console.log(`wrote ${writePlots().join(', ') || 'nothing (no full fanout/memory results in bench/results/)'}`);
    return 0;
  }
  const names = name === 'all' ? Object.keys(SCENARIOS) : [name];
  const results: Record<string, unknown> = {};
  for (const n of names) {
    const scenario = SCENARIOS[n]!;
    const started = performance.now();
    const result = await scenario.run({ quick, log: (line) => console.error(line) });
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
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
