// Channel → shard: Jump Consistent Hash (Lamping & Veach) over FNV-1a 64 of the full channel, as
// Centrifuge does, so adding a shard moves only ~1/(n+1) of the channels. Broker, history, presence
// and frame cache all use this one function, so a channel's keys always live on one Redis.

const TWO_32 = 0x1_0000_0000;

/** FNV-1a 64 of the UTF-8 bytes, as [high 32 bits, low 32 bits] (no BigInt in the byte loop). */
export function fnv1a64Parts(text: string): [number, number] {
  // offset basis 0xcbf29ce484222325
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const bytes = Buffer.from(text, 'utf8');
  for (const byte of bytes) {
    lo = (lo ^ byte) >>> 0;
    // × 0x100000001b3 = × 0x1b3 + × 2^40; every intermediate stays below 2^53, so it is exact.
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / TWO_32);
    hi = (hi * 0x1b3 + carry + lo * 256) % TWO_32;
    lo = loProduct % TWO_32;
  }
  return [hi, lo];
}

export function fnv1a64(text: string): bigint {
  const [hi, lo] = fnv1a64Parts(text);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

const MASK_64 = (1n << 64n) - 1n;
const LCG_MULTIPLIER = 2862933555777941757n;

/** Jump Consistent Hash: a bucket in [0, buckets) for a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
  let k = key & MASK_64;
  let b = -1;
  let j = 0;
  while (j < buckets) {
    b = j;
    k = (k * LCG_MULTIPLIER + 1n) & MASK_64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The shard index of a channel (or store key) among `shards` Redis instances. */
export function shardOf(name: string, shards: number): number {
  return shards <= 1 ? 0 : jumpHash(fnv1a64(name), shards);
}
