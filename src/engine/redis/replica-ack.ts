// "Acknowledged means replicated" (`[live] ha_engine_wait_replicas = N`): a publish to a recoverable
// channel (the publish-with-history script) is answered only after Redis `WAIT N timeout` says N
// replicas have it; otherwise it fails with EngineUnavailableError (protocol error 100, HTTP 503).
// Without it an acknowledged publish lives on one master until replication catches up, and a
// master that is demoted or dies first takes it along (a planned switchover behind HAProxy, where
// both servers pass the `role:master` check for seconds, loses exactly those).
//
// WAIT counts the replicas that acknowledged *this connection's* writes, and it blocks the
// connection while it waits. So these writes get connections of their own (a shard's `ack`
// connection; on a cluster one per master, the master that serves the write's slot), never the
// auto-pipelined command connection, whose other commands would stall behind a WAIT. Per
// connection one batch is in flight: the scripts queued meanwhile, then ONE `WAIT` — so a busy
// node pays one replica round trip per batch, not per publication.

import type { Redis } from 'ioredis';
import { toEngineError, unavailable } from './errors.js';
import type { LuaScript, ScriptArg } from './lua.js';
import type { Lane } from './routing.js';

/** Writes per batch (one pipeline + one WAIT). */
export const MAX_WRITES_PER_BATCH = 256;
/** Redirections (MOVED/ASK), TRYAGAIN waits and script reloads one write may go through before it fails. */
const MAX_ATTEMPTS = 6;
/** Pause before a write answered TRYAGAIN (its slot is being migrated, its keys are split) goes again. */
const TRYAGAIN_DELAY_MS = 100;

export interface ReplicaAckSettings {
  /** Replicas that must confirm (≥ 1). */
  readonly replicas: number;
  /** WAIT timeout in ms. */
  readonly timeoutMs: number;
}

/** A connection the writes of a lane go on, with their WAIT. */
export interface AckTarget {
  /** For logs: a shard index or a cluster node `host:port`. */
  readonly name: string;
  readonly client: Redis;
}

export interface AckRouter {
  /** The connection for a write whose first key is `key`; EngineUnavailableError when none can take it now. */
  targetFor(lane: Lane, key: string): AckTarget;
  /** The connection to the node a MOVED/ASK reply names (cluster only). */
  targetAt?(node: string): AckTarget;
  /** The slot map is out of date (a MOVED reply). */
  refresh?(): void;
}

export interface ReplicaAckStats {
  /** Pipelines sent, each ending in one WAIT. */
  batches: number;
  /** Publications (each counted once, however often it was sent). */
  writes: number;
  /** Writes answered with a temporary error because fewer replicas than asked confirmed them in time. */
  notReplicated: number;
}

interface Job {
  readonly lane: Lane;
  readonly script: LuaScript;
  readonly keys: readonly string[];
  readonly args: readonly ScriptArg[];
  resolve(reply: unknown): void;
  reject(err: unknown): void;
  attempts: number;
  /** The script cache was empty (NOSCRIPT): send the source. */
  useEval: boolean;
  /** The slot is being migrated and the key lives on the importing node already (ASK). */
  asking: boolean;
}

interface Queue {
  readonly target: AckTarget;
  readonly jobs: Job[];
  busy: boolean;
  scheduled: boolean;
}

export class ReplicaAck {
  readonly stats: ReplicaAckStats = { batches: 0, writes: 0, notReplicated: 0 };
  private readonly queues = new Map<Redis, Queue>();

  constructor(
    private readonly router: AckRouter,
    readonly settings: ReplicaAckSettings,
    private readonly onNotReplicated: () => void = () => undefined,
  ) {
    if (!(settings.replicas >= 1)) throw new RangeError('ReplicaAck needs at least one replica to wait for');
  }

  /** Runs `script` on the lane's master and resolves with its reply once WAIT confirmed the replicas. */
  run(lane: Lane, script: LuaScript, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    let target: AckTarget;
    try {
      target = this.router.targetFor(lane, keys[0]!);
    } catch (err) {
      return Promise.reject(toEngineError(err, 'publish'));
    }
    return new Promise((resolve, reject) => {
      this.enqueue(target, { lane, script, keys, args, resolve, reject, attempts: 0, useEval: false, asking: false });
    });
  }

