// Real livehub processes for multi-node tests: `node dist/src/cli.js` configured with GF_* variables
// (free port, own data dir, shared API token file), started in their own process group, ready when
// "HTTP Server Listen" appears on stdout, JSON log lines collected, stopped with SIGTERM or killed
// with SIGKILL. Every process group is killed when the test process exits, even after a failure.
// Also: the publish/receive ledger the fault tests use to count messages sent, received and signalled.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Centrifuge, Subscription } from 'centrifuge';
import { WebSocket } from 'ws';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { projectRoot } from './project-root.js';

export const CLI = join(projectRoot(), 'dist', 'src', 'cli.js');
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const MAX_LOG_LINES = 20_000;

const groups = new Set<number>();
const tempDirs = new Set<string>();
process.on('exit', () => {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** A temp directory removed when the test process exits. */
export function clusterTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export interface Tokens {
  readonly admin: string;
  readonly editor: string;
  readonly viewer: string;
  /** The file for GF_AUTH_API_TOKENS_FILE. */
  readonly file: string;
}

/** An API token file (created with ApiTokenStore) with an Admin, an Editor and a Viewer of org 1. */
export function createTokens(dir: string): Tokens {
  const file = join(dir, 'api-tokens.json');
  const store = new ApiTokenStore(file);
  return {
    admin: store.create({ name: 'admin', orgId: 1, role: 'Admin' }).token,
    editor: store.create({ name: 'editor', orgId: 1, role: 'Editor' }).token,
    viewer: store.create({ name: 'viewer', orgId: 1, role: 'Viewer' }).token,
    file,
  };
}

export interface LivehubNode {
  readonly name: string;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly nodeId: string;
  readonly dataDir: string;
  readonly pid: number;
  /** Parsed JSON log lines (stdout), in order. */
  readonly logs: Array<Record<string, unknown>>;
  readonly running: boolean;
  /** Log records with this exact `msg`. */
  logsWith(msg: string): Array<Record<string, unknown>>;
  /** Last output lines, for failure messages. */
  output(lines?: number): string;
  /** Signals the whole process group (default SIGKILL) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM (graceful: clients get 3001), SIGKILL after 5 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface StartNodeOptions {
  /** Short name used in messages and as LIVEHUB_TEST_NODE (test plugins read it). */
  readonly name: string;
  /** GF_* variables on top of the defaults (free port, own data dir, no connection limit). */
  readonly env?: Record<string, string>;
  readonly readyTimeoutMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `node dist/src/cli.js` and resolves once it logged "HTTP Server Listen". */
export async function startNode(options: StartNodeOptions): Promise<LivehubNode> {
  const dataDir = clusterTempDir(`livehub-node-${options.name}-`);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LIVEHUB_TEST_NODE: options.name,
    GF_SERVER_HTTP_ADDR: '127.0.0.1',
    GF_SERVER_HTTP_PORT: '0',
    GF_PATHS_DATA: dataDir,
    GF_LIVE_MAX_CONNECTIONS: '-1',
    ...options.env,
  };
  const child = spawn(process.execPath, [CLI], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`livehub ${options.name} did not spawn`);
  groups.add(pid);
  child.once('exit', () => groups.delete(pid));

  const logs: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  let partial = '';
  let listen: Record<string, unknown> | undefined;
  let wake: (() => void) | undefined;
  const keep = (line: string): void => {
    raw.push(line);
    if (raw.length > MAX_LOG_LINES) raw.splice(0, raw.length - MAX_LOG_LINES);
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      keep(line);
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
        if (listen === undefined && record['msg'] === 'HTTP Server Listen') {
          listen = record;
          wake?.();
        }
      } catch {
        // not JSON: kept in raw only
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line !== '') keep(`[stderr] ${line}`);
    wake?.();
  });
  child.once('exit', () => wake?.());

  const output = (lines = 40): string => raw.slice(-lines).join('\n');
  const deadline = Date.now() + (options.readyTimeoutMs ?? READY_TIMEOUT_MS);
  while (listen === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`livehub ${options.name} exited (${child.signalCode ?? child.exitCode}) before listening:\n${output()}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      killGroup(pid, 'SIGKILL');
      throw new Error(`livehub ${options.name} did not log "HTTP Server Listen" within the deadline:\n${output()}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 200));
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = undefined;
  }
  const address = String(listen['address']);
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name: options.name,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/live/ws`,
    nodeId: String(listen['nodeId']),
    dataDir,
    pid,
    logs,
    get running() {
      return running();
    },
    logsWith: (msg) => logs.filter((l) => l['msg'] === msg),
    output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!running()) return;
      killGroup(pid, signal);
      await exited(child);
    },
    async stop() {
      if (running()) {
        killGroup(pid, 'SIGTERM');
        const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), STOP_TIMEOUT_MS);
        await exited(child);
        clearTimeout(timer);
      }
      return child.exitCode;
    },
  };
}

export interface ClusterOptions {
  /** Node names, e.g. ['A', 'B', 'C']. */
  readonly names: readonly string[];
  /** Redis address for GF_LIVE_HA_ENGINE_ADDRESS (the engine is always redis). */
  readonly redisAddress: string;
  /** Further GF_* variables for every node. */
  readonly env?: Record<string, string>;
  /** Per-node extra variables. */
  readonly nodeEnv?: (name: string) => Record<string, string>;
}

export interface Cluster {
  readonly nodes: LivehubNode[];
  readonly tokens: Tokens;
  node(name: string): LivehubNode;
  /** Starts one more node with the cluster's settings. */
  add(name: string, env?: Record<string, string>): Promise<LivehubNode>;
  /** Kills every node (SIGKILL of the process groups): fast and safe in after(). LIVEHUB_HA_LOGS=1 prints their logs first. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = clusterTempDir('livehub-cluster-');
  const tokens = createTokens(dir);
  const nodes: LivehubNode[] = [];
  const envFor = (name: string, extra: Record<string, string> = {}): Record<string, string> => ({
    GF_LIVE_HA_ENGINE: 'redis',
    GF_LIVE_HA_ENGINE_ADDRESS: options.redisAddress,
    GF_AUTH_API_TOKENS_FILE: tokens.file,
    ...options.env,
    ...options.nodeEnv?.(name),
    ...extra,
  });
  const cluster: Cluster = {
    nodes,
    tokens,
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (found === undefined) throw new Error(`no node ${name}`);
      return found;
    },
    async add(name, env) {
      const started = await startNode({ name, env: envFor(name, env) });
      nodes.push(started);
      return started;
    },
    async stop() {
      if (process.env['LIVEHUB_HA_LOGS'] === '1') {
        for (const n of nodes) process.stdout.write(`\n---- livehub ${n.name} (${n.nodeId}) last log lines\n${n.output(80)}\n`);
      }
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    },
  };
  // In parallel: start-up is mostly waiting for Redis and the database.
  const started = await Promise.allSettled(options.names.map((name) => startNode({ name, env: envFor(name) })));
  for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await cluster.stop();
    throw failed.reason;
  }
  return cluster;
}

// ---- HTTP helpers ----------------------------------------------------------------------------

export interface HttpResult {
  /** 0 = no answer (connection refused or reset, or the time limit). */
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** One HTTP call, bounded in time; network failures come back as status 0 instead of throwing. */
export async function http(method: string, url: string, options: { token?: string; body?: unknown; raw?: string; timeoutMs?: number } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    const res = await fetch(url, {
      method,
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : options.raw !== undefined ? { body: options.raw } : {}),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body, text };
  } catch (err) {
    return { status: 0, body: undefined, text: (err as Error).message };
  }
}

export async function health(node: LivehubNode): Promise<{ status: number; state: string }> {
  const res = await http('GET', `${node.httpUrl}/api/health`);
  const engine = (res.body as { engine?: { state?: string } } | undefined)?.engine;
  return { status: res.status, state: engine?.state ?? '' };
}

/** Node ids listed by GET /api/live/cluster on that node. */
export async function clusterNodeIds(node: LivehubNode, token: string): Promise<string[]> {
  const res = await http('GET', `${node.httpUrl}/api/live/cluster`, { token });
  if (res.status !== 200) throw new Error(`/api/live/cluster answered ${res.status}`);
  return (res.body as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id).sort();
}

/** POST /api/live/publish. */
export function publish(node: LivehubNode, channel: string, data: unknown, token?: string): Promise<HttpResult> {
  return http('POST', `${node.httpUrl}/api/live/publish`, { body: { channel, data }, ...(token === undefined ? {} : { token }) });
}

/** POST /api/live/push/<streamId> with line protocol. */
export function push(node: LivehubNode, streamId: string, lines: string, token: string): Promise<HttpResult> {
  return http('POST', `${node.httpUrl}/api/live/push/${streamId}`, { raw: lines, token });
}

export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number, stepMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError === undefined ? '' : ` (last error: ${(lastError as Error).message})`}`);
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- message accounting ------------------------------------------------------------------------

