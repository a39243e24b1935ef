// Batched managed-stream pushes: the frame-cache pushes one node makes in one loop turn go to Redis
// as one FRAME_PUSH call per lane (routing.ts: a shard, or a cluster partition = one slot) and segment (lua.ts), which runs each push exactly as if it
// were alone (compare, store, refresh TTL, publish) — so atomicity per push and order per channel
// are unchanged — but Redis pays its per-script overhead once per segment instead of once per push.
// Segments are capped by count and bytes so one turn of large frames never builds a huge command.

import { toEngineError } from './errors.js';
import { FRAME_PUSH } from './lua.js';
import type { Lane } from './routing.js';

export const MAX_PUSHES_PER_SEGMENT = 64;
export const MAX_CHARS_PER_SEGMENT = 1 << 20;

export interface FramePushJob {
  /** The channel's managed_stream hash. */
  readonly key: string;
  readonly schema: string;
  readonly frame: string;
  readonly data: string;
  /** Envelope head of the publication (envelope.ts). */
  readonly head: string;
  readonly redisChannel: string;
  /** Publish the full frame whatever the cached schema says. */
  readonly force: boolean;
}

interface Segment {
  readonly lane: Lane;
  readonly jobs: FramePushJob[];
  chars: number;
  readonly done: Promise<unknown>;
  resolve(reply: unknown): void;
  reject(err: unknown): void;
}

export class FramePushBatcher {
  private segments: Segment[] = [];
  private readonly filling = new Map<Lane, Segment>();
  /** Script calls and pushes carried (tests). */
  readonly stats = { commands: 0, pushes: 0 };

  constructor(private readonly ttlSeconds: number) {}

  /** Resolves with whether the schema changed (a full frame was published). */
  async push(lane: Lane, job: FramePushJob): Promise<boolean> {
    const size = job.schema.length + job.frame.length + job.data.length;
    let segment = this.filling.get(lane);
    if (segment === undefined || segment.jobs.length >= MAX_PUSHES_PER_SEGMENT || (segment.jobs.length > 0 && segment.chars + size > MAX_CHARS_PER_SEGMENT)) {
      if (this.segments.length === 0) setImmediate(() => this.flush());
      segment = newSegment(lane);
      this.filling.set(lane, segment);
      this.segments.push(segment);
    }
    const index = segment.jobs.length;
    segment.jobs.push(job);
    segment.chars += size;
    const reply = await segment.done;
    if (!Array.isArray(reply) || (reply[index] !== 0 && reply[index] !== 1)) throw new Error(`unexpected reply of ${FRAME_PUSH.name}`);
    return reply[index] === 1;
  }

  private flush(): void {
    const segments = this.segments;
    this.segments = [];
    this.filling.clear();
    for (const segment of segments) {
      this.stats.commands++;
      this.stats.pushes += segment.jobs.length;
      const keys = segment.jobs.map((j) => j.key);
      const args: Array<string | number> = [this.ttlSeconds, segment.lane.publishCommand];
      for (const j of segment.jobs) args.push(j.schema, j.frame, j.data, j.head, j.redisChannel, j.force ? '1' : '0');
      FRAME_PUSH.run(segment.lane.client, keys, args).then(segment.resolve, (err: unknown) => segment.reject(toEngineError(err, 'frame push')));
    }
  }
}

function newSegment(lane: Lane): Segment {
  let resolve!: (reply: unknown) => void;
  let reject!: (err: unknown) => void;
  const done = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { lane, jobs: [], chars: 0, done, resolve, reject };
}
