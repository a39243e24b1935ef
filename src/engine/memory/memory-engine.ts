// The default engine: one process, everything in memory. publish() delivers synchronously to this
// node, in call order, so per-channel ordering holds without locks; subscribe/unsubscribe are no-ops
// because the node's hub already filters by local subscribers. Everything it stores (history, last
// messages, frames) is bounded in time and bytes by one Retention swept by one timer.

import type {
  Broker,
  ClientInfo,
  Engine,
  EngineEventHandler,
  EngineHealth,
  HistoryQuery,
  HistoryResult,
  LocalNodeIdentity,
  NodeStats,
  PublishOptions,
  StreamPosition,
} from '../engine.js';
import { SingleNodeCluster } from './cluster.js';
import { DEFAULT_FRAME_CACHE_TTL_SECONDS, MemoryFrameCache } from './frame-cache.js';
import { DEFAULT_HISTORY_META_TTL_SECONDS, MemoryHistory } from './history.js';
import { MemoryPresence } from './presence.js';
import { monotonicNow, Retention } from './retention.js';
import { MemoryStore } from './store.js';

/** Default `[live] memory_engine_budget`: 256 MiB of stored data. */
export const DEFAULT_MEMORY_BUDGET_BYTES = 256 * 1024 * 1024;

export interface MemoryEngineOptions {
  /** Bytes of stored data (history, last messages, frames, stream meta) before the oldest is evicted. */
  readonly budgetBytes?: number;
  readonly historyMetaTtlSeconds?: number;
  /** Idle TTL of a managed stream's cached frame. */
  readonly frameCacheTtlSeconds?: number;
  /** Period of the one expiry timer. */
  readonly sweepIntervalMs?: number;
  /** Monotonic clock in ms (tests pass a fake one). */
  readonly now?: () => number;
}

/** What the memory engine holds right now (tests, debugging). */
export interface MemoryEngineCounts {
  readonly historyStreams: number;
  readonly historyEntries: number;
  readonly values: number;
  readonly frames: number;
  readonly presenceChannels: number;
}

class MemoryBroker implements Broker {
  handler: EngineEventHandler | undefined;

  constructor(private readonly streams: MemoryHistory) {}

  async publish(channel: string, data: string, info: ClientInfo | undefined, options: PublishOptions): Promise<StreamPosition | undefined> {
    if (options.history !== undefined) {
      const publication = this.streams.append(channel, data, info, options.history);
      this.handler?.onPublication(channel, publication);
      return { offset: publication.offset ?? 0, epoch: publication.epoch ?? '' };
    }
    this.handler?.onPublication(channel, info === undefined ? { data } : { data, info });
    return undefined;
  }

  async publishJoin(channel: string, info: ClientInfo): Promise<void> {
    this.handler?.onJoin(channel, info);
  }

  async publishLeave(channel: string, info: ClientInfo): Promise<void> {
    this.handler?.onLeave(channel, info);
  }

  async subscribe(): Promise<void> {}

  async unsubscribe(): Promise<void> {}

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    return this.streams.read(channel, query);
  }
}

export class MemoryEngine implements Engine {
  readonly kind = 'memory' as const;
  readonly presence = new MemoryPresence();
  readonly store: MemoryStore;
  readonly cluster: SingleNodeCluster;
  readonly frames: MemoryFrameCache;
  readonly retention: Retention;
  private readonly streams: MemoryHistory;
  private readonly memoryBroker: MemoryBroker;
  private readonly sweepIntervalMs: number;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(self: LocalNodeIdentity, options: MemoryEngineOptions = {}) {
    this.cluster = new SingleNodeCluster(self);
    this.retention = new Retention(options.budgetBytes ?? DEFAULT_MEMORY_BUDGET_BYTES, options.now ?? monotonicNow);
    this.streams = new MemoryHistory(this.retention, options.historyMetaTtlSeconds ?? DEFAULT_HISTORY_META_TTL_SECONDS);
    this.memoryBroker = new MemoryBroker(this.streams);
    this.store = new MemoryStore(this.retention);
    this.frames = new MemoryFrameCache(this.memoryBroker, this.retention, options.frameCacheTtlSeconds ?? DEFAULT_FRAME_CACHE_TTL_SECONDS);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 1000;
  }

  counts(): MemoryEngineCounts {
    const history = this.streams.counts();
    return {
      historyStreams: history.streams,
      historyEntries: history.entries,
      values: this.store.size,
      frames: this.frames.size,
      presenceChannels: this.presence.channelCount,
    };
  }

  get broker(): Broker {
    return this.memoryBroker;
  }

  async start(handler: EngineEventHandler, stats: () => NodeStats): Promise<void> {
    this.memoryBroker.handler = handler;
    this.cluster.setStatsSource(stats);
    this.sweepTimer = setInterval(() => this.retention.sweep(), this.sweepIntervalMs);
    this.sweepTimer.unref();
  }

  health(): EngineHealth {
    return { healthy: true, state: 'ok' };
  }

  async close(): Promise<void> {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.memoryBroker.handler = undefined;
  }
}
