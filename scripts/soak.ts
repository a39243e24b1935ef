#!/usr/bin/env node
// Soak test (not part of CI): a 3-node livehub cluster on loopback sharing a Redis, driven for a long
// time with connection churn, Telegraf pushes (HTTP and WebSocket), broadcast publishes, dashboard
// saves and periodic Redis restarts, while RSS, V8 heap, active handles and open file descriptors of
// every node are sampled. Writes samples.csv and summary.json; the summary says whether memory, fds
// and handles grew. Build first.
//
//   npx tsc -p tsconfig.json && node dist/scripts/soak.js [--minutes 120] [--nodes 3] [--clients 60]
//                         [--sample-seconds 10] [--redis-restart-minutes 3] [--out DIR] [--keep]
//   node dist/scripts/soak.js --analyze DIR/samples.csv      # recompute the summary of a finished run
//   npm run soak -- [options]                                  (builds, then runs it)
//
// Everything listens on 127.0.0.1. --out defaults to a new temp directory (printed at the end);
// --keep also leaves the node data and logs there. The heap is sampled without forcing GC, so it
// saw-tooths; the summary's `troughs` (lowest heap per fifth of the run) are what a leak would lift.
// Once a minute (--gc-every samples) the script also forces a full GC in every node through the V8
// inspector (nodes run with --inspect on a loopback port) and records the heap left after it
// (heap_after_gc_mb): the number that must not grow. Processes, clients and waits are the harness's
// (harness/); every process stops with the script, also after an error or a signal.

import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { http } from '../harness/http.js';
import { LIVEHUB_CLI, startLivehub, type LivehubNode } from '../harness/livehub.js';
import { metric } from '../harness/metrics.js';
import { freePort } from '../harness/ports.js';
import { openFds, rssBytes } from '../harness/proc-stats.js';
import { onStopSignal, onUnexpectedExit } from '../harness/processes.js';
import { RawClient, type Frame } from '../harness/raw-client.js';
import { startRedisServer } from '../harness/redis.js';
import { sleep } from '../harness/wait.js';

// ---- arguments ---------------------------------------------------------------------------------

interface Options {
  readonly minutes: number;
  readonly nodes: number;
  readonly clients: number;
  readonly sampleSeconds: number;
  readonly redisRestartMinutes: number;
  readonly out: string;
  readonly keep: boolean;
  readonly analyze: string;
  readonly gcEvery: number;
}

function parseArgs(argv: readonly string[]): Options {
  const o = { minutes: 120, nodes: 3, clients: 60, sampleSeconds: 10, redisRestartMinutes: 3, out: '', keep: false, analyze: '', gcEvery: 6 };
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--minutes') o.minutes = num('minutes', argv[++i]);
    else if (a === '--nodes') o.nodes = Math.floor(num('nodes', argv[++i]));
    else if (a === '--clients') o.clients = Math.floor(num('clients', argv[++i]));
    else if (a === '--sample-seconds') o.sampleSeconds = num('sample-seconds', argv[++i]);
    else if (a === '--redis-restart-minutes') o.redisRestartMinutes = num('redis-restart-minutes', argv[++i]);
    else if (a === '--out') o.out = argv[++i] ?? '';
    else if (a === '--keep') o.keep = true;
    else if (a === '--analyze') o.analyze = argv[++i] ?? '';
    else if (a === '--gc-every') o.gcEvery = Math.floor(num('gc-every', argv[++i]));
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/scripts/soak.js [--minutes N] [--nodes 3] [--clients 60] [--sample-seconds 10] [--redis-restart-minutes 3] [--out DIR] [--keep]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.nodes > 9) throw new Error('--nodes must be at most 9');
  return o;
}

// ---- small helpers -----------------------------------------------------------------------------

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
const now = (): number => Date.now();

