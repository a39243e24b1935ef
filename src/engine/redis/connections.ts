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

/** `cmd`: auto-pipelined commands; `sub`: PUB/SUB; `ack`: history writes and their WAIT (replica-ack.ts). */
export type ConnectionRole = 'cmd' | 'sub' | 'ack';

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
  if (target.kind === 'cluster') throw new Error('a Redis Cluster address is served by cluster-router.ts');
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

/**
 * One ioredis client with its last error remembered for health details. A command connection is
 * usable only once the server said (ROLE) it is a master: a replica accepts PUBLISH without error
 * but delivers it to nobody on the master, so a node talking to one — through a proxy that still
 * routes to it, or a master demoted under an open connection — would report healthy and lose every
 * publication without history. Such a connection fails fast instead and reconnects with back-off.
 */
export class Connection {
  readonly client: Redis;
  lastError: string | undefined;
  private closed = false;
  private watchdog: NodeJS.Timeout | undefined;
  private usable = false;
  private readonly usableListeners: Array<() => void> = [];
  /** Consecutive connects that reached a replica (back-off of the next attempt). */
  private replicaStrikes = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly role: ConnectionRole,
    options: RedisOptions,
    /** Ceiling of the back-off after reaching a replica (the reconnect back-off's). */
    private readonly maxRetryDelayMs = 5000,
  ) {
    this.client = new Redis(options);
    // Without an 'error' listener an EventEmitter error would crash the process.
    this.client.on('error', (err: unknown) => {
      this.lastError = errorMessage(err);
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
      // A subscriber may listen on a replica: PUBLISH is replicated to replicas' subscribers.
      if (role === 'sub') this.markUsable();
      else void this.checkMaster();
    });
    this.client.on('close', () => {
      this.usable = false;
      clearTimeout(this.retryTimer);
    });
  }

  /** Connected, and (command connection) to a master. */
  get ready(): boolean {
    // After close() ioredis may report 'ready' until its socket's close event: closed wins.
    return !this.closed && this.client.status === 'ready' && this.usable;
  }

  get status(): string {
    return this.client.status;
  }

  /** Called every time the connection becomes usable (after each reconnect). */
  onUsable(listener: () => void): void {
    this.usableListeners.push(listener);
  }

  connect(): void {
    // Rejections are reported through 'error'; ioredis keeps retrying on its own.
    this.client.connect().catch(() => undefined);
  }

  private markUsable(): void {
    this.usable = true;
    this.replicaStrikes = 0;
    for (const listener of this.usableListeners) listener();
  }

  /** Reads the server's role; a replica (or anything but a master) is left and retried later. */
  private async checkMaster(): Promise<void> {
    let reply: unknown;
    try {
      reply = await this.client.call('ROLE');
    } catch (err) {
      if (this.closed || this.client.status !== 'ready') return;
      // A server that refuses ROLE (e.g. an ACL without it) cannot be checked: trust it as before.
      if (err instanceof Error && err.name === 'ReplyError') return this.markUsable();
      this.lastError = `ROLE check failed: ${errorMessage(err)}`;
      this.restart();
      return;
    }
    if (this.closed || this.client.status !== 'ready') return;
    const serverRole = Array.isArray(reply) ? String(reply[0]) : 'master';
    if (serverRole === 'master') return this.markUsable();
    this.notMaster(serverRole);
  }

  private notMaster(serverRole: string): void {
    this.usable = false;
    this.replicaStrikes++;
    this.lastError = `connected to a read-only replica (ROLE ${serverRole}), not the master; a proxy or DNS name still points at it: reconnecting`;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.restart(), reconnectDelay(this.replicaStrikes, this.maxRetryDelayMs));
    this.retryTimer.unref();
  }

  /**
   * For the command connection: every interval ask ROLE (as a PING) and restart when it times out
   * or the server is no longer a master. ioredis does not reconnect on timeouts, so a half-open
   * TCP connection would otherwise fail every call for hours.
   */
  startWatchdog(intervalMs: number): void {
    let inFlight = false;
    this.watchdog = setInterval(() => {
      if (inFlight || this.closed || !this.ready) return;
      inFlight = true;
      this.client.call('ROLE').then(
        (reply: unknown) => {
          inFlight = false;
          if (this.closed || !this.ready || !Array.isArray(reply)) return;
          const serverRole = String(reply[0]);
          if (serverRole !== 'master') this.notMaster(serverRole);
        },
        (err: unknown) => {
          inFlight = false;
          if (!this.closed && errorMessage(err).includes('timed out')) {
            this.lastError = 'ROLE (liveness check) timed out, reconnecting';
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
    const status = this.client.status === 'ready' && !this.usable ? 'not usable' : this.client.status;
    return this.lastError === undefined ? status : `${status}: ${this.lastError}`;
  }

  /** QUIT (waits for pending replies) bounded by `timeoutMs`, then a hard disconnect. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    if (this.client.status === 'ready') await quitWithin(this.client, timeoutMs);
    this.client.disconnect();
  }
}

/** QUIT (pending replies first), bounded by `timeoutMs`; the caller disconnects afterwards. */
export async function quitWithin(client: { quit(): Promise<unknown> }, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.quit().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}
