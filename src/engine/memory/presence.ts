// In-memory presence: channel -> clientId -> ClientInfo. No TTL is needed in one process: entries
// are removed when the connection unsubscribes or closes.

import type { ClientInfo, PresenceManager, PresenceStats } from '../engine.js';

export class MemoryPresence implements PresenceManager {
  private readonly channels = new Map<string, Map<string, ClientInfo>>();

  async add(channel: string, info: ClientInfo): Promise<void> {
    let entries = this.channels.get(channel);
    if (entries === undefined) {
      entries = new Map();
      this.channels.set(channel, entries);
    }
    entries.set(info.client, info);
  }

  async remove(channel: string, clientId: string): Promise<void> {
    const entries = this.channels.get(channel);
    if (entries === undefined) return;
    entries.delete(clientId);
    if (entries.size === 0) this.channels.delete(channel);
  }

  async get(channel: string): Promise<Map<string, ClientInfo>> {
    return new Map(this.channels.get(channel));
  }

  async stats(channel: string): Promise<PresenceStats> {
    const entries = this.channels.get(channel);
    if (entries === undefined) return { numClients: 0, numUsers: 0 };
    const users = new Set<string>();
    for (const info of entries.values()) users.add(info.user);
    return { numClients: entries.size, numUsers: users.size };
  }

  /** Channels with at least one entry (reads never add one). */
  get channelCount(): number {
    return this.channels.size;
  }
}
