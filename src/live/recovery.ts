// Recovery of missed publications when a client subscribes with a position (centrifuge-protocol.md
// §8.3): read the stream's top (and, when the client asks to recover, what it missed), decide whether
// the client's position is contiguous to the top, and merge the live publications buffered during the
// subscribe by offset. The node reads history; this file only decides.

import { HISTORY_MAX_PAGE, UnrecoverablePositionError, type HistoryQuery, type HistoryResult, type Publication, type StreamPosition } from '../engine/engine.js';
import type { SubscribeRequest } from '../protocol/commands.js';
import type { Subscription } from './channel-subscription.js';

/** What recovery reads: the channel's history with the node's retention settings. */
export interface HistoryReader {
  history(fullChannel: string, query: HistoryQuery): Promise<HistoryResult>;
}

export interface Recovery {
  readonly position: StreamPosition;
  readonly publications: Publication[];
  readonly recovered: boolean;
}

/** Reads the stream position (and missed publications when asked) and merges the live buffer. */
export async function recover(reader: HistoryReader, subscription: Subscription, request: SubscribeRequest): Promise<Recovery> {
  const full = subscription.fullChannel;
  if (request.recover !== true) {
    const top = await reader.history(full, { limit: 0 });
    return finish(subscription, top.position, [], false);
  }
  const since = { offset: request.offset ?? 0, epoch: request.epoch ?? '' };
  try {
    const read = await reader.history(full, { since, limit: HISTORY_MAX_PAGE });
    const pubs = read.publications;
    const top = read.position.offset;
    const recovered = pubs.length === 0
      ? top === since.offset
      : pubs[0]!.offset === since.offset + 1 && pubs[pubs.length - 1]!.offset === top;
    return finish(subscription, read.position, recovered ? pubs : [], recovered, since.offset);
  } catch (err) {
    if (!(err instanceof UnrecoverablePositionError)) throw err;
    const top = await reader.history(full, { limit: 0 });
    return finish(subscription, top.position, [], false);
  }
}

/**
 * Sets the subscription's position. Recovered: the reply carries the client's offset and the
 * publications that move it to the top (plus live ones buffered meanwhile, deduplicated by offset).
 * Not recovered: the reply carries the top, and buffered publications above it follow as pushes.
 */
function finish(subscription: Subscription, position: StreamPosition, recoveredPubs: Publication[], recovered: boolean, fromOffset = 0): Recovery {
  subscription.epoch = position.epoch;
  if (!recovered) {
    subscription.lastOffset = position.offset;
    return { position, publications: [], recovered: false };
  }
  const merged = [...recoveredPubs];
  let last = recoveredPubs.length > 0 ? recoveredPubs[recoveredPubs.length - 1]!.offset! : fromOffset;
  for (const pub of subscription.buffered()) {
    if (pub.offset === undefined || pub.epoch !== position.epoch || pub.offset <= last) continue;
    if (pub.offset !== last + 1) break; // a gap: the positioned check will resynchronise the client
    merged.push(pub);
    last = pub.offset;
  }
  subscription.lastOffset = last;
  return { position: { offset: fromOffset, epoch: position.epoch }, publications: merged, recovered: true };
}