  private enqueue(target: AckTarget, job: Job): void {
    let queue = this.queues.get(target.client);
    if (queue === undefined) {
      queue = { target, jobs: [], busy: false, scheduled: false };
      this.queues.set(target.client, queue);
    }
    queue.jobs.push(job);
    this.schedule(queue);
  }

  /** Flushes at the end of the turn (so a turn's writes share a batch), unless a batch is in flight. */
  private schedule(queue: Queue): void {
    if (queue.busy || queue.scheduled) return;
    queue.scheduled = true;
    setImmediate(() => {
      queue.scheduled = false;
      void this.flush(queue);
    });
  }

  private async flush(queue: Queue): Promise<void> {
    if (queue.busy || queue.jobs.length === 0) return;
    queue.busy = true;
    const batch = queue.jobs.splice(0, MAX_WRITES_PER_BATCH);
    try {
      await this.send(queue.target, batch);
    } finally {
      queue.busy = false;
      if (queue.jobs.length > 0) this.schedule(queue);
      else this.queues.delete(queue.target.client);
    }
  }

  private async send(target: AckTarget, batch: Job[]): Promise<void> {
    const pipeline = target.client.pipeline();
    const index: number[] = [];
    let n = 0;
    for (const job of batch) {
      if (job.asking) {
        pipeline.call('ASKING');
        n++;
      }
      const { script, keys, args } = job;
      if (job.useEval) pipeline.eval(script.source, keys.length, ...keys, ...args);
      else pipeline.evalsha(script.sha, keys.length, ...keys, ...args);
      index.push(n++);
    }
    pipeline.call('WAIT', this.settings.replicas, this.settings.timeoutMs);
    this.stats.batches++;
    for (const job of batch) if (job.attempts === 0) this.stats.writes++;
    let results: Array<[Error | null, unknown]>;
    try {
      results = ((await pipeline.exec()) ?? []) as Array<[Error | null, unknown]>;
    } catch (err) {
      // Lost with the connection: written or not, nobody can say; the caller sees a temporary error.
      for (const job of batch) job.reject(unavailable(err));
      return;
    }
    const wait = results[n];
    const confirmed = wait !== undefined && wait[0] === null ? Number(wait[1]) : -1;
    for (const [i, job] of batch.entries()) {
      const [err, reply] = results[index[i]!] ?? [new Error('no reply'), undefined];
      if (err !== null) {
        this.failed(target, job, err);
        continue;
      }
      if (confirmed >= this.settings.replicas) {
        job.resolve(reply);
        continue;
      }
      this.stats.notReplicated++;
      this.onNotReplicated();
      const why = confirmed < 0 ? `WAIT failed: ${wait?.[0]?.message ?? 'no reply'}` : `${confirmed} of ${this.settings.replicas} replica(s) confirmed it within ${this.settings.timeoutMs} ms`;
      job.reject(unavailable(new Error(`publish written on ${target.name} but not acknowledged: ${why}`)));
    }
  }

  /** A write that did not run: retried where Redis says (script cache, redirection), else failed. */
  private failed(target: AckTarget, job: Job, err: Error): void {
    const words = err.message.split(' ');
    const retry = (at: AckTarget): void => {
      if (++job.attempts >= MAX_ATTEMPTS) {
        job.reject(toEngineError(err, 'publish'));
        return;
      }
      this.enqueue(at, job);
    };
    try {
      if (words[0] === 'NOSCRIPT') {
        job.useEval = true;
        retry(target);
      } else if (words[0] === 'TRYAGAIN') {
        job.asking = false;
        setTimeout(() => {
          try {
            retry(this.router.targetFor(job.lane, job.keys[0]!));
          } catch (routeErr) {
            job.reject(toEngineError(routeErr, 'publish'));
          }
        }, TRYAGAIN_DELAY_MS).unref();
      } else if ((words[0] === 'MOVED' || words[0] === 'ASK') && this.router.targetAt !== undefined && words[2] !== undefined) {
        job.asking = words[0] === 'ASK';
        if (words[0] === 'MOVED') this.router.refresh?.();
        retry(this.router.targetAt(words[2]));
      } else {
        job.reject(toEngineError(err, 'publish'));
      }
    } catch (routeErr) {
      job.reject(toEngineError(routeErr, 'publish'));
    }
  }
}
