// The two ioredis clients of one shard: `cmd` (auto-pipelined commands and scripts) and `sub` (the
// dedicated PUB/SUB reader). Both fail fast while disconnected (no offline queue, no resend, bounded
// command timeout) and reconnect with back-off forever; errors are recorded, never thrown at the process.

import { isIP } from 'node:net';
import { Redis, type RedisOptions } from 'ioredis';
import type { ShardAddress } from './address.js';
import { errorMessage } from './errors.js';

export interface ConnectionTimings {
  /** Upper bound of any command (Centrifuge's I/O timeout: 4 s). */
  readonly commandTimeoutMs: number;
  /** TCP connect timeout (Centrifuge: 1 s). */
  readonly connectTimeoutMs: number;
  /** Ceiling of the exponential reconnect back-off. */
  readonly maxReconnectDelayMs: number;
}

export type ConnectionRole = 'cmd' | 'sub';

/** Exponential back-off from 100 ms with ±20 % jitter (so a fleet does not reconnect in lockstep). */
export function reconnectDelay(attempt: number, maxDelayMs: number): number {
  const base = Math.min(maxDelayMs, 100 * 2 ** Math.min(Math.max(attempt - 1, 0), 16));
  return Math.max(50, Math.round(base * (0.8 + Math.random() * 0.4)));
}

export function ioredisOptions(address: ShardAddress, role: ConnectionRole, timings: ConnectionTimings, connectionName: string): RedisOptions {
  const common: RedisOptions = {
    connectionName,
    lazyConnect: true,
    // Fail fast while disconnected: a queued command would hang a client request for up to the
    // whole outage, and a resent one could publish twice.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The broker resubscribes itself, in batches of <= 512, and tells the node afterwards.
    autoResubscribe: false,
    enableAutoPipelining: role === 'cmd',
    commandTimeout: timings.commandTimeoutMs,
    connectTimeout: timings.connectTimeoutMs,
    enableReadyCheck: true,
    retryStrategy: (attempt) => reconnectDelay(attempt, timings.maxReconnectDelayMs),
    // A demoted master answers writes with READONLY: reconnect (through Sentinel: to the new master).
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
    db: address.db,
    ...(address.username === undefined ? {} : { username: address.username }),
    ...(address.password === undefined ? {} : { password: address.password }),
  };
  const target = address.target;
  if (target.kind === 'direct') {
    // SNI must be a host name; for an IP address the certificate is checked against the IP.
    const tls = target.tls ? { tls: isIP(target.host) === 0 ? { servername: target.host } : {} } : {};
    return { ...common, host: target.host, port: target.port, ...tls };
  }
  return {
    ...common,
    name: target.masterName,
    role: 'master',
    sentinels: target.sentinels.map((s) => ({ host: s.host, port: s.port })),
    ...(target.sentinelUsername === undefined ? {} : { sentinelUsername: target.sentinelUsername }),
    ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
    // One pass over the Sentinels per attempt; the back-off above paces the attempts and the
    // failure surfaces as an error (health detail, logs) instead of an endless silent loop.
    sentinelRetryStrategy: () => null,
    sentinelCommandTimeout: timings.connectTimeoutMs,
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

/** One ioredis client with its last error remembered for health details. */
export class Connection {
  readonly client: Redis;
  lastError: string | undefined;
  private closed = false;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(readonly role: ConnectionRole, options: RedisOptions) {
    this.client = new Redis(options);
    // Without an 'error' listener an EventEmitter error would crash the process.
    this.client.on('error', (err: unknown) => {
      this.lastError = errorMessage(err);
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  get status(): string {
    return this.client.status;
  }

  connect(): void {
    // Rejections are reported through 'error'; ioredis keeps retrying on its own.
    this.client.connect().catch(() => undefined);
  }

  /**
   * For the command connection: PING every interval and restart when it times out. ioredis does not
   * reconnect on timeouts, so a half-open TCP connection would otherwise fail every call for hours.
   */
  startWatchdog(intervalMs: number): void {
    let inFlight = false;
    this.watchdog = setInterval(() => {
      if (inFlight || this.closed || !this.ready) return;
      inFlight = true;
      this.client.ping().then(
        () => {
          inFlight = false;
        },
        (err: unknown) => {
          inFlight = false;
          if (!this.closed && errorMessage(err).includes('timed out')) {
            this.lastError = 'PING timed out, reconnecting';
            this.restart();
          }
        },
      );
    }, intervalMs);
    this.watchdog.unref();
  }

  /** Drops the TCP connection and reconnects (ioredis re-resolves the master through Sentinel). */
  restart(): void {
    if (!this.closed) this.client.disconnect(true);
  }

  /** "ip:port" of the server this client is connected to, if connected. */
  remoteAddress(): { host: string; port: number } | undefined {
    const stream = this.client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
    if (stream?.remoteAddress === undefined || stream.remotePort === undefined) return undefined;
    return { host: stream.remoteAddress.replace(/^::ffff:/, ''), port: stream.remotePort };
  }

  describe(): string {
    return this.lastError === undefined ? this.client.status : `${this.client.status}: ${this.lastError}`;
  }

  /** QUIT (waits for pending replies) bounded by `timeoutMs`, then a hard disconnect. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    if (this.client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.quit().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.client.disconnect();
  }
}
