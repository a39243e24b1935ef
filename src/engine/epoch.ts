// History epochs: an 8-letter name for one incarnation of a channel's stream (Centrifuge's format).
// A new epoch tells recovering clients that continuity with their old offset is lost.
//
// Channels that hold no stream answer history reads with offset 0 and a *derived* epoch, without
// storing anything (reads create no state). The derived epoch must differ from every epoch a client
// could have seen before the channel's stream was forgotten, or a client that held a position in a
// stream that expired meanwhile would be told "recovered" across publications it never got:
// - memory: derived from a per-process nonce and a generation that is bumped whenever a stream of
//   the same hash bucket is forgotten (absent-epochs.ts);
// - Redis: derived from the channel and the current window of `meta TTL` seconds. A stream created
//   after a client read the derived epoch lives at least one meta TTL, so by the time it can have
//   expired the window (and with it the derived epoch) has moved on.

import { createHash, randomBytes } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function lettersOf(bytes: Uint8Array): string {
  let epoch = '';
  for (let i = 0; i < 8; i++) epoch += LETTERS[bytes[i]! % LETTERS.length];
  return epoch;
}

export function newEpoch(): string {
  return lettersOf(randomBytes(8));
}

/** A stable epoch for a seed (same seed, same epoch, on every node). */
export function derivedEpoch(seed: string): string {
  return lettersOf(createHash('sha1').update(seed).digest());
}

/** The epoch a channel without a stream reports in Redis mode (see above). */
export function windowedAbsentEpoch(channel: string, metaTtlSeconds: number, nowMs: number): string {
  const window = Math.floor(nowMs / 1000 / Math.max(1, metaTtlSeconds));
  return derivedEpoch(`absent:${window}:${channel}`);
}
