// Scenario `storm` (issue 13, docs/reliability.md "Join/leave storm"): N clients, already connected,
// subscribe at the same moment to one dashboard channel (`grafana/dashboard/uid/<uid>`: presence and
// join/leave on) — what a node restart does to a popular dashboard. Measured: time until every
// subscribe is answered, join pushes and WebSocket frames the clients received, the node's peak
// RSS, and its heap after GC at start, with the idle connections, once subscribed and after every
// client left. Two runs: the default join/leave policy (join_leave_max_subscribers = 100) and no
// limit (Grafana's behaviour: N² pushes), the latter at fewer clients. Clients live in child
// processes (bench/lib/storm-child.ts), < 20,000 sockets each.

import { fileURLToPath } from 'node:url';
import { httpGet, httpPost } from '../harness/http.js';
import { metric } from '../harness/metrics.js';
import { sleep } from '../harness/wait.js';
import { Child, LOCAL_ADDRESSES } from './lib/loadgen.js';
import { nowMs } from './lib/protocol.js';
import { goalLines, runInfo, type Goal, type RunInfo } from './lib/report.js';
import type { StormCounts, StormOpened, StormSubscribed } from './lib/storm-child.js';
import { pushToken, startLivehub, type ServerHandle } from './lib/servers.js';
import { round } from './lib/stats.js';
import { fmt, table } from './lib/table.js';

const STORM_CHILD = fileURLToPath(new URL('./lib/storm-child.js', import.meta.url));
const CLIENTS_PER_CHILD = 2500;
const MiB = 1048576;
/** The schema default of [live] join_leave_max_subscribers. */
const DEFAULT_LIMIT = 100;

export interface StormRun {
  readonly run: 'default policy' | 'no limit (Grafana)';
  readonly clients: number;
  /** join_leave_max_subscribers in effect (-1: none). */
  readonly joinLeaveLimit: number;
  readonly connected: number;
  readonly subscribed: number;
  readonly subscribeErrors: number;
  readonly firstError?: string;
  /** From writing the subscribes until the last reply arrived. */
  readonly allAnsweredMs: number;
  /** Until the last join push arrived (pushes keep flowing after the replies). */
  readonly pushesSettledMs: number;
  readonly joinPushes: number;
  readonly framesDuringStorm: number;
  readonly suppressedJoinLeave: number;
  readonly presenceSubscriptions: number;
  readonly peakRssBytes: number;
  readonly heapAfterGc: { readonly baseline: number; readonly idleConnected: number; readonly subscribed: number; readonly afterLeave: number };
  readonly rssAfterGc: { readonly baseline: number; readonly subscribed: number; readonly afterLeave: number };
}

export interface StormResult {
  readonly scenario: 'storm';
  readonly quick: boolean;
  readonly run: RunInfo;
  readonly params: { readonly channel: string; readonly runs: ReadonlyArray<{ clients: number; joinLeaveLimit: number }> };
  readonly runs: StormRun[];
  readonly goals: Goal[];
}

async function scrape(server: ServerHandle): Promise<string> {
  return (await httpGet(server.port, '/metrics')).body;
}

async function sumCounts(children: readonly Child[]): Promise<StormCounts> {
  const all = await Promise.all(children.map((c) => c.call<StormCounts>({ cmd: 'counts' })));
  return all.reduce((a, b) => ({ joins: a.joins + b.joins, leaves: a.leaves + b.leaves, frames: a.frames + b.frames, open: a.open + b.open }));
}

async function createDashboard(server: ServerHandle, uid: string): Promise<void> {
  const r = await httpPost(server.port, '/api/dashboards/db', JSON.stringify({ dashboard: { uid, title: `Storm ${uid}` } }), { headers: { authorization: `Bearer ${pushToken()}` } });
  if (r.status !== 200) throw new Error(`dashboard save answered ${r.status}: ${r.body}`);
}

