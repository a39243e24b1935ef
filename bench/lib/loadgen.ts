// The runner's side of the load generators: forks N child processes (each holds < 15,000 sockets,
// below the 20,000 open-files limit), pins them to the generator CPU, splits connections across them
// and several loopback source addresses, and aggregates their counters.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from '../../harness/proc-stats.js';
import { pin } from '../../harness/processes.js';
import type { ChildStats, FailoverReport, OpenCommand, PublishCommand, SeqPublishResult, SeqPublishStartCommand } from './generator/commands.js';

const CHILD = fileURLToPath(new URL('./generator/child.js', import.meta.url));
/** Sockets per generator process: well under the per-process fd limit. */
export const MAX_SOCKETS_PER_CHILD = 10_000;
/** Source addresses 127.0.0.2 … so no (src, dst) pair runs short of ephemeral ports. */
export const LOCAL_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7'];

/** Totals over all generator children: the same shape each child reports. */
export type Totals = ChildStats;

/** A forked generator process answering `{id, command}` messages with `{id, value | error}`. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(readonly proc: ChildProcess) {
    proc.on('message', (m: { id: number; value?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.value);
    });
    proc.on('exit', () => {
      for (const w of this.waiting.values()) w.reject(new Error('load generator exited'));
      this.waiting.clear();
    });
  }

  call<T>(command: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.send({ id, command });
    });
  }

  /** Forks `script` (a generator child module), pinned to `cpus` (e.g. "1") when given. */
  static fork(script: string, cpus?: string): Child {
    const proc = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: ['--max-old-space-size=2048'] });
    if (cpus !== undefined && proc.pid !== undefined) pin(proc.pid, cpus);
    return new Child(proc);
  }

  /** Asks the child to exit (it answers, then exits); SIGKILL if it is still there after 3 s. */
  async exit(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    await this.call({ cmd: 'exit' }).catch(() => undefined);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await gone;
    clearTimeout(timer);
  }
}

export class LoadGen {
  private constructor(private readonly children: Child[]) {}

  /** Forks `n` generator processes pinned to `cpus` (e.g. "1"). */
  static start(n: number, cpus?: string): LoadGen {
    const children: Child[] = [];
    for (let i = 0; i < n; i++) children.push(Child.fork(CHILD, cpus));
    return new LoadGen(children);
  }

  /** Enough processes for `sockets` connections. */
  static childrenFor(sockets: number): number {
    return Math.max(1, Math.ceil(sockets / MAX_SOCKETS_PER_CHILD));
  }

  get pids(): number[] {
    return this.children.map((c) => c.proc.pid!).filter((p) => p !== undefined);
  }

  cpuSeconds(): number {
    return this.pids.reduce((s, pid) => s + cpuSeconds(pid), 0);
  }

  /** Opens `count` connections split over the children (in parallel); resolves with the totals. */
  async open(spec: Omit<OpenCommand, 'cmd' | 'count' | 'firstIndex'> & { count: number; firstIndex?: number }): Promise<Totals> {
    const n = this.children.length;
    const base = Math.floor(spec.count / n);
    let first = spec.firstIndex ?? 0;
    const calls = this.children.map((child, i) => {
      const count = base + (i < spec.count % n ? 1 : 0);
      const cmd: OpenCommand = { ...spec, cmd: 'open', count, firstIndex: first, rampPerSec: spec.rampPerSec / n };
      first += count;
      return child.call<ChildStats>(cmd);
    });
    await Promise.all(calls);
    return this.stats();
  }

  /** Counters summed over children; `drain` hands over (and clears) latency and RTT samples. */
  async stats(drain = false): Promise<Totals> {
    const all = await Promise.all(this.children.map((c) => c.call<ChildStats>({ cmd: 'stats', drain })));
    const t: Totals = { opened: 0, ready: 0, failed: 0, stalled: 0, closes: {}, deliveries: 0, bytes: 0, latencies: [], rtts: [], rttErrors: 0, failures: [] };
    for (const s of all) {
      t.opened += s.opened;
      t.ready += s.ready;
      t.failed += s.failed;
      t.stalled += s.stalled;
      t.deliveries += s.deliveries;
      t.bytes += s.bytes;
      t.rttErrors += s.rttErrors;
      for (const [k, v] of Object.entries(s.closes)) t.closes[k] = (t.closes[k] ?? 0) + v;
      for (const x of s.latencies) t.latencies.push(x);
      for (const x of s.rtts) t.rtts.push(x);
      t.failures.push(...s.failures);
    }
    return t;
  }

  /** Sends `total` round-trip probes spread over the children. */
  async rtt(total: number): Promise<void> {
    const per = Math.max(1, Math.ceil(total / this.children.length));
    await Promise.all(this.children.map((c) => c.call({ cmd: 'rtt', count: per })));
  }

  /** Runs the publisher in the first child. */
  publish(cmd: Omit<PublishCommand, 'cmd'>): Promise<{ sent: number; acked: number; errors: number; firstError?: string; durationMs: number }> {
    return this.children[0]!.call({ ...cmd, cmd: 'publish' });
  }

  /** Starts the sequence publisher (failover scenario) in the first child; it runs until seqPublishStop. */
  async seqPublishStart(cmd: Omit<SeqPublishStartCommand, 'cmd'>): Promise<void> {
    await this.children[0]!.call({ ...cmd, cmd: 'seqPublishStart' });
  }

  /** Stops the sequence publisher once its in-flight numbers are answered. */
  seqPublishStop(): Promise<SeqPublishResult> {
    return this.children[0]!.call({ cmd: 'seqPublishStop' });
  }

  /** What the resilient (failover) connections saw, judged against the publisher's final numbers, summed over children. */
  async failoverReport(finals: Record<string, number>): Promise<FailoverReport> {
    const all = await Promise.all(this.children.map((c) => c.call<FailoverReport>({ cmd: 'failoverReport', finals })));
    const sum = (m: Record<string, number>, add: Record<string, number>): void => {
      for (const [k, v] of Object.entries(add)) m[k] = (m[k] ?? 0) + v;
    };
    const t = all[0]!;
    for (const r of all.slice(1)) {
      for (const k of ['clients', 'ready', 'complete', 'signalled', 'silent', 'caughtUp', 'deliveries', 'duplicates', 'gapsSignalled', 'gapsSilent', 'missedSignalled', 'missedSilent', 'tailsSignalled', 'tailsSilent'] as const) t[k] += r[k];
      for (const kind of ['recoverable', 'plain'] as const) {
        for (const k of ['clients', 'complete', 'signalled', 'silent'] as const) t.byKind[kind][k] += r.byKind[kind][k];
      }
      sum(t.signals.closes, r.signals.closes);
      sum(t.signals.unsubscribes, r.signals.unsubscribes);
      sum(t.signals.subscribeErrors, r.signals.subscribeErrors);
      for (const k of ['disconnectPushes', 'recoveredTrue', 'recoveredFalse', 'resubscribes', 'reconnects', 'connectFailures'] as const) t.signals[k] += r.signals[k];
      t.silentExamples.push(...r.silentExamples);
      t.subscribeErrorExamples.push(...r.subscribeErrorExamples);
    }
    return t;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.children.map((c) => c.call({ cmd: 'closeAll' }).catch(() => undefined)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.exit()));
  }
}