/** What happened to one publish attempt. */
export interface Attempt {
  readonly seq: number;
  readonly node: string;
  /** HTTP status; 0 = no answer (connection refused or reset). */
  readonly status: number;
}

/** Publish attempts of one channel, numbered by `seq` in publish order. */
export class PublishLedger {
  readonly attempts: Attempt[] = [];

  constructor(readonly channel: string) {}

  record(seq: number, node: string, status: number): void {
    this.attempts.push({ seq, node, status });
  }

  get accepted(): number[] {
    return this.attempts.filter((a) => a.status === 200).map((a) => a.seq);
  }

  get rejected(): Attempt[] {
    return this.attempts.filter((a) => a.status !== 200);
  }

  /** Status → count, e.g. {200: 80, 503: 12}. */
  statusCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.attempts) out[String(a.status)] = (out[String(a.status)] ?? 0) + 1;
    return out;
  }
}

export type ReceiverEvent =
  | { readonly kind: 'pub'; readonly seq: number }
  | { readonly kind: 'signal'; readonly what: string };

/**
 * One subscriber's view of one channel, in arrival order: publications (by seq) and every signal
 * that tells the subscriber its stream may have a hole. Without recovery that is any resubscribe
 * (unsubscribe push 2500, transport close), reconnect, or fresh initial data after a resubscribe (the
 * full frame of a stream/ channel, the last message of a broadcast). A recoverable subscriber expects
 * the resubscribe to fill the hole, so only a resubscribe that ends without `recovered: true` signals
 * a loss to it; a hole behind `recovered: true` is a silent loss.
 */