async function stormRun(run: StormRun['run'], clients: number, limit: number | undefined, log: (line: string) => void): Promise<StormRun> {
  const server = await startLivehub({ env: limit === undefined ? {} : { GF_LIVE_JOIN_LEAVE_MAX_SUBSCRIBERS: String(limit) } });
  const children = Array.from({ length: Math.max(1, Math.ceil(clients / CLIENTS_PER_CHILD)) }, () => Child.fork(STORM_CHILD));
  let peak = server.rss();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      peak = Math.max(peak, server.rss());
      await sleep(50);
    }
  })();
  try {
    const uid = `storm-${clients}`;
    await createDashboard(server, uid);
    const channel = `1/grafana/dashboard/uid/${uid}`;
    const baseline = await server.memory();

    const per = Math.ceil(clients / children.length);
    const opened = await Promise.all(children.map((c, i) =>
      c.call<StormOpened>({ cmd: 'open', host: '127.0.0.1', port: server.port, count: Math.min(per, clients - i * per), localAddresses: LOCAL_ADDRESSES, timeoutMs: 120_000 })));
    const connected = opened.reduce((s, o) => s + o.connected, 0);
    if (connected < clients) log(`storm ${run}: only ${connected}/${clients} connected: ${opened.flatMap((o) => o.failures).slice(0, 3).join('; ')}`);
    const idle = await server.memory();
    const before = await sumCounts(children);

    // ---- the storm: every client subscribes at once -------------------------------------------
    const subs = await Promise.all(children.map((c) => c.call<StormSubscribed>({ cmd: 'subscribe', channel, timeoutMs: 120_000 })));
    const sentAt = Math.min(...subs.map((s) => s.sentAt));
    const lastReplyAt = Math.max(...subs.map((s) => s.lastReplyAt));
    const answered = subs.reduce((s, x) => s + x.answered, 0);
    const errors = subs.reduce((s, x) => s + x.errors, 0);
    const firstError = subs.find((s) => s.firstError !== undefined)?.firstError;
    // Pushes keep flowing after the replies: wait until the clients' counters stand still for 1 s.
    let last = await sumCounts(children);
    let lastChangeAt = lastReplyAt;
    for (let quiet = 0, polls = 0; quiet < 10 && polls < 3000; polls++) {
      await sleep(100);
      const now = await sumCounts(children);
      if (now.joins !== last.joins || now.frames !== last.frames) {
        lastChangeAt = nowMs();
        quiet = 0;
      } else {
        quiet++;
      }
      last = now;
    }
    const pushesSettledMs = Math.max(lastReplyAt, lastChangeAt) - sentAt;
    const afterStorm = last;
    const metricsSubscribed = await scrape(server);
    const subscribedMemory = await server.memory();

    // ---- everyone leaves ----------------------------------------------------------------------
    await Promise.all(children.map((c) => c.call({ cmd: 'closeAll' })));
    for (let i = 0; i < 600; i++) {
      if (metric(await scrape(server), 'grafana_live_node_num_clients') === 0) break;
      await sleep(100);
    }
    const afterLeave = await server.memory();
    const metricsAfter = await scrape(server);

    const result: StormRun = {
      run,
      clients,
      joinLeaveLimit: limit ?? DEFAULT_LIMIT,
      connected,
      subscribed: answered,
      subscribeErrors: errors,
      ...(firstError === undefined ? {} : { firstError }),
      allAnsweredMs: round(lastReplyAt - sentAt, 1),
      pushesSettledMs: round(pushesSettledMs, 0),
      joinPushes: afterStorm.joins - before.joins,
      framesDuringStorm: afterStorm.frames - before.frames,
      suppressedJoinLeave: metric(metricsAfter, 'livehub_join_leave_suppressed_total', { stage: 'publish' }) || 0,
      presenceSubscriptions: metric(metricsSubscribed, 'grafana_live_node_num_subscriptions'),
      peakRssBytes: peak,
      heapAfterGc: { baseline: baseline.heapUsed, idleConnected: idle.heapUsed, subscribed: subscribedMemory.heapUsed, afterLeave: afterLeave.heapUsed },
      rssAfterGc: { baseline: baseline.vmRss, subscribed: subscribedMemory.vmRss, afterLeave: afterLeave.vmRss },
    };
    log(`storm ${run}: ${answered}/${clients} answered in ${fmt(result.allAnsweredMs / 1000, 2)} s, ${fmt(result.joinPushes)} join pushes, peak RSS ${fmt(peak / MiB)} MiB`);
    return result;
  } finally {
    polling = false;
    await poller;
    await Promise.all(children.map((c) => c.exit()));
    await server.stop();
  }
}

