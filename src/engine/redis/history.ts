// History streams in Redis (centrifuge-protocol.md §8, §12.4): a STREAM per channel whose entry ids
// are `<offset>-0`, plus a meta HASH (`e` epoch, `s` top offset) that outlives the entries, so a
// returning client learns exactly whether it can recover. Both steps are single Lua scripts. Only a
// publish creates keys (each with its TTL); a read of a channel without meta answers the derived
// epoch the next publish will start the stream with (epoch.ts), using the shard's `P.epoch_seed`
// (on a cluster: the seed of the channel's partition, `P.epoch_seed.{t}`, in the channel's slot).

import {
  HISTORY_MAX_PAGE,
  UnrecoverablePositionError,
  type HistoryQuery,
  type HistoryResult,
  type HistorySettings,
  type Publication,
  type StreamPosition,
} from '../engine.js';
import { newEpoch } from '../epoch.js';
import { decodePublication } from './envelope.js';
import type { RedisKeys } from './keys.js';
import { PUBLISH_WITH_HISTORY, READ_HISTORY } from './lua.js';
import type { CommandClient, Lane } from './routing.js';

export class RedisHistory {
  constructor(
    private readonly keys: RedisKeys,
    /** Meta TTL in seconds: much longer than any history TTL (Centrifuge: 30 days). */
    private readonly metaTtlSeconds: number,
    /** Called for each stored entry that does not decode (dropped). */
    private readonly onUndecodable: () => void,
    /**
     * `ha_engine_wait_replicas` > 0: epochs are bound to the master's replication history, so a
     * promoted replica never continues offsets the old master handed out alone (lua.ts REPLICATION).
     */
    private readonly strict = false,
  ) {}

  /** The meta TTL, which is also the window of derived epochs (epoch.ts): never below history_ttl. */
  private metaTtl(settings: HistorySettings): number {
    return Math.max(this.metaTtlSeconds, settings.ttlSeconds);
  }

  /**
   * Creates the epoch seeds unless they exist (at start and after every reconnect: a Redis that
   * lost its data gets new seeds, so new streams cannot reuse epochs clients still hold). One seed
   * per Redis; on a cluster one per partition (each SET goes to its slot's master).
   */
  async ensureSeeds(client: CommandClient): Promise<void> {
    await Promise.all(this.keys.allEpochSeeds().map((key) => client.set(key, newEpoch(), 'EX', this.metaTtlSeconds, 'NX')));
  }

  /** The script and its arguments of an atomic append + publish (run here, or by replica-ack.ts). */
  publishCall(lane: Lane, channel: string, head: string, tail: string, settings: HistorySettings): { keys: string[]; args: Array<string | number> } {
    return {
      keys: [this.keys.stream(channel), this.keys.streamMeta(channel), this.keys.epochSeed(channel)],
      args: [head, tail, settings.size, settings.ttlSeconds, this.metaTtl(settings), newEpoch(), this.keys.client(channel), channel, lane.publishCommand, this.strict ? '1' : '0'],
    };
  }

  /** Appends and publishes atomically; returns the new top position. */
  async publish(lane: Lane, channel: string, head: string, tail: string, settings: HistorySettings): Promise<StreamPosition> {
    const { keys, args } = this.publishCall(lane, channel, head, tail, settings);
    return publishedPosition(await PUBLISH_WITH_HISTORY.run(lane.client, keys, args));
  }

  async read(client: CommandClient, channel: string, query: HistoryQuery, settings: HistorySettings): Promise<HistoryResult> {
    const since = query.since;
    const count = query.limit < 0 ? HISTORY_MAX_PAGE : Math.min(query.limit, HISTORY_MAX_PAGE);
    let mode: 'top' | 'fwd' | 'rev' = query.reverse === true ? 'rev' : 'fwd';
    let start = '-';
    let end = '+';
    if (mode === 'fwd') {
      if (since !== undefined) start = String(since.offset + 1);
    } else {
      start = since === undefined ? '+' : String(since.offset - 1);
      end = '-';
      // Nothing lies below offset 1; and "-1" would not be a valid stream id.
      if (since !== undefined && since.offset <= 1) mode = 'top';
    }
    if (count === 0) mode = 'top';
    const reply = await READ_HISTORY.run(
      client,
      [this.keys.stream(channel), this.keys.streamMeta(channel), this.keys.epochSeed(channel)],
      [this.metaTtl(settings), since?.epoch ?? '', mode, start, end, Math.max(count, 1), channel, since?.offset ?? 0, this.strict ? '1' : '0'],
    );
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'string' || !Array.isArray(reply[2])) {
      throw new Error(`unexpected reply of ${READ_HISTORY.name}`);
    }
    const position: StreamPosition = { offset: reply[0], epoch: reply[1] };
    // `continued`: the position lies in the part of a renamed epoch this master has (lua.ts).
    if (since !== undefined && since.epoch !== position.epoch && reply[3] !== 1) throw new UnrecoverablePositionError(channel);
    const publications: Publication[] = [];
    for (const entry of reply[2] as unknown[]) {
      const publication = decodeEntry(entry);
      if (publication === undefined) this.onUndecodable();
      else publications.push(publication);
    }
    return { publications, position };
  }
}

/** The `{top, epoch}` reply of PUBLISH_WITH_HISTORY. */
export function publishedPosition(reply: unknown): StreamPosition {
  if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'string') {
    throw new Error(`unexpected reply of ${PUBLISH_WITH_HISTORY.name}`);
  }
  return { offset: reply[0], epoch: reply[1] };
}

/** A stream entry `[id, [field, value, …]]` → the publication stored in field `d`. */
function decodeEntry(entry: unknown): Publication | undefined {
  if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) return undefined;
  const offset = Number(entry[0].slice(0, entry[0].indexOf('-')));
  if (!Number.isSafeInteger(offset) || offset <= 0) return undefined;
  const fields = entry[1] as unknown[];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1];
    if (fields[i] === 'd' && typeof value === 'string') return decodePublication(value, offset);
  }
  return undefined;
}
