// Multi-node tests: livehub processes (harness/livehub.ts, each in its own process group, named by
// LIVEHUB_TEST_NODE which test plugins read) sharing a Redis and an API token file, the HTTP calls the
// fault tests make against them, and a steady publisher whose every attempt lands in a gap ledger
// (harness/gap-ledger.ts) to account for what the subscribers received.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { PublishLedger, type Accounting } from '../../harness/gap-ledger.js';
import { http, type HttpResult } from '../../harness/http.js';
import { startLivehub, type LivehubNode } from '../../harness/livehub.js';
import { tempDir } from '../../harness/processes.js';
import { sleep, waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';

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

/** One node of a cluster: own process group (whatever it starts dies with it), no connection limit. */
function startNode(name: string, env: Record<string, string>): Promise<LivehubNode> {
  return startLivehub({ name, group: true, env: { LIVEHUB_TEST_NODE: name, GF_LIVE_MAX_CONNECTIONS: '-1', ...env } });
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
  /** Waits until every node lists every node in GET /api/live/cluster. */
  seeEachOther(timeoutMs?: number): Promise<void>;
  /** Kills every node (SIGKILL of the process groups): fast and safe in after(). LIVEHUB_HA_LOGS=1 prints their logs first. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = tempDir('livehub-cluster-');
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
      const started = await startNode(name, envFor(name, env));
      nodes.push(started);
      return started;
    },
    async seeEachOther(timeoutMs = 15_000) {
      const ids = JSON.stringify(nodes.map((n) => n.nodeId).sort());
      for (const node of nodes) {
        await waitUntil(async () => JSON.stringify(await clusterNodeIds(node, tokens.viewer)) === ids, `node ${node.name} to see all nodes`, timeoutMs);
      }
    },
    async stop() {
      if (process.env['LIVEHUB_HA_LOGS'] === '1') {
        for (const n of nodes) process.stdout.write(`\n---- livehub ${n.name} (${n.nodeId}) last log lines\n${n.output(80)}\n`);
      }
      await Promise.all(nodes.map((n) => n.kill('SIGKILL')));
    },
  };
  // In parallel: start-up is mostly waiting for Redis and the database.
  const started = await Promise.allSettled(options.names.map((name) => startNode(name, envFor(name))));
  for (const result of started) if (result.status === 'fulfilled') nodes.push(result.value);
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await cluster.stop();
    throw failed.reason;
  }
  return cluster;
}

// ---- HTTP calls of the fault tests ------------------------------------------------------------

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

/**
 * The gap ledger's rules for one subscriber of a fault test: nothing received twice or out of order,
 * every loss signalled, accepted = received + lost, a recoverable subscriber loses nothing, and only
 * the requests in flight at the fault (`inFlight`, see Traffic.inFlightFailures) may arrive
 * unacknowledged.
 */
export function assertAccounted(row: Accounting, inFlight: readonly number[], fault: string): void {
  const who = row.subscriber;
  assert.ok(row.unacknowledgedSeqs.every((s) => inFlight.includes(s)), `${who}: only the request in flight at ${fault} may arrive unacknowledged (${row.unacknowledgedSeqs.join(',')})`);
  assert.equal(row.duplicates, 0, `${who}: duplicates`);
  assert.equal(row.outOfOrder, 0, `${who}: order`);
  assert.equal(row.lostSilently, 0, `${who}: every loss signalled`);
  assert.equal(row.received + row.lostSignalled, row.accepted, `${who}: accepted = received + lost (signalled)`);
  if (row.recoverable) assert.equal(row.lostSignalled, 0, `${who}: recoverable, nothing lost`);
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