export async function runStorm(opts: { quick: boolean; log?: (line: string) => void }): Promise<StormResult> {
  const log = opts.log ?? (() => {});
  const plan: Array<{ run: StormRun['run']; clients: number; limit: number | undefined }> = opts.quick
    ? [{ run: 'default policy', clients: 300, limit: undefined }, { run: 'no limit (Grafana)', clients: 150, limit: -1 }]
    : [{ run: 'default policy', clients: 5000, limit: undefined }, { run: 'no limit (Grafana)', clients: 2000, limit: -1 }];
  const runs: StormRun[] = [];
  for (const p of plan) runs.push(await stormRun(p.run, p.clients, p.limit, log));

  const d = runs[0]!;
  const decided = !opts.quick;
  const heapBack = d.heapAfterGc.afterLeave - d.heapAfterGc.baseline;
  const goals: Goal[] = [
    {
      id: 'S1',
      description: `${fmt(d.clients)} clients subscribe at once to one dashboard channel: every subscribe answered`,
      target: '≤ 10 s, all answered',
      measured: `${fmt(d.allAnsweredMs / 1000, 2)} s, ${fmt(d.subscribed)}/${fmt(d.clients)} answered, ${d.subscribeErrors} errors`,
      met: decided ? d.allAnsweredMs <= 10_000 && d.subscribed === d.clients && d.subscribeErrors === 0 : undefined,
    },
    {
      id: 'S2',
      description: 'node peak RSS during the storm',
      target: '< 512 MiB',
      measured: `${fmt(d.peakRssBytes / MiB)} MiB`,
      met: decided ? d.peakRssBytes < 512 * MiB : undefined,
    },
    {
      id: 'S3',
      description: 'heap after GC once every client left vs before the storm',
      target: '≤ baseline + 8 MiB',
      measured: `${fmt(d.heapAfterGc.afterLeave / MiB, 1)} MiB vs ${fmt(d.heapAfterGc.baseline / MiB, 1)} MiB (${heapBack >= 0 ? '+' : ''}${fmt(heapBack / MiB, 1)} MiB)`,
      met: decided ? heapBack <= 8 * MiB : undefined,
    },
    {
      id: 'S4',
      description: 'join pushes bounded by the policy (limit²)',
      target: `≤ ${fmt(d.joinLeaveLimit * d.joinLeaveLimit)}`,
      measured: `${fmt(d.joinPushes)} (no limit, ${fmt(runs[1]!.clients)} clients: ${fmt(runs[1]!.joinPushes)})`,
      met: decided ? d.joinPushes <= d.joinLeaveLimit * d.joinLeaveLimit : undefined,
    },
  ];
  return {
    scenario: 'storm',
    quick: opts.quick,
    run: runInfo(),
    params: { channel: '1/grafana/dashboard/uid/storm-<clients>', runs: plan.map((p) => ({ clients: p.clients, joinLeaveLimit: p.limit ?? DEFAULT_LIMIT })) },
    runs,
    goals,
  };
}

export function formatStorm(r: StormResult): string {
  const mib = (b: number): number => round(b / MiB, 1);
  const rows = r.runs.map((x) => [
    x.run,
    x.clients,
    x.joinLeaveLimit,
    round(x.allAnsweredMs / 1000, 2),
    round(x.pushesSettledMs / 1000, 2),
    x.joinPushes,
    x.framesDuringStorm,
    x.suppressedJoinLeave,
    mib(x.peakRssBytes),
    `${mib(x.heapAfterGc.baseline)} / ${mib(x.heapAfterGc.idleConnected)} / ${mib(x.heapAfterGc.subscribed)} / ${mib(x.heapAfterGc.afterLeave)}`,
    `${mib(x.rssAfterGc.baseline)} / ${mib(x.rssAfterGc.subscribed)} / ${mib(x.rssAfterGc.afterLeave)}`,
  ]);
  return [
    `storm${r.quick ? ' (quick)' : ''}: clients subscribe at once to one dashboard channel (presence + join/leave)`,
    table(['run', 'clients', 'limit', 'answered s', 'pushes done s', 'join pushes', 'frames', 'suppressed', 'peak RSS MiB', 'heap MiB base/idle/subscribed/left', 'RSS MiB base/subscribed/left'], rows),
    '',
    goalLines(r.goals),
  ].join('\n');
}