export class Receiver {
  readonly events: ReceiverEvent[] = [];
  readonly subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean; hasData: boolean }> = [];
  /** Codes of `subscribing` events after the first subscribe (2500 = server told it to resubscribe). */
  readonly resubscribeCodes: number[] = [];
  private subscribedOnce = false;

  constructor(
    readonly label: string,
    readonly node: string,
    readonly recoverable: boolean,
    sub: Subscription,
    client: Centrifuge,
    seqOf: (data: unknown) => number | undefined,
  ) {
    const signal = (what: string): void => {
      this.events.push({ kind: 'signal', what });
    };
    sub.on('publication', (ctx) => {
      const seq = seqOf(ctx.data);
      if (seq !== undefined) this.events.push({ kind: 'pub', seq });
    });
    sub.on('subscribing', (ctx) => {
      if (!this.subscribedOnce) return;
      this.resubscribeCodes.push(ctx.code);
      if (!recoverable) signal(`resubscribe ${ctx.code}`);
    });
    sub.on('subscribed', (ctx) => {
      const hasData = ctx.data !== undefined && ctx.data !== null;
      this.subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered, hasData });
      if (this.subscribedOnce) {
        if (recoverable && !(ctx.wasRecovering && ctx.recovered)) signal('not recovered');
        else if (!recoverable && hasData) signal('initial data');
      }
      this.subscribedOnce = true;
    });
    client.on('connecting', (ctx) => {
      if (this.subscribedOnce && !recoverable) signal(`reconnect ${ctx.code}`);
    });
  }

  received(): number[] {
    return this.events.filter((e): e is { kind: 'pub'; seq: number } => e.kind === 'pub').map((e) => e.seq);
  }

  has(seq: number): boolean {
    return this.events.some((e) => e.kind === 'pub' && e.seq === seq);
  }

  signals(): number {
    return this.events.filter((e) => e.kind === 'signal').length;
  }
}