function bump(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

// ---- workload: protocol clients ----------------------------------------------------------------

const stats = {
  connects: 0,
  connectFailures: 0,
  closes: {} as Record<string, number>,
  replyErrors: {} as Record<string, number>,
  pushesReceived: 0,
  resubscribes: 0,
  httpPush: {} as Record<string, number>,
  wsPushBatches: 0,
  wsPushErrors: 0,
  wsPushCloses: {} as Record<string, number>,
  publish: {} as Record<string, number>,
  dashboardSaves: {} as Record<string, number>,
  redisRestarts: 0,
};

interface ServerPush {
  readonly channel?: string;
  readonly pub?: unknown;
  readonly unsubscribe?: { readonly code?: number };
}

/** A raw Centrifuge v2 client (harness): connect + subscribe in one frame, answers pings, resubscribes on ≥ 2500, lives `lifetimeMs`. */
class SoakClient {
  readonly done: Promise<void>;
  private client: RawClient | undefined;
  private closedByUs = false;

  constructor(url: string, channels: readonly string[], lifetimeMs: number, token: string) {
    this.done = this.run(`${url}?auth_token=${token}`, channels, lifetimeMs);
  }

  close(): void {
    this.closedByUs = true;
    this.client?.close();
  }

  private async run(url: string, channels: readonly string[], lifetimeMs: number): Promise<void> {
    let client: RawClient;
    try {
      client = await RawClient.open(url, { answerPings: true, keep: false });
    } catch (err) {
      if ((err as { status?: number }).status !== undefined) stats.connectFailures++;
      return;
    }
    this.client = client;
    if (this.closedByUs) client.close();
    stats.connects++;
    client.onFrame((frame) => this.onFrame(client, frame));
    client.command({ connect: {} }, ...channels.map((channel) => ({ subscribe: { channel } })));
    const timer = setTimeout(() => this.close(), lifetimeMs);
    const { code } = await client.closed;
    clearTimeout(timer);
    if (!this.closedByUs) bump(stats.closes, String(code));
  }

  private onFrame(client: RawClient, frame: Frame): void {
    if (frame['unparseable'] !== undefined) {
      bump(stats.replyErrors, 'unparseable');
      return;
    }
    const error = frame['error'] as { code?: number } | undefined;
    if (error !== undefined) bump(stats.replyErrors, String(error.code));
    const push = frame['push'] as ServerPush | undefined;
    if (push?.pub !== undefined) stats.pushesReceived++;
    if (push?.unsubscribe !== undefined && (push.unsubscribe.code ?? 0) >= 2500 && client.open && push.channel !== undefined) {
      stats.resubscribes++;
      client.command({ subscribe: { channel: push.channel } });
    }
  }
}

// ---- sampling ----------------------------------------------------------------------------------

interface Inspector {
  heapAfterGcMb(): Promise<number>;
  close(): void;
}

/** A V8 inspector session on a node (started with --inspect=127.0.0.1:<port>): forced GC + heap size. */
async function inspector(port: number): Promise<Inspector> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const ws = new WebSocket(list[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (m) => {
    const msg = JSON.parse(String(m)) as { id?: number; result?: unknown };
    if (msg.id !== undefined && pending.has(msg.id)) {
      pending.get(msg.id)!(msg.result);
      pending.delete(msg.id);
    }
  });
  const call = (method: string): Promise<unknown> => new Promise((resolve, reject) => {
    const i = ++id;
    const timer = setTimeout(() => {
      pending.delete(i);
      reject(new Error(`${method} timed out`));
    }, 10_000);
    pending.set(i, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    ws.send(JSON.stringify({ id: i, method }));
  });
  return {
    async heapAfterGcMb() {
      await call('HeapProfiler.collectGarbage');
      return ((await call('Runtime.getHeapUsage')) as { usedSize: number }).usedSize / 2 ** 20;
    },
    close: () => ws.close(),
  };
}

interface SoakNode {
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly node: LivehubNode;
  inspector?: Inspector;
}

interface Row {
  elapsed: number;
  phase: string;
  node: string;
  pid: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  handles: number;
  fds: number;
  clients: number;
  subscriptions: number;
  lagP99Ms: number;
  redisUp: number;
  heapAfterGcMb: number;
}

type Metric = Exclude<keyof Row, 'phase' | 'node'>;

const CSV_HEADER = 'elapsed_s,phase,node,pid,rss_mb,heap_used_mb,heap_total_mb,external_mb,active_handles,open_fds,clients,subscriptions,eventloop_lag_p99_ms,redis_up,heap_after_gc_mb';

async function sample(nodes: readonly SoakNode[], redisUp: boolean, startedAt: number, phase: string, forceGc = false): Promise<Row[]> {
  const rows: Row[] = [];
  for (const node of nodes) {
    let afterGc = NaN;
    if (forceGc && node.inspector) {
      try {
        afterGc = await node.inspector.heapAfterGcMb();
      } catch {
        afterGc = NaN;
      }
    }
    const res = await http('GET', `${node.url}/metrics`, { timeoutMs: 3000 });
    const t = res.status === 200 ? res.text : '';
    const pid = node.node.pid;
    rows.push({
      elapsed: Math.round((now() - startedAt) / 1000),
      phase,
      node: node.name,
      pid,
      rssMb: rssBytes(pid) / 2 ** 20,
      heapUsedMb: metric(t, 'livehub_process_nodejs_heap_size_used_bytes') / 2 ** 20,
      heapTotalMb: metric(t, 'livehub_process_nodejs_heap_size_total_bytes') / 2 ** 20,
      externalMb: metric(t, 'livehub_process_nodejs_external_memory_bytes') / 2 ** 20,
      handles: metric(t, 'livehub_process_nodejs_active_handles_total'),
      fds: openFds(pid),
      clients: metric(t, 'grafana_live_node_num_clients'),
      subscriptions: metric(t, 'grafana_live_node_num_subscriptions'),
      lagP99Ms: metric(t, 'livehub_process_nodejs_eventloop_lag_p99_seconds') * 1000,
      redisUp: redisUp ? 1 : 0,
      heapAfterGcMb: afterGc,
    });
  }
  return rows;
}

const fmt = (n: number, d = 1): string => (Number.isFinite(n) ? n.toFixed(d) : '');

function csvRow(r: Row): string {
  return [r.elapsed, r.phase, r.node, r.pid, fmt(r.rssMb), fmt(r.heapUsedMb), fmt(r.heapTotalMb), fmt(r.externalMb), fmt(r.handles, 0), fmt(r.fds, 0), fmt(r.clients, 0), fmt(r.subscriptions, 0), fmt(r.lagP99Ms), r.redisUp, fmt(r.heapAfterGcMb, 2)].join(',');
}

/** Least-squares slope of y over x (x in seconds) → per hour. */
function slopePerHour(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 3) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? NaN : (num / den) * 3600;
}

function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length === 0 ? NaN : v[Math.floor(v.length / 2)]!;
}

