// In-memory history streams: per channel a bounded, time-limited run of publications with a
// monotonic top offset and an epoch. Entries and the stream's meta (epoch + top) are held by the
// engine's Retention (retention.ts): entries expire after history_ttl and the meta after the meta TTL
// (like Centrifuge's history_meta_ttl) on the shared timer, whether or not anyone reads the channel,
// and both count against the memory budget. A stream only ever starts from a publish: reads of a
// channel without a stream answer offset 0 and a derived epoch and store nothing; the publish that
// creates the stream takes that epoch (absent-epochs.ts, epoch.ts).
//
// Recovery stays honest under expiry and eviction: a stream's retained entries are always a
// contiguous run ending at the top (dropping an entry drops every older one of the stream), the meta
// is always younger than its entries (evicted last), and a forgotten stream never comes back with
// its old epoch.

import {
  HISTORY_MAX_PAGE,
  UnrecoverablePositionError,
  type HistoryQuery,
  type HistoryResult,
  type HistorySettings,
  type Publication,
  type StreamPosition,
} from '../engine.js';
import { AbsentEpochs } from './absent-epochs.js';
import { ITEM_OVERHEAD_BYTES, Retained, textBytes, type RetainedKind, type Retention } from './retention.js';

/** Default life of a stream's epoch/offset after its last publish or read (Centrifuge: 30 days in Redis). */
export const DEFAULT_HISTORY_META_TTL_SECONDS = 24 * 3600;

class HistoryEntry extends Retained {
  constructor(
    readonly stream: HistoryStream,
    readonly offset: number,
    readonly data: string,
    readonly info: Publication['info'],
  ) {
    super();
  }

  get kind(): RetainedKind {
    return 'history';
  }

  dropped(): void {
    this.stream.entryDropped(this);
  }

  publication(): Publication {
    return this.info === undefined ? { data: this.data, offset: this.offset } : { data: this.data, info: this.info, offset: this.offset };
  }
}

class HistoryStream extends Retained {
  top = 0;
  /**
   * Retained entries, oldest first, from index `first` on (a queue without O(n) shifts). Slots
   * before `first` are cleared: a dropped entry must not stay reachable through the array.
   */
  private entries: Array<HistoryEntry | undefined> = [];
  private first = 0;

  constructor(
    private readonly owner: MemoryHistory,
    readonly channel: string,
    readonly epoch: string,
    readonly metaTtlMs: number,
  ) {
    super();
  }

  get kind(): RetainedKind {
    return 'history_meta';
  }

  get size(): number {
    return this.entries.length - this.first;
  }

  dropped(): void {
    this.owner.forget(this);
  }

  push(entry: HistoryEntry, keep: number, retention: Retention): void {
    this.entries.push(entry);
    if (this.size > keep) this.dropFront(this.entries.length - keep, retention);
  }

  /** The retention dropped an entry: it and every older entry of this stream go (no holes). */
  entryDropped(entry: HistoryEntry): void {
    const index = this.entries.indexOf(entry, this.first);
    if (index >= 0) this.dropFront(index + 1, this.owner.retention);
  }

  releaseAll(retention: Retention): void {
    this.dropFront(this.entries.length, retention);
  }

  /** Entries not yet expired (the sweep may lag by one tick), oldest first. */
  live(now: number): HistoryEntry[] {
    let start = this.first;
    for (let i = this.first; i < this.entries.length; i++) if (this.entries[i]!.deadline <= now) start = i + 1;
    return this.entries.slice(start) as HistoryEntry[];
  }

  /** Releases (if still held) and unlinks the entries before index `end`. */
  private dropFront(end: number, retention: Retention): void {
    for (let i = this.first; i < end; i++) {
      retention.release(this.entries[i]!);
      this.entries[i] = undefined;
    }
    this.first = end;
    if (this.first === this.entries.length) {
      this.entries = [];
      this.first = 0;
    } else if (this.first > 32 && this.first * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.first);
      this.first = 0;
    }
  }
}

