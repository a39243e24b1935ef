// The managed-stream frame cache in Redis (grafana-live.md §6.6–6.7): HASH `P.managed_stream.<ch>`
// with `schema` and `frame`, 7-day sliding TTL. push() is one Lua script (compare, store, publish),
// forced to "schema changed" for each channel's first push after this node (re)connected.

import type { CachedFrame, FrameCache, FramePush } from '../engine.js';
import { publicationHead } from './envelope.js';
import { toEngineError } from './errors.js';
import type { RedisKeys } from './keys.js';
import { FRAME_PUSH } from './lua.js';
import type { ShardSet } from './shard.js';

/** Grafana's frame-cache TTL: 7 days, refreshed on every push. */
export const FRAME_TTL_SECONDS = 604_800;
/** Forget pushed channels beyond this many (the only cost is one extra full frame each). */
const MAX_KNOWN = 100_000;

export class RedisFrameCache implements FrameCache {
  /** channel → connection generation of its shard at the last successful push. */
  private readonly known = new Map<string, number>();
  private readonly generations: number[];

  constructor(
    private readonly shards: ShardSet,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number = FRAME_TTL_SECONDS,
  ) {
    this.generations = shards.all.map(() => 0);
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
    let reply: unknown;
    try {
      reply = await FRAME_PUSH.run(
        this.shards.commandClient(fullChannel),
        [this.keys.managedStream(fullChannel)],
        [frame.schema, frame.frame, frame.data, publicationHead(undefined), this.ttlSeconds, this.keys.client(fullChannel), force ? '1' : '0'],
      );
    } catch (err) {
      throw toEngineError(err, 'frame push');
    }
    if (this.known.size >= MAX_KNOWN && !this.known.has(fullChannel)) this.known.clear();
    this.known.set(fullChannel, generation);
    return { changed: reply === 1 };
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