function summarise(rows: readonly Row[], nodeNames: readonly string[], warmupS: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of nodeNames) {
    const all = rows.filter((r) => r.node === name);
    const base = all.filter((r) => r.phase === 'baseline');
    const load = all.filter((r) => r.phase === 'load' && r.elapsed >= warmupS);
    const idle = all.filter((r) => r.phase === 'idle');
    const tenth = Math.max(1, Math.floor(load.length / 10));
    const summary = (key: Metric): Record<string, unknown> => {
      const values = load.map((r) => r[key]).filter(Number.isFinite);
      // Lowest value in each fifth of the load phase: GC troughs for the heap.
      const fifth = Math.max(1, Math.ceil(load.length / 5));
      const troughs: number[] = [];
      for (let i = 0; i < load.length; i += fifth) {
        const w = load.slice(i, i + fifth).map((r) => r[key]).filter(Number.isFinite);
        if (w.length) troughs.push(Math.min(...w));
      }
      return {
        troughs,
        baseline: median(base.map((r) => r[key])),
        loadFirst10pct: median(load.slice(0, tenth).map((r) => r[key])),
        loadLast10pct: median(load.slice(-tenth).map((r) => r[key])),
        loadMax: values.length ? Math.max(...values) : NaN,
        slopePerHour: slopePerHour(load.filter((r) => Number.isFinite(r[key])).map((r) => ({ x: r.elapsed, y: r[key] }))),
        idleAfter: median(idle.map((r) => r[key])),
      };
    };
    out[name] = {
      samples: all.length,
      rssMb: summary('rssMb'),
      heapUsedMb: summary('heapUsedMb'),
      heapAfterGcMb: summary('heapAfterGcMb'),
      externalMb: summary('externalMb'),
      activeHandles: summary('handles'),
      openFds: summary('fds'),
      clients: summary('clients'),
      eventLoopLagP99Ms: summary('lagP99Ms'),
    };
  }
  return out;
}

