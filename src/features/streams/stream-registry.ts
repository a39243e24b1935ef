// Node-local record of the managed streams pushed through this node: per full channel its org,
// stream id, unprefixed channel, minute_rate and last schema. /api/live/list merges these records
// across nodes (Grafana keeps the same node-local view).
//
// Bounded: per org at most `maxStreamsPerOrg` stream ids and `maxChannelsPerOrg` channels (a push
// that would pass either is refused whole, before anything is published), and a channel with no
// push for `idleTimeoutMs` is dropped by one shared sweep. Records are kept in order of their last
// push, so a sweep stops at the first channel that is still active: its cost is what it evicts.

import { MinuteRate } from './minute-rate.js';

export interface RegistryLimits {
  readonly maxStreamsPerOrg: number;
  readonly maxChannelsPerOrg: number;
  /** 0 = never evict. */
  readonly idleTimeoutMs: number;
}

/** One channel of a push, as the registry sees it. */
export interface PushedChannel {
  /** Tenant-prefixed channel. */
  readonly full: string;
  /** `stream/<streamId>/<measurement>`. */
  readonly channel: string;
  /** `{"schema":…}` of the frame about to be pushed. */
  readonly schema: string;
}

/** A record as /api/live/list reads it. */
export interface StreamRecordView {
  readonly channel: string;
  readonly schema: string;
  minuteRate(): number;
}

class ChannelRecord implements StreamRecordView {
  lastPush = 0;

  constructor(
    readonly orgId: number,
    readonly streamId: string,
    readonly channel: string,
    public schema: string,
    private readonly rate: MinuteRate,
  ) {}

  countPush(): void {
    this.rate.add();
  }

  minuteRate(): number {
    return this.rate.rate();
  }
}

interface OrgUsage {
  readonly channels: Map<string, ChannelRecord>;
  /** Channels per stream id. */
  readonly streams: Map<string, number>;
}

export type Admission =
  | { readonly ok: true }
  | { readonly ok: false; readonly limit: 'streams' | 'channels'; readonly max: number; readonly message: string };

export interface RegistryCounters {
  /** Channels dropped by the idle sweep. */
  evictions: number;
}

export class ManagedStreamRegistry {
  /** Every record, least recently pushed first (a push moves its record to the end). */
  private readonly records = new Map<string, ChannelRecord>();
  private readonly orgs = new Map<number, OrgUsage>();
  private sweeper: NodeJS.Timeout | undefined;
  readonly counters: RegistryCounters = { evictions: 0 };

  constructor(
    private readonly limits: RegistryLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Admits the channels of one push for an org: refused whole when it would add a stream id or a
   * channel past the org's quota, else every channel is recorded (new ones with this schema) and
   * marked as pushed now. Synchronous, so concurrent pushes cannot both take the last slot.
   */
  admit(orgId: number, streamId: string, channels: readonly PushedChannel[]): Admission {
    const checked = this.check(orgId, streamId, channels);
    if (!checked.ok) return checked;
    let usage = this.orgs.get(orgId);
    if (usage === undefined) {
      usage = { channels: new Map(), streams: new Map() };
      this.orgs.set(orgId, usage);
    }
    const now = this.now();
    for (const { full, channel, schema } of channels) {
      let record = this.records.get(full);
      if (record === undefined) {
        record = new ChannelRecord(orgId, streamId, channel, schema, new MinuteRate(this.now));
        usage.channels.set(full, record);
        usage.streams.set(streamId, (usage.streams.get(streamId) ?? 0) + 1);
      } else {
        this.records.delete(full);
      }
      record.lastPush = now;
      this.records.set(full, record);
    }
    return { ok: true };
  }

  /**
   * Whether `admit` would take these channels, without recording anything: lets a push be refused
   * before the work of encoding its frames.
   */
  check(orgId: number, streamId: string, channels: readonly { readonly full: string }[]): Admission {
    // Idle channels must not hold a quota the sweep would free on its next round anyway.
    if (channels.some((c) => !this.records.has(c.full))) this.sweep();
    // Full channels carry the tenant prefix, so a channel new to the registry is new to the org.
    const fresh = new Set<string>();
    for (const c of channels) if (!this.records.has(c.full)) fresh.add(c.full);
    if (fresh.size === 0) return { ok: true };
    return this.overQuota(orgId, this.orgs.get(orgId), streamId, fresh.size) ?? { ok: true };
  }

  private overQuota(orgId: number, usage: OrgUsage | undefined, streamId: string, fresh: number): Admission | undefined {
    const { maxStreamsPerOrg, maxChannelsPerOrg } = this.limits;
    if (usage?.streams.has(streamId) !== true && (usage?.streams.size ?? 0) + 1 > maxStreamsPerOrg) {
      return {
        ok: false,
        limit: 'streams',
        max: maxStreamsPerOrg,
        message: `quota reached: org ${orgId} already pushes to ${maxStreamsPerOrg} managed streams on this node, stream "${streamId}" would be one more`,
      };
    }
    const total = (usage?.channels.size ?? 0) + fresh;
    if (total > maxChannelsPerOrg) {
      return {
        ok: false,
        limit: 'channels',
        max: maxChannelsPerOrg,
        message: `quota reached: org ${orgId} would push to ${total} managed-stream channels on this node, more than ${maxChannelsPerOrg}`,
      };
    }
    return undefined;
  }

  /** A frame of the channel reached the engine: counts toward minute_rate; its schema is the latest. */
  recordPush(fullChannel: string, schemaJson: string): void {
    const record = this.records.get(fullChannel);
    if (record === undefined) return; // swept while its push was in flight
    record.schema = schemaJson;
    record.countPush();
  }

  /** Drops every channel idle for the timeout; returns how many. */
  sweep(): number {
    const timeout = this.limits.idleTimeoutMs;
    if (timeout <= 0) return 0;
    const cutoff = this.now() - timeout;
    let evicted = 0;
    for (const [full, record] of this.records) {
      if (record.lastPush > cutoff) break;
      this.records.delete(full);
      const usage = this.orgs.get(record.orgId)!;
      usage.channels.delete(full);
      const left = usage.streams.get(record.streamId)! - 1;
      if (left > 0) usage.streams.set(record.streamId, left);
      else usage.streams.delete(record.streamId);
      if (usage.channels.size === 0) this.orgs.delete(record.orgId);
      evicted++;
    }
    this.counters.evictions += evicted;
    return evicted;
  }

  /** Runs `sweep` on one shared timer (a fraction of the idle timeout, at most once a minute). */
  startSweeping(): void {
    const timeout = this.limits.idleTimeoutMs;
    if (timeout <= 0 || this.sweeper !== undefined) return;
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, Math.max(250, Math.floor(timeout / 4))));
    this.sweeper.unref();
  }

  stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** The org's records (unordered; live view: read it before the next push or sweep). */
  orgRecords(orgId: number): Iterable<StreamRecordView> {
    return this.orgs.get(orgId)?.channels.values() ?? [];
  }

  /** Channels recorded for the org. */
  orgChannelCount(orgId: number): number {
    return this.orgs.get(orgId)?.channels.size ?? 0;
  }

  /** Records on this node (all orgs) and distinct (org, stream id) pairs. */
  size(): { channels: number; streams: number } {
    let streams = 0;
    for (const usage of this.orgs.values()) streams += usage.streams.size;
    return { channels: this.records.size, streams };
  }
}
