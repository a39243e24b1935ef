// Re-checks Sentinel topology every few seconds (Centrifugo #1189, #766): asks a Sentinel for the
// current master and restarts any of the shard's connections attached elsewhere, so a missed
// +switch-master or a connection that survived a failover cannot pin this node to a demoted master.

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Redis } from 'ioredis';
import type { SentinelTarget } from './address.js';
import type { Connection } from './connections.js';
import { errorMessage } from './errors.js';

export interface SentinelWatchOptions {
  readonly target: SentinelTarget;
  readonly connections: readonly Connection[];
  readonly intervalMs: number;
  readonly commandTimeoutMs: number;
  readonly log: (level: 'warn' | 'debug', msg: string, fields: Record<string, unknown>) => void;
}

export class SentinelWatch {
  private readonly sentinels: Redis[];
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly options: SentinelWatchOptions) {
    const { target } = options;
    this.sentinels = target.sentinels.map((s) => {
      const client = new Redis({
        host: s.host,
        port: s.port,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: options.commandTimeoutMs,
        connectTimeout: options.commandTimeoutMs,
        retryStrategy: (attempt) => Math.min(5000, 200 * attempt),
        enableReadyCheck: false,
        ...(target.sentinelUsername === undefined ? {} : { username: target.sentinelUsername }),
        ...(target.sentinelPassword === undefined ? {} : { password: target.sentinelPassword }),
        ...(target.tls ? { tls: {} } : {}),
      });
      client.on('error', () => undefined); // reachability is judged per check below
      return client;
    });
  }

  start(): void {
    for (const s of this.sentinels) s.connect().catch(() => undefined);
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    for (const s of this.sentinels) s.disconnect();
  }

  /** The master address according to the first Sentinel that answers. */
  async master(): Promise<{ host: string; port: number } | undefined> {
    for (const sentinel of this.sentinels) {
      if (sentinel.status !== 'ready') continue;
      try {
        const reply = await sentinel.call('SENTINEL', 'get-master-addr-by-name', this.options.target.masterName);
        if (Array.isArray(reply) && typeof reply[0] === 'string' && typeof reply[1] === 'string') {
          return { host: reply[0], port: Number(reply[1]) };
        }
      } catch {
        // next Sentinel
      }
    }
    return undefined;
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const master = await this.master();
      if (master === undefined) return;
      const hosts = isIP(master.host) === 0 ? await resolveAll(master.host) : [master.host];
      for (const connection of this.options.connections) {
        const remote = connection.remoteAddress();
        if (remote === undefined || !connection.ready) continue;
        if (remote.port === master.port && hosts.includes(remote.host)) continue;
        this.options.log('warn', 'redis master changed (sentinel): reconnecting', {
          role: connection.role,
          connectedTo: `${remote.host}:${remote.port}`,
          master: `${master.host}:${master.port}`,
        });
        connection.restart();
      }
    } catch (err) {
      this.options.log('debug', 'sentinel topology check failed', { error: errorMessage(err) });
    } finally {
      this.checking = false;
    }
  }
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return [host];
  }
}