// ---- main --------------------------------------------------------------------------------------

function readCsv(file: string): Row[] {
  const [header = '', ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const num = (v: string | undefined): number => (v === undefined || v === '' ? NaN : Number(v));
  return lines.map((line) => {
    const v = Object.fromEntries(line.split(',').map((x, i) => [cols[i], x])) as Record<string, string | undefined>;
    return {
      elapsed: num(v['elapsed_s']), phase: v['phase'] ?? '', node: v['node'] ?? '', pid: num(v['pid']), rssMb: num(v['rss_mb']), heapUsedMb: num(v['heap_used_mb']),
      heapTotalMb: num(v['heap_total_mb']), externalMb: num(v['external_mb']), handles: num(v['active_handles']), fds: num(v['open_fds']),
      clients: num(v['clients']), subscriptions: num(v['subscriptions']), lagP99Ms: num(v['eventloop_lag_p99_ms']), redisUp: num(v['redis_up']),
      heapAfterGcMb: num(v['heap_after_gc_mb']),
    };
  });
}

let shuttingDown = false;

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (o.analyze !== '') {
    const rows = readCsv(o.analyze);
    const names = [...new Set(rows.map((r) => r.node))];
    const loadSeconds = Math.max(...rows.filter((r) => r.phase === 'load').map((r) => r.elapsed));
    console.log(JSON.stringify(summarise(rows, names, Math.min(120, Math.round(loadSeconds / 5))), null, 2));
    return;
  }
  if (!existsSync(LIVEHUB_CLI)) throw new Error(`${LIVEHUB_CLI} not found: build first (npx tsc -p tsconfig.json)`);
  // A signal ends the run: the harness's exit handler stops every process.
  onStopSignal((signal) => {
    shuttingDown = true;
    console.error(`soak: ${signal}, stopping every process`);
    process.exit(130);
  });
  onUnexpectedExit((p, code, signal) => {
    if (!shuttingDown) console.error(`!! ${p.name} exited unexpectedly (${signal ?? `code ${code}`})`);
  });
  const work = mkdtempSync(join(tmpdir(), 'livehub-soak-'));
  const outDir = o.out !== '' ? o.out : work;
  mkdirSync(outDir, { recursive: true });
  const csvFile = join(outDir, 'samples.csv');
  writeFileSync(csvFile, `${CSV_HEADER}\n`);
  console.log(`soak: ${o.minutes} min, ${o.nodes} nodes, ${o.clients} clients, Redis restart every ${o.redisRestartMinutes} min; output ${outDir}`);

  // Redis
  const redisDir = join(work, 'redis');
  mkdirSync(redisDir);
  const redis = await startRedisServer({ name: 'redis', dir: redisDir, logFile: join(work, 'redis.log') });

  // one Admin token shared by every node
  const tokenFile = join(work, 'api-tokens.json');
  const created = spawnSync(process.execPath, [LIVEHUB_CLI, 'token', 'create', '--name', 'soak', '--org', '1', '--role', 'Admin'], {
    env: { ...process.env, GF_AUTH_API_TOKENS_FILE: tokenFile, GF_PATHS_DATA: work },
    encoding: 'utf8',
  });
  const token = created.stdout.trim().split('\n').pop() ?? '';
  if (created.status !== 0 || !token.startsWith('glh_')) throw new Error(`token create failed: ${created.stdout}${created.stderr}`);

  // nodes
  const nodes: SoakNode[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const name = `node${i}`;
    const port = await freePort();
    const inspectPort = await freePort();
    const dir = join(work, name);
    mkdirSync(dir);
    const node = await startLivehub({
      name,
      port,
      dataDir: dir,
      cwd: dir,
      logFile: join(dir, `${name}.log`),
      nodeArgs: [`--inspect=127.0.0.1:${inspectPort}`],
      healthy: true,
      env: {
        GF_SERVER_ROOT_URL: `http://127.0.0.1:${port}/`,
        GF_AUTH_API_TOKENS_FILE: tokenFile,
        GF_LIVE_HA_ENGINE: 'redis',
        GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}`,
        GF_LIVE_MAX_CONNECTIONS: '-1',
        GF_LOG_LEVEL: 'warn',
      },
    });
    nodes.push({ name, port, url: node.httpUrl, wsUrl: node.wsUrl, node, inspector: await inspector(inspectPort) });
  }

  // dashboards soak-0..4 exist on every node (each node has its own SQLite file)
  const DASHBOARDS = 5;
  for (const node of nodes) {
    for (let d = 0; d < DASHBOARDS; d++) {
      const res = await http('POST', `${node.url}/api/dashboards/db`, { token, body: { dashboard: { uid: `soak-${d}`, title: `Soak ${d}`, panels: [] }, overwrite: true } });
      if (res.status !== 200) throw new Error(`dashboard setup on ${node.name}: ${res.status} ${res.text}`);
    }
  }

  const startedAt = now();
  const rows: Row[] = [];
  const record = (batch: Row[]): void => {
    rows.push(...batch);
    appendFileSync(csvFile, batch.map(csvRow).join('\n') + '\n');
  };
  let redisUp = true;

  // baseline: three samples before any load
  for (let i = 0; i < 3; i++) {
    record(await sample(nodes, redisUp, startedAt, 'baseline', i === 2));
    await sleep(1000);
  }

  const endAt = now() + o.minutes * 60_000;
  let running = true;
  const loops: Array<Promise<void>> = [];
  const every = (ms: number, fn: () => Promise<void>): void => {
    loops.push((async () => {
      while (running) {
        const t0 = now();
        try {
          await fn();
        } catch (err) {
          console.error('workload step failed:', (err as Error).message);
        }
        await sleep(Math.max(0, ms - (now() - t0)));
      }
    })());
  };

  // connection churn: keep o.clients clients alive, each living 2-30 s
  const clients = new Set<SoakClient>();
  const channelsFor = (): string[] => {
    const list = ['1/grafana/broadcast/soak', 'default/stream/soak/cpu', `1/grafana/dashboard/uid/soak-${Math.floor(Math.random() * DASHBOARDS)}`];
    if (Math.random() < 0.3) list.push('1/plugin/testdata/random-2s-stream');
    return list;
  };
  every(100, async () => {
    while (clients.size < o.clients) {
      const c = new SoakClient(pick(nodes).wsUrl, channelsFor(), 2000 + Math.random() * 28_000, token);
      clients.add(c);
      void c.done.then(() => clients.delete(c));
    }
  });

  // HTTP pushes (10/s), broadcast publishes (4/s), dashboard saves (0.5/s)
  let seq = 0;
  every(100, async () => {
    const node = pick(nodes);
    const raw = `cpu,host=${node.name} usage=${Math.random() * 100},n=${seq++}i\nmem,host=${node.name} used=${Math.random() * 100}`;
    bump(stats.httpPush, String((await http('POST', `${node.url}/api/live/push/soak`, { token, raw, timeoutMs: 5000 })).status));
  });
  every(250, async () => {
    bump(stats.publish, String((await http('POST', `${pick(nodes).url}/api/live/publish`, { token, body: { channel: 'grafana/broadcast/soak', data: { seq: seq++, at: now() } }, timeoutMs: 5000 })).status));
  });
  every(2000, async () => {
    const d = Math.floor(Math.random() * DASHBOARDS);
    const res = await http('POST', `${pick(nodes).url}/api/dashboards/db`, { token, body: { dashboard: { uid: `soak-${d}`, title: `Soak ${d}`, panels: [{ id: 1, seq: seq++ }] }, overwrite: true, message: 'soak' }, timeoutMs: 5000 });
    bump(stats.dashboardSaves, String(res.status));
  });

  // a Telegraf-like push WebSocket (reconnects when closed)
  let pushWs: WebSocket | undefined;
  every(250, async () => {
    if (pushWs === undefined || pushWs.readyState === WebSocket.CLOSED) {
      const node = pick(nodes);
      pushWs = new WebSocket(`ws://127.0.0.1:${node.port}/api/live/push/soakws`, { headers: { Authorization: `Bearer ${token}` } });
      pushWs.on('error', () => {});
      pushWs.on('message', () => stats.wsPushErrors++);
      pushWs.on('close', (code) => bump(stats.wsPushCloses, String(code)));
      return;
    }
    if (pushWs.readyState === WebSocket.OPEN) {
      pushWs.send(`net,if=eth0 rx=${seq++}i`);
      stats.wsPushBatches++;
    }
  });

  // Redis restarts: alternately killed (crash) and stopped cleanly, down for 3 s
  let restart = 0;
  loops.push((async () => {
    while (running) {
      const waitUntilMs = now() + o.redisRestartMinutes * 60_000;
      while (running && now() < waitUntilMs) await sleep(500);
      if (!running) break;
      restart++;
      const kill = restart % 2 === 1;
      console.log(`[${Math.round((now() - startedAt) / 1000)}s] restarting Redis (${kill ? 'SIGKILL' : 'SIGTERM'})`);
      redisUp = false;
      await redis.restart({ kill, downMs: 3000 });
      redisUp = true;
      stats.redisRestarts++;
    }
  })());

  // sampler + progress
  let lastPrint = 0;
  let sampleNo = 0;
  while (now() < endAt) {
    record(await sample(nodes, redisUp, startedAt, 'load', ++sampleNo % o.gcEvery === 0));
    if (now() - lastPrint > 60_000) {
      lastPrint = now();
      const latest = rows.slice(-nodes.length);
      console.log(`[${Math.round((now() - startedAt) / 1000)}s] ` + latest.map((r) => `${r.node}: rss ${fmt(r.rssMb)} MB heap ${fmt(r.heapUsedMb)} MB fds ${r.fds} handles ${r.handles} clients ${r.clients}`).join(' | '));
    }
    await sleep(Math.min(o.sampleSeconds * 1000, Math.max(0, endAt - now())));
  }

  // stop the load, let the nodes settle, sample the idle state
  running = false;
  for (const c of clients) c.close();
  pushWs?.close();
  await Promise.all(loops);
  await Promise.all([...clients].map((c) => c.done));
  const loadEndedAt = now();
  await sleep(15_000);
  for (let i = 0; i < 3; i++) {
    record(await sample(nodes, redisUp, startedAt, 'idle', true));
    await sleep(1000);
  }

  const warmupS = Math.min(120, Math.round((o.minutes * 60) / 5));
  const summary = {
    command: `node dist/scripts/soak.js ${process.argv.slice(2).join(' ')}`.trim(),
    startedAt: new Date(startedAt).toISOString(),
    loadMinutes: Math.round(((loadEndedAt - startedAt) / 60_000) * 10) / 10,
    nodes: o.nodes,
    clientsKeptOpen: o.clients,
    warmupSeconds: warmupS,
    workload: stats,
    perNode: summarise(rows, nodes.map((n) => n.name), warmupS),
    notes: [
      'slopePerHour: least-squares slope over the load phase after warm-up (units per hour)',
      'baseline: before any load; idleAfter: 15 s after all clients and pushers stopped',
      'rss from /proc/<pid>/status, fds = entries of /proc/<pid>/fd, heap/handles from /metrics livehub_process_*',
      'heapAfterGcMb: V8 heap after a forced full GC (inspector HeapProfiler.collectGarbage), once every --gc-every samples',
    ],
  };
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');

  shuttingDown = true;
  for (const node of nodes) node.inspector?.close();
  for (const node of nodes) await node.node.stop(8000);
  await redis.stop();
  if (!o.keep) {
    for (const name of readdirSync(work)) {
      if (join(work, name) === csvFile || join(work, name) === join(outDir, 'summary.json')) continue;
      if (outDir === work && (name === 'samples.csv' || name === 'summary.json')) continue;
      rmSync(join(work, name), { recursive: true, force: true });
    }
    if (outDir !== work) rmSync(work, { recursive: true, force: true });
  }
  console.log(JSON.stringify(summary, null, 2));
  console.log(`samples: ${csvFile}\nsummary: ${join(outDir, 'summary.json')}`);
}

main().catch((err: unknown) => {
  console.error(`soak failed: ${(err as Error).stack ?? String(err)}`);
  shuttingDown = true;
  // The harness's exit handler kills every process still running.
  process.exit(1);
});