export interface Accounting {
  readonly subscriber: string;
  readonly recoverable: boolean;
  /** Publish attempts (HTTP requests). */
  readonly sent: number;
  /** Acknowledged with 200. */
  readonly accepted: number;
  /** Answered with an error (503, 500, …) or not at all. */
  readonly rejected: number;
  /** Distinct accepted messages received. */
  readonly received: number;
  /** Accepted, not received, and a signal reached the subscriber after the hole. */
  readonly lostSignalled: number;
  /** Accepted, not received, and no signal covered it: must be 0. */
  readonly lostSilently: number;
  /** The same message received more than once: must be 0. */
  readonly duplicates: number;
  /** Received in a different order than published: must be 0. */
  readonly outOfOrder: number;
  /** Received although the publisher got no 200 (request in flight when something died). */
  readonly receivedUnacknowledged: number;
  readonly unacknowledgedSeqs: number[];
  /** Loss signals the subscriber got (see Receiver). */
  readonly signals: number;
  /** Resubscribes after the first subscribe (2500 pushes, transport closes). */
  readonly resubscribes: number;
}

/**
 * Checks one subscriber against the ledger. The rule: every accepted message is either received
 * exactly once, or lies in a hole of the received sequence after which (before the next received
 * message, or at the end) the subscriber got a signal. Messages published before the subscription
 * existed (seq < fromSeq) are not expected.
 */
export function account(ledger: PublishLedger, receiver: Receiver, fromSeq = 1): Accounting {
  const accepted = ledger.accepted.filter((s) => s >= fromSeq);
  const acceptedSet = new Set(accepted);
  const attempted = new Set(ledger.attempts.map((a) => a.seq));
  const seen = new Set<number>();
  let duplicates = 0;
  let outOfOrder = 0;
  let lastSeq = fromSeq - 1;
  let signalSinceLast = false;
  let lostSignalled = 0;
  let lostSilently = 0;
  const holeBetween = (lo: number, hi: number): number => accepted.filter((s) => s > lo && s < hi && !seen.has(s)).length;
  for (const event of receiver.events) {
    if (event.kind === 'signal') {
      signalSinceLast = true;
      continue;
    }
    if (event.seq < fromSeq || !attempted.has(event.seq)) continue;
    if (seen.has(event.seq)) {
      duplicates++;
      continue;
    }
    if (event.seq < lastSeq) {
      outOfOrder++;
      seen.add(event.seq);
      continue;
    }
    const hole = holeBetween(lastSeq, event.seq);
    if (signalSinceLast) lostSignalled += hole;
    else lostSilently += hole;
    seen.add(event.seq);
    lastSeq = event.seq;
    signalSinceLast = false;
  }
  const tail = holeBetween(lastSeq, Number.MAX_SAFE_INTEGER);
  if (signalSinceLast) lostSignalled += tail;
  else lostSilently += tail;
  const sent = ledger.attempts.filter((a) => a.seq >= fromSeq).length;
  return {
    subscriber: receiver.label,
    recoverable: receiver.recoverable,
    sent,
    accepted: accepted.length,
    rejected: sent - accepted.length,
    received: [...seen].filter((s) => acceptedSet.has(s)).length,
    lostSignalled,
    lostSilently,
    duplicates,
    outOfOrder,
    receivedUnacknowledged: [...seen].filter((s) => !acceptedSet.has(s)).length,
    unacknowledgedSeqs: [...seen].filter((s) => !acceptedSet.has(s)).sort((a, b) => a - b),
    signals: receiver.signals(),
    resubscribes: receiver.resubscribeCodes.length,
  };
}

/** Prints the accounting rows as a fixed-width table on stdout (visible in the test output). */
export function printTable(title: string, rows: readonly Accounting[]): string {
  const headers = ['subscriber', 'recov', 'sent', 'accepted', 'rejected', 'received', 'lost+signalled', 'lost silently', 'dup', 'unacked recv', 'resubs', 'signals'];
  const cells = rows.map((r) => [
    r.subscriber, r.recoverable ? 'yes' : 'no', r.sent, r.accepted, r.rejected, r.received, r.lostSignalled, r.lostSilently, r.duplicates, r.receivedUnacknowledged,
    r.resubscribes, r.signals,
  ].map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (values: readonly string[]): string => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join(' | ');
  const text = [`\n${title}`, line(headers), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line), ''].join('\n');
  process.stdout.write(text + '\n');
  return text;
}

export interface TrafficOptions {
  /** Publish targets, used round-robin (a dead node answers status 0). */
  readonly targets: () => readonly LivehubNode[];
  /** An Editor token (pushes need one; publishes accept it). */
  readonly token: string;
  /** Unprefixed broadcast channel subscribed with `recoverable: true`. */
  readonly recoverableChannel: string;
  /** Unprefixed broadcast channel subscribed without recovery. */
  readonly plainChannel: string;
  /** Managed stream pushed as `<measurement> seq=<n>i` to /api/live/push/<streamId>. */
  readonly stream?: { readonly streamId: string; readonly measurement: string };
  /** Pause between rounds (each round publishes one seq to every channel, in order). */
  readonly intervalMs: number;
}

