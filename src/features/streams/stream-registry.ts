// Node-local record of the managed streams pushed through this node since start: per full channel
// its tenant, unprefixed channel, minute_rate and last schema. /api/live/list merges these records
// across nodes (Grafana keeps the same node-local view).

import { MinuteRate } from './minute-rate.js';

export interface StreamListEntry {
  readonly channel: string;
  readonly minute_rate: number;
  readonly data: unknown;
}

interface StreamRecord {
  readonly orgId: number;
  readonly channel: string;
  readonly rate: MinuteRate;
  schema: string;
}

/** Stop tracking a stream with no push for this long (bounds memory with many short-lived streams). */
const IDLE_FORGET_MS = 24 * 3600 * 1000;

export class ManagedStreamRegistry {
  private readonly streams = new Map<string, StreamRecord & { lastPush: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  recordPush(orgId: number, fullChannel: string, channel: string, schemaJson: string): void {
    let record = this.streams.get(fullChannel);
    if (record === undefined) {
      record = { orgId, channel, rate: new MinuteRate(this.now), schema: schemaJson, lastPush: 0 };
      this.streams.set(fullChannel, record);
    }
    record.schema = schemaJson;
    record.lastPush = this.now();
    record.rate.add();
  }

  /** The org's streams with their rate and `{"schema":…}` data, sorted by channel. */
  list(orgId: number): StreamListEntry[] {
    const cutoff = this.now() - IDLE_FORGET_MS;
    const out: StreamListEntry[] = [];
    for (const [full, record] of this.streams) {
      if (record.lastPush < cutoff) {
        this.streams.delete(full);
        continue;
      }
      if (record.orgId !== orgId) continue;
      out.push({ channel: record.channel, minute_rate: record.rate.rate(), data: JSON.parse(record.schema) as unknown });
    }
    return out.sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0));
  }
}
