// The managed-stream frame cache in Redis (grafana-live.md §6.6–6.7): HASH `P.managed_stream.<ch>`
// with `schema` and `frame`, 7-day sliding TTL. push() is one step of a Lua script (compare, store,
// publish; a turn's pushes share one call: frame-push-batcher.ts), forced to "schema changed" for
// each channel's first push after this node (re)connected.

import type { CachedFrame, FrameCache, FramePush } from '../engine.js';
import { publicationHead } from './envelope.js';
import { toEngineError } from './errors.js';
import { FramePushBatcher } from './frame-push-batcher.js';
import type { RedisKeys } from './keys.js';
import { readyLane, type Router } from './routing.js';

/** Grafana's frame-cache TTL: 7 days, refreshed on every push. */
export const FRAME_TTL_SECONDS = 604_800;
/** Forget pushed channels beyond this many (the only cost is one extra full frame each). */
const MAX_KNOWN = 100_000;

export class RedisFrameCache implements FrameCache {
  /** channel → connection generation of its lane (shard, or cluster partition) at the last successful push. */
  private readonly known = new Map<string, number>();
  private readonly generations: number[];
  readonly batcher: FramePushBatcher;

  constructor(
    private readonly router: Router,
    private readonly keys: RedisKeys,
    ttlSeconds: number = FRAME_TTL_SECONDS,
  ) {
    this.generations = new Array<number>(router.laneCount).fill(0);
    this.batcher = new FramePushBatcher(ttlSeconds);
  }

  /**
   * A lane's connection dropped or came back: subscribers may have missed frames, so the next push
   * of every channel there re-sends the schema (each client resynchronises).
   */
  invalidate(group: number): void {
    this.generations[group] = (this.generations[group] ?? 0) + 1;
  }

  invalidateAll(): void {
    for (let i = 0; i < this.generations.length; i++) this.generations[i]!++;
  }

  async push(fullChannel: string, frame: FramePush): Promise<{ readonly changed: boolean }> {
    const lane = this.router.laneOf(fullChannel);
    const generation = this.generations[lane.group]!;
    const force = this.known.get(fullChannel) !== generation;
    // Marked when queued, not when answered: the pushes of one turn run in order in one script call,
    // so only the first of them needs to force the full frame. A failed push un-marks the channel.
    if (force) {
      if (this.known.size >= MAX_KNOWN) this.known.clear();
      this.known.set(fullChannel, generation);
    }
    let changed: boolean;
    try {
      changed = await this.batcher.push(readyLane(this.router, fullChannel), {
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
      reply = await readyLane(this.router, fullChannel).client.hmget(this.keys.managedStream(fullChannel), 'schema', 'frame');
    } catch (err) {
      throw toEngineError(err, 'frame cache');
    }
    const [schema, frame] = reply;
    if (typeof schema !== 'string' || typeof frame !== 'string') return undefined;
    return { schema, frame };
  }
}
