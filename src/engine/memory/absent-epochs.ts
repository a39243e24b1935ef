// Epochs of channels in the memory engine that hold no history stream — and of the stream the next
// publish creates there (epoch.ts explains why they are derived, never stored). One generation
// counter per hash bucket of channels; forgetting a stream bumps its bucket's generation, so every
// position handed out for the bucket before is refused afterwards and the next incarnation of the
// stream gets another epoch (a client is told "not recovered", never silently skipped past
// publications). Fixed memory: BUCKETS counters, whatever the number of channels.

import { createHash } from 'node:crypto';
import { derivedEpoch, newEpoch } from '../epoch.js';

const BUCKETS = 4096;

export class AbsentEpochs {
  private readonly generations = new Uint32Array(BUCKETS);
  /** Epochs differ between processes: a restarted node forgot every stream. */
  private readonly nonce = newEpoch();

  epochOf(channel: string): string {
    return derivedEpoch(`${this.nonce}:${this.generations[bucketOf(channel)]}:${channel}`);
  }

  /** A stream of `channel` was forgotten: positions derived for its bucket so far are void. */
  forgot(channel: string): void {
    const bucket = bucketOf(channel);
    this.generations[bucket] = (this.generations[bucket]! + 1) >>> 0;
  }
}

function bucketOf(channel: string): number {
  return createHash('sha1').update(channel).digest().readUInt32BE(0) % BUCKETS;
}
