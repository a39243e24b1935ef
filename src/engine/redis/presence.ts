// Cluster-wide presence with TTL (centrifuge-protocol.md §12.5): HASH clientId → ClientInfo plus a
// ZSET of expire-at times. This node refreshes the entries it added (kept in memory) every 25 s in
// pipelined batches, so a dead node's clients vanish within the TTL and no node needs to clean up.

import type { ClientInfo, PresenceManager, PresenceStats } from '../engine.js';
import { decodeInfo, encodeInfo } from './envelope.js';
import { toEngineError } from './errors.js';
import type { RedisKeys } from './keys.js';
import { PRESENCE_ADD, PRESENCE_READ, PRESENCE_REMOVE } from './lua.js';
import { readyLane, type CommandClient, type Router } from './routing.js';

/** Entries refreshed per awaited batch (auto-pipelining sends each batch in a few writes). */
const REFRESH_BATCH = 500;

interface Tracked {
  readonly info: ClientInfo;
  readonly encoded: string;
}

export class RedisPresence implements PresenceManager {
  /** channel → clientId → what this node added. */
  private readonly tracked = new Map<string, Map<string, Tracked>>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing = false;

  constructor(
    private readonly router: Router,
    private readonly keys: RedisKeys,
    private readonly ttlSeconds: number,
    private readonly refreshIntervalMs: number,
    private readonly onRefreshError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  async add(channel: string, info: ClientInfo): Promise<void> {
    // Tracked before the await so a remove() racing with this add cannot be undone by it.
    const entry: Tracked = { info, encoded: encodeInfo(info) };
    let clients = this.tracked.get(channel);
    if (clients === undefined) {
      clients = new Map();
      this.tracked.set(channel, clients);
    }
    clients.set(info.client, entry);
    try {
      await this.write(readyLane(this.router, channel).client, channel, info.client, entry.encoded);
    } catch (err) {
      if (this.tracked.get(channel)?.get(info.client) === entry) this.untrack(channel, info.client);
      throw toEngineError(err, 'presence add');
    }
  }

  async remove(channel: string, clientId: string): Promise<void> {
    this.untrack(channel, clientId);
    try {
      await PRESENCE_REMOVE.run(readyLane(this.router, channel).client, [this.keys.presenceData(channel), this.keys.presenceExpire(channel)], [clientId]);
    } catch (err) {
      throw toEngineError(err, 'presence remove');
    }
  }

  async get(channel: string): Promise<Map<string, ClientInfo>> {
    const flat = await this.read(channel, 'all');
    const result = new Map<string, ClientInfo>();
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const info = decodeStored(flat[i + 1]!);
      if (info !== undefined) result.set(flat[i]!, info);
    }
    return result;
  }

  async stats(channel: string): Promise<PresenceStats> {
    const values = await this.read(channel, 'values');
    const users = new Set<string>();
    let clients = 0;
    for (const value of values) {
      const info = decodeStored(value);
      if (info === undefined) continue;
      clients++;
      users.add(info.user);
    }
    return { numClients: clients, numUsers: users.size };
  }

  /** Number of entries this node keeps alive (tests, metrics). */
  get trackedCount(): number {
    let n = 0;
    for (const clients of this.tracked.values()) n += clients.size;
    return n;
  }

  /**
   * Re-adds every tracked entry (of one lane, or of all): on the timer, and right after a shard's
   * command connection comes back (or a cluster's slots moved), because a restarted Redis may have
   * lost them.
   */
  async refresh(only?: number): Promise<void> {
    if (this.refreshing && only === undefined) return;
    if (only === undefined) this.refreshing = true;
    try {
      let batch: Array<Promise<unknown>> = [];
      for (const [channel, clients] of this.tracked) {
        const lane = this.router.laneOf(channel);
        if ((only !== undefined && lane.group !== only) || !lane.ready) continue;
        for (const [clientId, entry] of clients) {
          batch.push(this.write(lane.client, channel, clientId, entry.encoded));
          if (batch.length >= REFRESH_BATCH) {
            await settle(batch, this.onRefreshError);
            batch = [];
          }
        }
      }
      await settle(batch, this.onRefreshError);
    } finally {
      if (only === undefined) this.refreshing = false;
    }
  }

  private write(client: CommandClient, channel: string, clientId: string, encoded: string): Promise<unknown> {
    const expireAt = Math.floor(Date.now() / 1000) + this.ttlSeconds;
    return PRESENCE_ADD.run(client, [this.keys.presenceData(channel), this.keys.presenceExpire(channel)], [clientId, encoded, expireAt, this.ttlSeconds]);
  }

  private async read(channel: string, mode: 'all' | 'values'): Promise<string[]> {
    let reply: unknown;
    try {
      reply = await PRESENCE_READ.run(
        readyLane(this.router, channel).client,
        [this.keys.presenceData(channel), this.keys.presenceExpire(channel)],
        [Math.floor(Date.now() / 1000), mode],
      );
    } catch (err) {
      throw toEngineError(err, 'presence');
    }
    if (!Array.isArray(reply)) throw new Error('unexpected reply of presence read');
    return reply.filter((v): v is string => typeof v === 'string');
  }

  private untrack(channel: string, clientId: string): void {
    const clients = this.tracked.get(channel);
    if (clients === undefined) return;
    clients.delete(clientId);
    if (clients.size === 0) this.tracked.delete(channel);
  }
}

function decodeStored(text: string): ClientInfo | undefined {
  try {
    return decodeInfo(JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

async function settle(batch: Array<Promise<unknown>>, onError: (err: unknown) => void): Promise<void> {
  if (batch.length === 0) return;
  const results = await Promise.allSettled(batch);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure !== undefined) onError(failure.reason);
}
