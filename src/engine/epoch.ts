// History epochs: an 8-letter name for one incarnation of a channel's stream (Centrifuge's format).
// A new epoch tells recovering clients that continuity with their old offset is lost.
//
// Channels that hold no stream answer history reads with offset 0 and a *derived* epoch, without
// storing anything (reads create no state); the first publish then creates the stream WITH that
// epoch, so a subscriber positioned at offset 0 continues with offset 1 (centrifuge-js keeps the
// epoch of its subscribe reply). Every incarnation of a channel's stream must get a different
// epoch, or a client that held a position in a forgotten one could be told "recovered" across
// publications it never got:
// - memory (absent-epochs.ts): derived from a per-process nonce and a generation that is bumped
//   whenever a stream of the same hash bucket is forgotten;
// - Redis (lua.ts): derived from a random per-Redis seed (a new one after Redis lost its data) and
//   the current window of `meta TTL` seconds. A stream lives at least one meta TTL, so by the time
//   it can have expired the window, and with it the derived epoch, has moved on.

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
