// Batched publishing (performance.md: "batched Redis work"). Plain publishes (no history: joins,
// leaves, publications of channels without history) of one loop turn are collected per lane
// (routing.ts: a shard's command connection, or one cluster partition) and sent when the turn ends: the messages of each channel are packed into one batch
// envelope (envelope.ts), and several channels go in one PUBLISH_MANY script. On a cluster each
// packed message is one SPUBLISH (auto-pipelined per node): a script would have to declare the
// channels as keys, and during a slot migration Redis sends a script whose "keys" do not exist to
// the importing node, where nobody subscribes yet — SPUBLISH itself is served by the slot's owner. Redis then parses one
// command and writes one message per channel per subscribed node instead of one per publication,
// and ioredis builds one Command per segment instead of one per publication.
// A turn is cut into segments of SEGMENT_PUBLICATIONS, each its own command with one promise shared
// by its callers: the first segment's callers resume (and publish again) while Redis still works on
// the next, so a busy publisher never waits for a whole turn's round trip.
// Order per channel is kept: messages are packed in call order, and one connection runs commands in
// the order they were written.

import { encodeBatchBuffer, joinParts, partsLength, type EnvelopeParts } from './envelope.js';
import { toEngineError } from './errors.js';
import { PUBLISH_MANY } from './lua.js';
import type { Lane } from './routing.js';

/** Caps of one Redis message, so one busy turn never builds a huge payload a node must split at once. */
export const MAX_MESSAGES_PER_BATCH = 512;
export const MAX_CHARS_PER_BATCH = 1 << 20;
/** Publications per command (see above: small enough to overlap, large enough to amortise). */
export const SEGMENT_PUBLICATIONS = 256;

interface Segment {
  readonly lane: Lane;
  /** Redis channel → its messages in call order (a Map keeps first-publish order of channels). */
  readonly channels: Map<string, EnvelopeParts[]>;
  count: number;
  readonly done: Promise<undefined>;
  resolve(): void;
  reject(err: unknown): void;
}

export class PublishBatcher {
  /** Segments of this turn in order; the last one of each connection is still filling. */
  private segments: Segment[] = [];
  private readonly filling = new Map<Lane, Segment>();
  /** Redis commands sent, Redis messages and publications carried (tests, benchmark). */
  readonly stats = { commands: 0, messages: 0, publications: 0 };

  /**
   * Queues a message for `redisChannel`; resolves when Redis accepted its segment's command. The
   * message is kept in its parts (envelope.ts): they are written straight into the batch Buffer.
   */
  publish(lane: Lane, redisChannel: string, message: EnvelopeParts): Promise<undefined> {
    let segment = this.filling.get(lane);
    if (segment === undefined || segment.count >= SEGMENT_PUBLICATIONS) {
      // setImmediate, not a microtask: callers resumed by the previous replies publish in their
      // own microtasks, and all of them should land in this turn.
      if (this.segments.length === 0) setImmediate(() => this.flush());
      segment = newSegment(lane);
      this.filling.set(lane, segment);
      this.segments.push(segment);
    }
    segment.count++;
    const list = segment.channels.get(redisChannel);
    if (list === undefined) segment.channels.set(redisChannel, [message]);
    else list.push(message);
    return segment.done;
  }

  private flush(): void {
    const segments = this.segments;
    this.segments = [];
    this.filling.clear();
    for (const segment of segments) {
      this.send(segment).then(segment.resolve, (err: unknown) => segment.reject(toEngineError(err, 'publish')));
    }
  }

  private async send(segment: Segment): Promise<void> {
    const pairs: Array<string | Buffer> = [];
    for (const [channel, messages] of segment.channels) {
      for (const message of pack(messages)) pairs.push(channel, message);
    }
    this.stats.publications += segment.count;
    this.stats.messages += pairs.length / 2;
    this.stats.commands++;
    const { client, publishCommand } = segment.lane;
    if (publishCommand === 'spublish') {
      const sent: Array<Promise<unknown>> = [];
      for (let i = 0; i < pairs.length; i += 2) sent.push(client.spublish(pairs[i] as string, pairs[i + 1]!));
      await Promise.all(sent);
    } else if (pairs.length === 2) await client.publish(pairs[0]!, pairs[1]!);
    else await PUBLISH_MANY.run(client, [], pairs);
  }
}

function newSegment(lane: Lane): Segment {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<undefined>((res, rej) => {
    resolve = res as () => void;
    reject = rej;
  });
  // A segment whose callers all went away must not become an unhandled rejection.
  done.catch(() => undefined);
  return { lane, channels: new Map(), count: 0, done, resolve, reject };
}

/** One channel's messages → Redis messages: a single one as a string, more as capped batches. */
export function pack(messages: readonly EnvelopeParts[]): Array<string | Buffer> {
  if (messages.length === 1) return [joinParts(messages[0]!)];
  const out: Array<string | Buffer> = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < messages.length; i++) {
    const size = partsLength(messages[i]!);
    if (i > start && (i - start >= MAX_MESSAGES_PER_BATCH || chars + size > MAX_CHARS_PER_BATCH)) {
      out.push(packed(messages, start, i));
      start = i;
      chars = 0;
    }
    chars += size;
  }
  out.push(packed(messages, start, messages.length));
  return out;
}

function packed(messages: readonly EnvelopeParts[], from: number, to: number): string | Buffer {
  return to - from === 1 ? joinParts(messages[from]!) : encodeBatchBuffer(messages.slice(from, to));
}