/**
 * A steady publisher: round n publishes `{"seq":n}` to both broadcast channels and pushes seq n to
 * the stream, through one node (round-robin), waiting for each answer, so per channel the publish
 * order is the seq order. Every attempt lands in the channel's ledger with its HTTP status and the
 * test's phase at send time.
 */
export class Traffic {
  readonly recoverable: PublishLedger;
  readonly plain: PublishLedger;
  readonly stream: PublishLedger | undefined;
  /** Set by the test ("before", "outage", …); recorded per seq at send time. */
  phase = 'before';
  readonly phaseOf = new Map<number, string>();
  private seq = 0;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: TrafficOptions) {
    this.recoverable = new PublishLedger(options.recoverableChannel);
    this.plain = new PublishLedger(options.plainChannel);
    this.stream = options.stream === undefined ? undefined : new PublishLedger(`stream/${options.stream.streamId}/${options.stream.measurement}`);
  }

  get ledgers(): PublishLedger[] {
    return [this.recoverable, this.plain, ...(this.stream === undefined ? [] : [this.stream])];
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  /** Attempts per phase and status, e.g. {"outage": {"503": 30}}. */
  statusByPhase(ledger: PublishLedger): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const a of ledger.attempts) {
      const phase = this.phaseOf.get(a.seq) ?? '?';
      const row = (out[phase] ??= {});
      row[String(a.status)] = (row[String(a.status)] ?? 0) + 1;
    }
    return out;
  }

  /**
   * Seqs of a ledger that failed while the test still called the phase `phase`: at most the one
   * request in flight when the failure struck. Redis may have executed it (and, with AOF, kept it in
   * history) although its answer was lost, so it may legitimately be received.
   */
  inFlightFailures(ledger: PublishLedger, phase = 'before'): number[] {
    return ledger.attempts.filter((a) => a.status !== 200 && this.phaseOf.get(a.seq) === phase).map((a) => a.seq);
  }

  /** Resolves after `rounds` more rounds were sent. */
  async rounds(rounds: number, timeoutMs = 30_000): Promise<void> {
    const target = this.seq + rounds;
    await waitUntil(() => this.seq >= target, `${rounds} publish rounds`, timeoutMs, 10);
  }

  private async loop(): Promise<void> {
    const { token, stream } = this.options;
    while (!this.stopping) {
      const seq = ++this.seq;
      this.phaseOf.set(seq, this.phase);
      const targets = this.options.targets();
      const node = targets[seq % targets.length]!;
      this.recoverable.record(seq, node.name, (await publish(node, this.options.recoverableChannel, { seq }, token)).status);
      this.plain.record(seq, node.name, (await publish(node, this.options.plainChannel, { seq }, token)).status);
      if (stream !== undefined && this.stream !== undefined) {
        this.stream.record(seq, node.name, (await push(node, stream.streamId, `${stream.measurement} seq=${seq}i`, token)).status);
      }
      await sleep(this.options.intervalMs);
    }
  }
}

/** `seq` of a broadcast publication `{"seq":n}`. */
export function broadcastSeq(data: unknown): number | undefined {
  const seq = (data as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' ? seq : undefined;
}

/** `seq` of a one-row managed-stream frame `<m> seq=<n>i` (its last column). */
export function frameSeq(data: unknown): number | undefined {
  const values = ((data as { data?: { values?: unknown[][] } } | null)?.data?.values);
  const last = values?.[values.length - 1]?.[0];
  return typeof last === 'number' ? last : undefined;
}

/** Resolves with the promise's value, or rejects after `timeoutMs` naming `what`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A WebSocket class for centrifuge-js that ignores the endpoint it is given and walks a list of
 * node URLs instead: the first connection goes to `urls[first]`, every reconnect to the next one —
 * the simple client-side failover list a client of a livehub cluster can use.
 */
export function rotatingWebSocket(urls: readonly string[], first: number): unknown {
  let next = first;
  return class RotatingWebSocket extends WebSocket {
    constructor(_endpoint: unknown, protocols?: string | string[]) {
      super(urls[next++ % urls.length]!, protocols);
    }
  };
}
