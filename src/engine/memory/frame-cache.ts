// In-memory managed-stream frame cache: the last frame per channel for the process lifetime. One
// process runs push() synchronously up to the publish, so compare-store-publish is atomic already.

import type { Broker, CachedFrame, FrameCache, FramePush } from '../engine.js';

export class MemoryFrameCache implements FrameCache {
  private readonly frames = new Map<string, CachedFrame>();

  constructor(private readonly broker: Broker) {}

  async push(fullChannel: string, frame: FramePush): Promise<{ changed: boolean }> {
    const previous = this.frames.get(fullChannel);
    const changed = previous === undefined || previous.schema !== frame.schema;
    this.frames.set(fullChannel, { schema: frame.schema, frame: frame.frame });
    await this.broker.publish(fullChannel, changed ? frame.frame : frame.data, undefined, {});
    return { changed };
  }

  async get(fullChannel: string): Promise<CachedFrame | undefined> {
    return this.frames.get(fullChannel);
  }
}
