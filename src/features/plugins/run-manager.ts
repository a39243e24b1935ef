// One RunStream per (node, full channel) (grafana-live.md §5.4): started by the first local subscriber
// with its context and data, output node-local, stopped after N empty idle checks, restarted with
// back-off after errors or a data-source change; a run that returns ends the stream (unsubscribe 2000).

import { encodeFrame, type DataFrame } from '../../frames/index.js';
import type { Logger } from '../../log/logger.js';
import { Unsubscribes } from '../../protocol/codes.js';
import type { FrameInclude, PluginContext, StreamPlugin, StreamSender } from './api.js';

export interface RunStreamOptions {
  /** Period of the local-subscriber check (Grafana 5 s). */
  readonly checkIntervalMs: number;
  /** Consecutive checks without local subscribers before the run is stopped (Grafana 3). */
  readonly idleChecks: number;
  /** Period of the plugin-context (data-source) re-check (Grafana 60 s). */
  readonly contextCheckMs: number;
  /** A failed run shorter than this counts as "short" and is restarted with back-off (100 ms). */
  readonly shortRunMs: number;
  /** Back-off after the n-th consecutive short run: base × 2^n, capped (100 ms, 5 s). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

export const DEFAULT_RUN_OPTIONS: RunStreamOptions = {
  checkIntervalMs: 5000,
  idleChecks: 3,
  contextCheckMs: 60_000,
  shortRunMs: 100,
  backoffBaseMs: 100,
  backoffMaxMs: 5000,
};

/** What the manager needs from the node. */
export interface LocalChannels {
  publishLocal(fullChannel: string, data: string): void;
  localSubscribers(fullChannel: string): number;
  /** Sends every active local subscriber an unsubscribe push and drops its subscription. */
  endSubscriptions(fullChannel: string, code: number, reason: string): void;
}

export interface ResolvedStream {
  readonly plugin: StreamPlugin;
  readonly context: PluginContext;
}

export interface RunSpec {
  readonly path: string;
  /** The first subscriber's subscribe data. */
  readonly data: unknown;
  /** Resolves plugin and context now (before every start and at context checks); undefined = gone. */
  resolve(): ResolvedStream | undefined;
}

/** The back-off before restarting after the n-th consecutive short run (n ≥ 1). */
export function restartDelay(shortRuns: number, options: Pick<RunStreamOptions, 'backoffBaseMs' | 'backoffMaxMs'>): number {
  return Math.min(options.backoffBaseMs * 2 ** shortRuns, options.backoffMaxMs);
}

function encodeFramePart(frame: DataFrame, include: FrameInclude): string {
  const encoded = encodeFrame(frame);
  return include === 'schema' ? encoded.schema : include === 'data' ? encoded.data : encoded.full;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

class StreamRun {
  readonly stopped = new AbortController();
  /** Aborts the current attempt only (a restart after a data-source change). */
  attempt = new AbortController();
  current: ResolvedStream | undefined;
  idle = 0;
  finished: Promise<void> = Promise.resolve();
  readonly timers: NodeJS.Timeout[] = [];

  constructor(readonly fullChannel: string, readonly spec: RunSpec) {}
}

export class RunStreamManager {
  private readonly runs = new Map<string, StreamRun>();
  private readonly options: RunStreamOptions;
  private closed = false;

  constructor(
    private readonly channels: LocalChannels,
    private readonly log: Logger,
    options: Partial<RunStreamOptions> = {},
  ) {
    this.options = { ...DEFAULT_RUN_OPTIONS, ...options };
  }

  isRunning(fullChannel: string): boolean {
    return this.runs.has(fullChannel);
  }

  get size(): number {
    return this.runs.size;
  }

  /** Starts a run for the channel unless one is running; true when this call started it. */
  submit(fullChannel: string, spec: RunSpec): boolean {
    if (this.closed || this.runs.has(fullChannel)) return false;
    const run = new StreamRun(fullChannel, spec);
    this.runs.set(fullChannel, run);
    const idleTimer = setInterval(() => this.checkIdle(run), this.options.checkIntervalMs);
    const contextTimer = setInterval(() => this.checkContext(run), this.options.contextCheckMs);
    idleTimer.unref();
    contextTimer.unref();
    run.timers.push(idleTimer, contextTimer);
    run.finished = this.loop(run).finally(() => this.release(run));
    return true;
  }

  /** Cancels the channel's run (its subscribers stay subscribed). */
  stop(fullChannel: string): void {
    const run = this.runs.get(fullChannel);
    if (run !== undefined) this.cancel(run);
  }

  /** Cancels every run and waits (bounded) for them to return. */
  async close(waitMs = 2000): Promise<void> {
    this.closed = true;
    const runs = [...this.runs.values()];
    for (const run of runs) this.cancel(run);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(runs.map((r) => r.finished)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private cancel(run: StreamRun): void {
    run.stopped.abort();
    run.attempt.abort();
    this.release(run);
  }

  /** Frees the channel for a new run (the old loop may still be winding down). */
  private release(run: StreamRun): void {
    for (const t of run.timers) clearInterval(t);
    if (this.runs.get(run.fullChannel) === run) this.runs.delete(run.fullChannel);
  }

  private checkIdle(run: StreamRun): void {
    if (this.channels.localSubscribers(run.fullChannel) > 0) {
      run.idle = 0;
      return;
    }
    run.idle++;
    if (run.idle < this.options.idleChecks) return;
    this.log.debug('Stop stream since no active subscribers', { channel: run.fullChannel });
    this.cancel(run);
  }

  private checkContext(run: StreamRun): void {
    if (run.stopped.signal.aborted) return;
    const now = this.resolve(run);
    if (now === 'error') return; // transient: keep running, check again later
    if (now === undefined) {
      this.log.info('stream stopped: plugin or data source no longer available', { channel: run.fullChannel });
      this.cancel(run);
      this.channels.endSubscriptions(run.fullChannel, Unsubscribes.streamEnded.code, Unsubscribes.streamEnded.reason);
      return;
    }
    const before = run.current;
    if (before !== undefined && (before.plugin !== now.plugin || before.context.dataSource?.updated !== now.context.dataSource?.updated)) {
      this.log.info('data source changed: restarting stream', { channel: run.fullChannel });
      run.attempt.abort(); // the loop re-resolves and starts again at once
    }
  }

  private resolve(run: StreamRun): ResolvedStream | undefined | 'error' {
    try {
      return run.spec.resolve();
    } catch (err) {
      this.log.error('stream context lookup failed', { channel: run.fullChannel, error: err });
      return 'error';
    }
  }

  private sender(fullChannel: string, attempt: AbortSignal): StreamSender {
    // Once an attempt is over its sender goes quiet, so a plugin that ignores the signal cannot
    // interleave with the next attempt.
    return {
      sendFrame: (frame, include = 'all') => {
        if (!attempt.aborted) this.channels.publishLocal(fullChannel, encodeFramePart(frame, include));
      },
      sendJSON: (value) => {
        const text = JSON.stringify(value);
        if (text === undefined) throw new TypeError('sendJSON: the value is not JSON-serialisable');
        if (!attempt.aborted) this.channels.publishLocal(fullChannel, text);
      },
    };
  }

  private async loop(run: StreamRun): Promise<void> {
    const { fullChannel, spec } = run;
    const stopped = run.stopped.signal;
    let shortRuns = 0;
    while (!stopped.aborted) {
      const resolved = this.resolve(run);
      if (resolved === undefined) {
        this.log.info('stream not started: plugin or data source no longer available', { channel: fullChannel });
        this.release(run);
        this.channels.endSubscriptions(fullChannel, Unsubscribes.streamEnded.code, Unsubscribes.streamEnded.reason);
        return;
      }
      if (resolved !== 'error') {
        run.current = resolved;
        run.attempt = new AbortController();
        const attempt = run.attempt.signal;
        const startedAt = Date.now();
        try {
          await resolved.plugin.runStream({ context: resolved.context, path: spec.path, data: spec.data }, this.sender(fullChannel, attempt), attempt);
          if (stopped.aborted) return;
          if (attempt.aborted) continue; // restart requested (data source changed)
          // The plugin says the stream is over: tell local subscribers instead of leaving them hanging.
          this.release(run);
          this.channels.endSubscriptions(fullChannel, Unsubscribes.streamEnded.code, Unsubscribes.streamEnded.reason);
          return;
        } catch (err) {
          if (stopped.aborted) return;
          if (attempt.aborted) continue;
          this.log.error('Error running stream, re-establishing', { channel: fullChannel, error: err });
          shortRuns = Date.now() - startedAt < this.options.shortRunMs ? shortRuns + 1 : 0;
        }
      } else {
        shortRuns++;
      }
      await sleep(shortRuns === 0 ? 0 : restartDelay(shortRuns, this.options), stopped);
    }
  }
}