export interface MemoryHistoryCounts {
  readonly streams: number;
  readonly entries: number;
}

export class MemoryHistory {
  private readonly streams = new Map<string, HistoryStream>();
  private readonly absent = new AbsentEpochs();

  constructor(
    readonly retention: Retention,
    private readonly metaTtlSeconds: number = DEFAULT_HISTORY_META_TTL_SECONDS,
  ) {}

  /** Appends a publication and returns it with its offset and epoch set. */
  append(channel: string, data: string, info: Publication['info'], settings: HistorySettings): Publication {
    const retention = this.retention;
    let stream = this.streams.get(channel);
    if (stream === undefined) {
      const metaTtlMs = Math.max(this.metaTtlSeconds, settings.ttlSeconds) * 1000;
      // The epoch handed out while the channel was empty: its positioned subscribers continue.
      stream = new HistoryStream(this, channel, this.absent.epochOf(channel), metaTtlMs);
      this.streams.set(channel, stream);
      retention.hold(stream, metaTtlMs, ITEM_OVERHEAD_BYTES + textBytes(channel) + 8);
    }
    stream.top += 1;
    const entry = new HistoryEntry(stream, stream.top, data, info);
    // A stream the budget dropped at once (a budget smaller than one meta) still numbers its
    // publication; its epoch is forgotten, so nobody can recover across it.
    if (stream.held) {
      stream.push(entry, settings.size, retention);
      retention.hold(entry, settings.ttlSeconds * 1000, ITEM_OVERHEAD_BYTES + textBytes(data) + infoBytes(info));
      // After the entry: the meta stays younger than its entries, so the budget evicts it last.
      retention.touch(stream, stream.metaTtlMs);
    }
    return info === undefined
      ? { data, offset: stream.top, epoch: stream.epoch }
      : { data, info, offset: stream.top, epoch: stream.epoch };
  }

  read(channel: string, query: HistoryQuery): HistoryResult {
    this.retention.sweep();
    const stream = this.streams.get(channel);
    if (stream === undefined) {
      // Nothing is created: the position is derived (offset 0, an epoch no forgotten stream had).
      const position: StreamPosition = { offset: 0, epoch: this.absent.epochOf(channel) };
      if (query.since !== undefined && query.since.epoch !== position.epoch) throw new UnrecoverablePositionError(channel);
      return { publications: [], position };
    }
    this.retention.touch(stream, stream.metaTtlMs);
    const position: StreamPosition = { offset: stream.top, epoch: stream.epoch };
    if (query.since !== undefined && query.since.epoch !== stream.epoch) throw new UnrecoverablePositionError(channel);
    if (query.limit === 0) return { publications: [], position };
    const max = query.limit < 0 ? HISTORY_MAX_PAGE : Math.min(query.limit, HISTORY_MAX_PAGE);
    const since = query.since?.offset;
    const entries = stream.live(this.retention.now());
    let selected: HistoryEntry[];
    if (query.reverse) {
      const below = since === undefined ? entries : entries.filter((e) => e.offset < since);
      selected = below.slice(Math.max(0, below.length - max)).reverse();
    } else {
      const above = since === undefined ? entries : entries.filter((e) => e.offset > since);
      selected = above.slice(0, max);
    }
    return { publications: selected.map((e) => e.publication()), position };
  }

  /** The retention dropped a stream's meta: the stream, its entries and its epoch are gone. */
  forget(stream: HistoryStream): void {
    if (this.streams.get(stream.channel) === stream) this.streams.delete(stream.channel);
    stream.releaseAll(this.retention);
    this.absent.forgot(stream.channel);
  }

  counts(): MemoryHistoryCounts {
    let entries = 0;
    for (const stream of this.streams.values()) entries += stream.size;
    return { streams: this.streams.size, entries };
  }
}

function infoBytes(info: Publication['info']): number {
  return info === undefined ? 0 : textBytes(info.user) + textBytes(info.client) + 32;
}
