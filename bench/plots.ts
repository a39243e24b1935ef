// docs/perf-fanout.svg and docs/perf-memory.svg from the latest full (non-quick) results.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FanoutResult } from './fanout.js';
import type { MemoryResult } from './memory.js';
import { barChart, lineChart } from './lib/svg.js';

const COLORS: Record<string, string> = { bare: '#888888', livehub: '#1f77b4', socketio: '#d62728' };
const root = (rel: string): string => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

export function fanoutSvg(r: FanoutResult): string {
  const phases = ['low', 'single', 'burst'] as const;
  return barChart({
    title: `Fan-out to ${r.params.subscribers.toLocaleString('en-US')} subscribers of one channel (~${r.params.messageBytes} B messages)`,
    subtitle: `server on 1 core; low = deliveries per server CPU-second at ${r.params.lowRate} msg/s; single/burst = deliveries/s; commit ${r.run.commit}`,
    yLabel: 'deliveries per second (low: per CPU-second)',
    xLabel: `phase (burst = ${r.params.burstWindow} messages in flight)`,
    groups: ['low (efficiency)', 'single (1 in flight)', 'burst'],
    series: r.peers.map((p) => ({
      name: p.peer,
      color: COLORS[p.protocol] ?? '#000',
      values: phases.map((ph) => {
        const x = p.phases.find((q) => q.phase === ph);
        if (x === undefined) return Number.NaN;
        return ph === 'low' ? Math.round(1e6 / x.serverCpuUsPerDelivery) : x.deliveriesPerSec;
      }),
    })),
  });
}

export function memorySvg(r: MemoryResult): string {
  return lineChart({
    title: 'Server RSS with idle connections (2 subscriptions each, pings on)',
    subtitle: `slopes: ${r.peers.map((p) => `${p.peer} ${(p.rssPerConn / 1024).toFixed(1)} KB/conn`).join(', ')}; commit ${r.run.commit}`,
    yLabel: 'RSS after GC (MiB)',
    xLabel: 'connections',
    series: r.peers.map((p) => ({ name: p.peer, color: COLORS[p.protocol] ?? '#000', values: p.points.map((x) => [x.connections, x.vmRss / 1048576] as const) })),
  });
}

/** Writes the SVGs for whichever full results exist; returns the files written. */
export function writePlots(): string[] {
  const written: string[] = [];
  const fanout = root('bench/results/fanout.json');
  if (existsSync(fanout)) {
    writeFileSync(root('docs/perf-fanout.svg'), fanoutSvg(JSON.parse(readFileSync(fanout, 'utf8')) as FanoutResult));
    written.push('docs/perf-fanout.svg');
  }
  const memory = root('bench/results/memory.json');
  if (existsSync(memory)) {
    writeFileSync(root('docs/perf-memory.svg'), memorySvg(JSON.parse(readFileSync(memory, 'utf8')) as MemoryResult));
    written.push('docs/perf-memory.svg');
  }
  return written;
}
