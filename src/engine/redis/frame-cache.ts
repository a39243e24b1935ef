// The managed-stream frame cache in Redis (grafana-live.md §6.6–6.7): HASH `P.managed_stream.<ch>`
// with `schema` and `frame`, 7-day sliding TTL. push() is one step of a Lua script (compare, store,
// publish; a turn's pushes share one call: frame-push-batcher.ts), forced to "schema changed" for
// each channel's first push after this node (re)connected.

import type { CachedFrame, FrameCache, FramePush } from '../engine.js';
import { publicationHead } from './envelope.js';
import { toEngineError } from './errors.js';
import { FramePushBatcher } from './frame-push-batcher.js';
import type { RedisKeys } from './keys.js';
import type { ShardSet } from './shard.js';

/** Grafana's frame-cache TTL: 7 days, refreshed on every push. */
export const FRAME_TTL_SECONDS = 604_800;
/** Forget pushed channels beyond this many (the only cost is one extra full frame each). */
const MAX_KNOWN = 100_000;

export class RedisFrameCache implements FrameCache {
  /** channel → connection generation of its shard at the last successful push. */
  private readonly known = new Map<string, number>();
  private readonly generations: number[];
  readonly batcher: FramePushBatcher;

  constructor(
    private readonly shards: ShardSet,
    private readonly keys: RedisKeys,
    ttlSeconds: number = FRAME_TTL_SECONDS,
  ) {
    this.generations = shards.all.map(() => 0);
    this.batcher = new FramePushBatcher(ttlSeconds);
  }

  /**
   * A shard's connection dropped or came back: subscribers may have missed frames, so the next
   * push of every channel there re-sends the schema (each client resynchronises).
   */
  invalidate(shardIndex: number): void {
    this.generations[shardIndex] = (this.generations[shardIndex] ?? 0) + 1;
  }

  async push(fullChannel: string, frame: FramePush): Promise<{ readonly changed: boolean }> {
    const shard = this.shards.of(fullChannel);
    const generation = this.generations[shard.index]!;
    const force = this.known.get(fullChannel) !== generation;
    // Marked when queued, not when answered: the pushes of one turn run in order in one script call,
    // so only the first of them needs to force the full frame. A failed push un-marks the channel.
    if (force) {
      if (this.known.size >= MAX_KNOWN) this.known.clear();
      this.known.set(fullChannel, generation);
    }
    let changed: boolean;
    try {
      changed = await this.batcher.push(this.shards.commandClient(fullChannel), {
        key: this.keys.managedStream(fullChannel),
        schema: frame.schema,
        frame: frame.frame,
        data: frame.data,
        head: publicationHead(undefined),
        redisChannel: this.keys.client(fullChannel),
        force,
      });
    } catch (err) {
      if (this.known.get(fullChannel) === generation) this.known.delete(fullChannel);
      throw toEngineError(err, 'frame push');
    }
    return { changed };
  }

  async get(fullChannel: string): Promise<CachedFrame | undefined> {
    let reply: Array<string | null>;
    try {
      reply = await this.shards.commandClient(fullChannel).hmget(this.keys.managedStream(fullChannel), 'schema', 'frame');
    } catch (err) {
      throw toEngineError(err, 'frame cache');
    }
    const [schema, frame] = reply;
    if (typeof schema !== 'string' || typeof frame !== 'string') return undefined;
    return { schema, frame };
  }
}
