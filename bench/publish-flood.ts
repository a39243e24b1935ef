// The anonymous publish flood of issue 13 against a livehub process with the default configuration:
// `senders` loops post 1 MiB bodies to fresh `grafana/broadcast/<n>` channels as fast as the node
// answers, from `addresses` loopback source addresses, for `seconds`. Reports what was accepted
// (200) and refused (429) — bytes per minute per address, the first 429 — with the node's peak RSS,
// its heap after GC before and after, and the slowest /api/health answer during the flood.
//
//   npx tsc -p tsconfig.json && node dist/bench/publish-flood.js [--seconds 120] [--senders 8] [--addresses 1] [--json FILE]

import { Agent, request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { writeJson } from './lib/json.js';
import { sleep } from './lib/proc.js';
import { runInfo, type RunInfo } from './lib/report.js';
import { httpGet, startLivehub } from './lib/servers.js';
import { table } from './lib/table.js';

const MIB = 1024 * 1024;

export interface FloodResult {
  readonly scenario: 'publish-flood';
  readonly run: RunInfo;
  readonly params: { seconds: number; senders: number; addresses: number; bodyBytes: number };
  readonly sent: number;
  readonly accepted: number;
  readonly limited: number;
  readonly other: number;
  /** Requests (from the first address) before its first 429, and when it came. */
  readonly firstLimitedAfter: { requests: number; ms: number } | undefined;
  readonly acceptedMiB: number;
  readonly acceptedMiBPerMinutePerAddress: number;
  readonly peakRssMiB: number;
  readonly heapAfterGcMiB: { before: number; after: number };
  readonly slowestHealthMs: number;
  /** livehub_http_rate_limit_keys: the most seen during the flood, and how long the table took to empty after it. */
  readonly rateLimitKeys: { peak: number; emptyAfterMs: number | undefined };
}

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

async function rateLimitKeys(port: number): Promise<number> {
  const metrics = await httpGet(port, '/metrics', 10_000);
  const line = metrics.body.split('\n').find((l) => l.startsWith('livehub_http_rate_limit_keys{'));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function post(agent: Agent, port: number, localAddress: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/live/publish', agent, localAddress, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export async function runPublishFlood(opts: { seconds: number; senders: number; addresses: number; log: (line: string) => void }): Promise<FloodResult> {
  const server = await startLivehub({ name: 'livehub (default limits)' });
  try {
    const before = await server.memory();
    const filler = 'x'.repeat(MIB - 200);
    let channel = 0;
    let sent = 0;
    let accepted = 0;
    let limited = 0;
    let other = 0;
    let firstFromAddress0 = 0;
    let firstLimitedAfter: FloodResult['firstLimitedAfter'];
    let peakRss = server.rss();
    let slowestHealthMs = 0;
    let peakKeys = 0;
    const started = performance.now();
    const deadline = started + opts.seconds * 1000;
    const sender = async (i: number): Promise<void> => {
      const address = `127.0.0.${2 + (i % opts.addresses)}`;
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (performance.now() < deadline) {
        const body = `{"channel":"grafana/broadcast/flood-${channel++}","data":"${filler}"}`;
        sent++;
        if (address === '127.0.0.2' && firstLimitedAfter === undefined) firstFromAddress0++;
        const status = await post(agent, server.port, address, body);
        if (status === 200) accepted++;
        else if (status === 429) {
          limited++;
          if (address === '127.0.0.2' && firstLimitedAfter === undefined) firstLimitedAfter = { requests: firstFromAddress0, ms: Math.round(performance.now() - started) };
        } else other++;
      }
      agent.destroy();
    };
    const watcher = async (): Promise<void> => {
      let lastReport = started;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await httpGet(server.port, '/api/health', 10_000).catch(() => undefined);
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - t0);
        peakRss = Math.max(peakRss, server.rss());
        if (performance.now() - lastReport >= 10_000) {
          lastReport = performance.now();
          peakKeys = Math.max(peakKeys, await rateLimitKeys(server.port));
          opts.log(`  ${Math.round((lastReport - started) / 1000)} s: ${accepted} accepted, ${limited} limited, RSS ${(server.rss() / MIB).toFixed(0)} MiB`);
        }
        await sleep(250);
      }
    };
    await Promise.all([...Array.from({ length: opts.senders }, (_, i) => sender(i)), watcher()]);
    const elapsedMinutes = (performance.now() - started) / 60_000;
    const ended = performance.now();
    peakKeys = Math.max(peakKeys, await rateLimitKeys(server.port));
    // Refilled buckets are swept every 10 s: the table should be empty well within 30 s.
    let emptyAfterMs: number | undefined;
    while (performance.now() - ended < 30_000) {
      if ((await rateLimitKeys(server.port)) === 0) {
        emptyAfterMs = Math.round(performance.now() - ended);
        break;
      }
      await sleep(500);
    }
    const after = await server.memory();
    // Every body is 1 MiB.
    const acceptedMiB = accepted;
    return {
      scenario: 'publish-flood',
      run: runInfo(),
      params: { seconds: opts.seconds, senders: opts.senders, addresses: opts.addresses, bodyBytes: MIB },
      sent,
      accepted,
      limited,
      other,
      firstLimitedAfter,
      acceptedMiB,
      acceptedMiBPerMinutePerAddress: Math.round((acceptedMiB / elapsedMinutes / opts.addresses) * 10) / 10,
      peakRssMiB: Math.round(peakRss / MIB),
      heapAfterGcMiB: { before: Math.round(before.heapUsed / MIB), after: Math.round(after.heapUsed / MIB) },
      slowestHealthMs: Math.round(slowestHealthMs),
      rateLimitKeys: { peak: peakKeys, emptyAfterMs },
    };
  } finally {
    await server.stop();
  }
}

export function formatPublishFlood(r: FloodResult): string {
  return table(
    ['seconds', 'senders', 'addresses', 'sent', '200', '429', 'other', 'first 429 after', 'MiB accepted', 'MiB/min/address', 'peak RSS MiB', 'heap MiB before→after', 'slowest health ms', 'buckets peak', 'buckets empty after ms'],
    [[
      r.params.seconds, r.params.senders, r.params.addresses, r.sent, r.accepted, r.limited, r.other,
      r.firstLimitedAfter === undefined ? 'never' : `${r.firstLimitedAfter.requests} req / ${r.firstLimitedAfter.ms} ms`,
      r.acceptedMiB, r.acceptedMiBPerMinutePerAddress, r.peakRssMiB, `${r.heapAfterGcMiB.before}→${r.heapAfterGcMiB.after}`, r.slowestHealthMs,
      r.rateLimitKeys.peak, r.rateLimitKeys.emptyAfterMs ?? 'not within 30 s',
    ]],
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const opts = { seconds: arg(argv, 'seconds', 120), senders: arg(argv, 'senders', 8), addresses: arg(argv, 'addresses', 1), log: (line: string) => console.log(line) };
  const result = await runPublishFlood(opts);
  console.log(formatPublishFlood(result));
  const i = argv.indexOf('--json');
  if (i >= 0 && argv[i + 1] !== undefined) writeJson(argv[i + 1]!, result);
}
