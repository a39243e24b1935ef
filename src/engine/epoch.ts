// History epochs: a random 8-letter name for one incarnation of a channel's stream (Centrifuge's
// format). A new epoch tells recovering clients that continuity with their old offset is lost.

import { randomBytes } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function newEpoch(): string {
  const bytes = randomBytes(8);
  let epoch = '';
  for (const b of bytes) epoch += LETTERS[b % LETTERS.length];
  return epoch;
}
