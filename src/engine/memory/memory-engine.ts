// The default engine: one process, everything in memory. publish() delivers synchronously to this
// node, in call order, so per-channel ordering holds without locks; subscribe/unsubscribe are no-ops
// because the node's hub already filters by local subscribers.

import type {
  Broker,
  ClientInfo,
  Engine,
  EngineEventHandler,
  EngineHealth,
  HistoryQuery,
  HistoryResult,
  NodeStats,
  PublishOptions,
  StreamPosition,
} from '../engine.js';
import { SingleNodeCluster, type LocalNodeIdentity } from './cluster.js';
import { MemoryFrameCache } from './frame-cache.js';
import { MemoryHistory } from './history.js';
import { MemoryPresence } from './presence.js';
import { MemoryStore } from './store.js';

const SWEEP_INTERVAL_MS = 60_000;

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
  readonly store = new MemoryStore();
  readonly cluster: SingleNodeCluster;
  private readonly streams = new MemoryHistory();
  private readonly memoryBroker = new MemoryBroker(this.streams);
  readonly frames = new MemoryFrameCache(this.memoryBroker);
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(self: LocalNodeIdentity) {
    this.cluster = new SingleNodeCluster(self);
  }

  get broker(): Broker {
    return this.memoryBroker;
  }

  async start(handler: EngineEventHandler, stats: () => NodeStats): Promise<void> {
    this.memoryBroker.handler = handler;
    this.cluster.setStatsSource(stats);
    this.sweepTimer = setInterval(() => {
      this.streams.sweep();
      this.store.sweep();
    }, SWEEP_INTERVAL_MS);
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
