// Canonical tag sets of one batch. Lines repeat the same few tag sets (host × cpu, device, …);
// looking each line's set up here yields one shared labels object and one `k=v, …` string per set,
// so converters allocate per distinct set instead of per line and encoders can memoise by identity.

import type { LineBatch } from '../influx/types.js';
import type { Labels } from './data-frame.js';

export interface TagSet {
  /** Sorted `[key, value]` pairs (the batch keeps tags sorted). */
  readonly labels: Labels;
  /** The labels_column cell: `k=v, k2=v2`, unescaped; `""` without tags. */
  readonly text: string;
}

interface Entry extends TagSet {
  keys: string[];
  values: string[];
}

/**
 * Cheap content hash of a tag value: length, last and middle character (where `cpu0`/`cpu1`,
 * `web-01`/`web-02`, `us-east-1`/`us-west-1` differ). Collisions only cost a longer bucket scan:
 * entries are verified.
 */
function mix(h: number, s: string): number {
  const n = s.length;
  h = (Math.imul(h, 31) + n) | 0;
  if (n === 0) return h;
  h = (Math.imul(h, 31) + s.charCodeAt(n - 1)) | 0;
  return (Math.imul(h, 31) + s.charCodeAt(n >> 1)) | 0;
}

function same(e: Entry, keys: string[], values: string[], t0: number, t1: number): boolean {
  if (e.keys.length !== t1 - t0) return false;
  let t = t0;
  while (t < t1 && e.keys[t - t0] === keys[t] && e.values[t - t0] === values[t]) t++;
  return t === t1;
}

/**
 * Entries per hash bucket before further sets of that hash are looked up by their exact text: the
 * cheap hash is easy to collide on purpose (values that differ only in unsampled characters), and
 * an unbounded bucket would make a batch quadratic in its tag sets.
 */
const BUCKET_MAX = 8;

/** An injective text of tags `[t0, t1)`: each key and value prefixed by its length. */
function exactKey(keys: string[], values: string[], t0: number, t1: number): string {
  let out = '';
  for (let t = t0; t < t1; t++) out += keys[t]!.length + ':' + keys[t]! + values[t]!.length + ':' + values[t]!;
  return out;
}

export class TagSetCache {
  private readonly buckets = new Map<number, Entry[]>();
  /** Sets whose hash bucket was full, by exactKey. */
  private readonly overflow = new Map<string, Entry>();
  private last: Entry | undefined;

  /** The canonical tag set of point `i`. */
  get(batch: LineBatch, i: number): TagSet {
    const t0 = batch.tagStart[i]!;
    const t1 = batch.tagStart[i + 1]!;
    const keys = batch.tagKeys;
    const values = batch.tagValues;
    const last = this.last;
    if (last !== undefined && same(last, keys, values, t0, t1)) return last;
    let h = t1 - t0;
    for (let t = t0; t < t1; t++) h = mix(h, values[t]!);
    let bucket = this.buckets.get(h);
    let exact: string | undefined;
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(h, bucket);
    } else {
      for (const e of bucket) {
        if (same(e, keys, values, t0, t1)) {
          this.last = e;
          return e;
        }
      }
      if (bucket.length >= BUCKET_MAX) {
        exact = exactKey(keys, values, t0, t1);
        const e = this.overflow.get(exact);
        if (e !== undefined) {
          this.last = e;
          return e;
        }
      }
    }
    const labels: (readonly [string, string])[] = [];
    let text = '';
    for (let t = t0; t < t1; t++) {
      labels.push([keys[t]!, values[t]!]);
      text += (t > t0 ? ', ' : '') + keys[t]! + '=' + values[t]!;
    }
    const entry: Entry = { labels, text, keys: keys.slice(t0, t1), values: values.slice(t0, t1) };
    if (exact === undefined) bucket.push(entry);
    else this.overflow.set(exact, entry);
    this.last = entry;
    return entry;
  }
}
