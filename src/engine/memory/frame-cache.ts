// In-memory managed-stream frame cache: the last frame per channel. One process runs push()
// synchronously up to the publish, so compare-store-publish is atomic already. Frames are held by the
// engine's Retention: a channel not pushed to for `frame_cache_ttl` is forgotten on the shared timer
// (Grafana's Redis cache: 7 days, refreshed on every push; its memory cache never forgets), and
// frames count against the memory budget.

import type { Broker, CachedFrame, FrameCache, FramePush } from '../engine.js';
import { ITEM_OVERHEAD_BYTES, Retained, textBytes, type RetainedKind, type Retention } from './retention.js';

/** Default idle TTL of a cached frame in the memory engine (`[live] frame_cache_ttl`). */
export const DEFAULT_FRAME_CACHE_TTL_SECONDS = 3600;

class CachedFrameItem extends Retained implements CachedFrame {
  constructor(
    private readonly owner: MemoryFrameCache,
    readonly channel: string,
    public schema: string,
    public frame: string,
  ) {
    super();
  }

  get kind(): RetainedKind {
    return 'frame';
  }

  dropped(): void {
    this.owner.forget(this);
  }
}

function frameBytes(channel: string, frame: FramePush): number {
  return ITEM_OVERHEAD_BYTES + textBytes(channel) + textBytes(frame.schema) + textBytes(frame.frame);
}

export class MemoryFrameCache implements FrameCache {
  private readonly frames = new Map<string, CachedFrameItem>();

  constructor(
    private readonly broker: Broker,
    private readonly retention: Retention,
    private readonly ttlSeconds: number = DEFAULT_FRAME_CACHE_TTL_SECONDS,
  ) {}

  async push(fullChannel: string, frame: FramePush): Promise<{ changed: boolean }> {
    const previous = this.frames.get(fullChannel);
    const changed = previous === undefined || previous.schema !== frame.schema;
    if (previous === undefined) {
      const item = new CachedFrameItem(this, fullChannel, frame.schema, frame.frame);
      this.frames.set(fullChannel, item);
      this.retention.hold(item, this.ttlSeconds * 1000, frameBytes(fullChannel, frame));
    } else {
      previous.schema = frame.schema;
      previous.frame = frame.frame;
      this.retention.touch(previous, this.ttlSeconds * 1000, frameBytes(fullChannel, frame));
    }
    await this.broker.publish(fullChannel, changed ? frame.frame : frame.data, undefined, {});
    return { changed };
  }

  async get(fullChannel: string): Promise<CachedFrame | undefined> {
    const item = this.frames.get(fullChannel);
    if (item === undefined || item.deadline <= this.retention.now()) return undefined;
    return { schema: item.schema, frame: item.frame };
  }

  forget(item: CachedFrameItem): void {
    if (this.frames.get(item.channel) === item) this.frames.delete(item.channel);
  }

  get size(): number {
    return this.frames.size;
  }
}
