// In-memory history streams: per channel a bounded, time-limited list of publications with a
// monotonic top offset and an epoch. Meta outlives entries (like Centrifuge's history_meta_ttl) so
// a reconnecting client can be told exactly whether it missed anything.

import { newEpoch } from '../epoch.js';
import {
  HISTORY_MAX_PAGE,
  UnrecoverablePositionError,
  type HistoryQuery,
  type HistoryResult,
  type HistorySettings,
  type Publication,
  type StreamPosition,
} from '../engine.js';

/** How long an idle stream's epoch/offset survive after the last publish or read. */
const META_TTL_MS = 24 * 3600 * 1000;

interface Entry {
  readonly offset: number;
  readonly data: string;
  readonly info: Publication['info'];
  readonly expiresAt: number;
}

interface Stream {
  epoch: string;
  top: number;
  entries: Entry[];
  metaExpiresAt: number;
}

export class MemoryHistory {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly now: () => number = Date.now) {}

  private stream(channel: string): Stream {
    let stream = this.streams.get(channel);
    if (stream === undefined || stream.metaExpiresAt <= this.now()) {
      stream = { epoch: newEpoch(), top: 0, entries: [], metaExpiresAt: 0 };
      this.streams.set(channel, stream);
    }
    stream.metaExpiresAt = this.now() + META_TTL_MS;
    return stream;
  }

  private prune(stream: Stream): void {
    const now = this.now();
    let drop = 0;
    while (drop < stream.entries.length && stream.entries[drop]!.expiresAt <= now) drop++;
    if (drop > 0) stream.entries.splice(0, drop);
  }

  /** Appends a publication and returns it with its offset and epoch set. */
  append(channel: string, data: string, info: Publication['info'], settings: HistorySettings): Publication {
    const stream = this.stream(channel);
    stream.top += 1;
    stream.entries.push({ offset: stream.top, data, info, expiresAt: this.now() + settings.ttlSeconds * 1000 });
    if (stream.entries.length > settings.size) stream.entries.splice(0, stream.entries.length - settings.size);
    return info === undefined
      ? { data, offset: stream.top, epoch: stream.epoch }
      : { data, info, offset: stream.top, epoch: stream.epoch };
  }

  read(channel: string, query: HistoryQuery): HistoryResult {
    const stream = this.stream(channel);
    this.prune(stream);
    const position: StreamPosition = { offset: stream.top, epoch: stream.epoch };
    if (query.since !== undefined && query.since.epoch !== stream.epoch) throw new UnrecoverablePositionError(channel);
    if (query.limit === 0) return { publications: [], position };
    const max = query.limit < 0 ? HISTORY_MAX_PAGE : Math.min(query.limit, HISTORY_MAX_PAGE);
    const since = query.since?.offset;
    let selected: Entry[];
    if (query.reverse) {
      const below = since === undefined ? stream.entries : stream.entries.filter((e) => e.offset < since);
      selected = below.slice(Math.max(0, below.length - max)).reverse();
    } else {
      const above = since === undefined ? stream.entries : stream.entries.filter((e) => e.offset > since);
      selected = above.slice(0, max);
    }
    const publications = selected.map((e): Publication =>
      e.info === undefined ? { data: e.data, offset: e.offset } : { data: e.data, info: e.info, offset: e.offset },
    );
    return { publications, position };
  }

  /** Drops streams whose meta expired; called periodically so idle channels do not pile up. */
  sweep(): void {
    const now = this.now();
    for (const [channel, stream] of this.streams) if (stream.metaExpiresAt <= now) this.streams.delete(channel);
  }
}
