// One PUB/SUB connection to one Redis Cluster node, speaking RESP2 itself (over ioredis's own
// parser). Why not an ioredis client: when a slot moves away, the node pushes an *unsolicited*
// `sunsubscribe <channel>` to its subscribers; ioredis takes every such reply for the answer to its
// oldest pending command, so from then on replies and commands are paired wrongly (and at count 0
// it even leaves subscriber mode and swallows messages). Here each subscribe/unsubscribe command
// knows the channels it waits for: an `sunsubscribe` nobody asked for is reported as `evicted`.
//
// Bounded: one connection, a FIFO of pending commands each with a deadline (a missed deadline
// closes the connection, as a reply could no longer be paired), no offline queue (commands while
// not connected reject at once), no reconnect of its own (the owner decides where to reconnect).

import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { isIP } from 'node:net';
import RedisParser from 'redis-parser';

export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  /** CLIENT SETNAME (operators find livehub's connections in CLIENT LIST). */
  readonly connectionName: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

export interface LinkEvents {
  /** `message` (classic) or `smessage` (sharded) on a subscribed channel. */
  message(channel: string, payload: string): void;
  /** The node dropped a sharded subscription on its own (its slot moved to another node). */
  evicted(channel: string): void;
  /** The connection is gone (error, timeout, server close, or close()); fires once. */
  closed(reason: string): void;
}

export type SubscribeKind = 'subscribe' | 'ssubscribe';
type UnsubscribeKind = 'unsubscribe' | 'sunsubscribe';

/** A reply error of the node (`MOVED 123 host:port`, `CROSSSLOT …`, `NOAUTH …`). */
export class LinkReplyError extends Error {
  override readonly name = 'ReplyError';
}

interface Pending {
  /** The command name as the reply names it (`ssubscribe`, `pong`, `ok` for plain replies). */
  readonly expect: string;
  /** Channels whose confirmation is still awaited (subscribe/unsubscribe commands). */
  readonly waiting: Set<string> | undefined;
  readonly deadline: number;
  resolve(): void;
  reject(err: Error): void;
}

const UNSUBSCRIBE_OF: Record<SubscribeKind, UnsubscribeKind> = { subscribe: 'unsubscribe', ssubscribe: 'sunsubscribe' };

export class SubscriberLink {
  private socket: Socket | undefined;
  private readonly pending: Pending[] = [];
  private deadlineTimer: NodeJS.Timeout | undefined;
  private state: 'new' | 'connecting' | 'ready' | 'closed' = 'new';
  private closedReason = '';

  constructor(private readonly options: LinkOptions, private readonly events: LinkEvents) {}

  get ready(): boolean {
    return this.state === 'ready';
  }

  get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Opens the connection, authenticates and names it; rejects (and closes) on any failure. */
  async connect(): Promise<void> {
    if (this.state !== 'new') throw new Error(`link to ${this.address} already used`);
    this.state = 'connecting';
    const { host, port, tls, connectTimeoutMs } = this.options;
    const socket = tls ? tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}) }) : tcpConnect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const parser = new RedisParser({
      returnReply: (reply) => this.onReply(reply),
      returnError: (err) => this.onError(err),
      returnFatalError: (err) => this.close(`protocol error: ${err.message}`),
    });
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    socket.on('error', (err) => this.close(err.message));
    socket.on('close', () => this.close('connection closed by the server'));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.close(`connect timeout (${connectTimeoutMs} ms)`);
        reject(new Error(`connect to ${this.address} timed out`));
      }, connectTimeoutMs);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error(`connect to ${this.address} failed: ${this.closedReason}`));
      });
    });
    const handshake: Array<Promise<void>> = [];
    const { username, password } = this.options;
    if (password !== undefined) handshake.push(this.command(username === undefined ? ['AUTH', password] : ['AUTH', username, password], 'ok', undefined));
    handshake.push(this.command(['CLIENT', 'SETNAME', this.options.connectionName], 'ok', undefined));
    await Promise.all(handshake);
    if (this.state !== 'connecting') throw new Error(`link to ${this.address} closed during the handshake: ${this.closedReason}`);
    this.state = 'ready';
  }

  /** SUBSCRIBE / SSUBSCRIBE (all channels of one SSUBSCRIBE must share a slot). */
  subscribe(kind: SubscribeKind, channels: readonly string[]): Promise<void> {
    return this.command([kind.toUpperCase(), ...channels], kind, new Set(channels));
  }

  unsubscribe(kind: SubscribeKind, channels: readonly string[]): Promise<void> {
    const un = UNSUBSCRIBE_OF[kind];
    return this.command([un.toUpperCase(), ...channels], un, new Set(channels));
  }

  /** PING, answered in subscriber mode too: the liveness check. */
  ping(): Promise<void> {
    return this.command(['PING'], 'pong', undefined);
  }

  close(reason = 'closed'): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closedReason = reason;
    clearTimeout(this.deadlineTimer);
    this.socket?.destroy();
    const failed = this.pending.splice(0);
    for (const p of failed) p.reject(new Error(`connection to ${this.address} lost: ${reason}`));
    this.events.closed(reason);
  }

  private command(args: readonly string[], expect: string, waiting: Set<string> | undefined): Promise<void> {
    const socket = this.socket;
    if (socket === undefined || this.state === 'closed' || (this.state !== 'ready' && expect !== 'ok')) {
      return Promise.reject(new Error(`connection to ${this.address} is not ready (${this.state}${this.closedReason === '' ? '' : `: ${this.closedReason}`})`));
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ expect, waiting, deadline: Date.now() + this.options.commandTimeoutMs, resolve, reject });
      socket.write(encodeCommand(args));
      this.armDeadline();
    });
  }

  /** One timer for the oldest pending command: replies come in order, so it is the one to miss first. */
  private armDeadline(): void {
    if (this.deadlineTimer !== undefined || this.pending.length === 0) return;
    const wait = Math.max(0, this.pending[0]!.deadline - Date.now());
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      const head = this.pending[0];
      if (head === undefined) return;
      if (head.deadline <= Date.now()) this.close(`no reply within ${this.options.commandTimeoutMs} ms`);
      else this.armDeadline();
    }, wait);
    this.deadlineTimer.unref();
  }

  private settleHead(err?: Error): void {
    const head = this.pending.shift();
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.armDeadline();
    if (head === undefined) return;
    if (err === undefined) head.resolve();
    else head.reject(err);
  }

  private onError(err: Error): void {
    // Replies (errors too) come in command order; an error answers a whole command.
    if (this.pending.length === 0) return this.close(`unexpected error reply: ${err.message}`);
    this.settleHead(new LinkReplyError(err.message));
  }

  private onReply(reply: unknown): void {
    if (!Array.isArray(reply)) {
      // +OK (AUTH, SETNAME) or +PONG outside subscriber mode.
      const head = this.pending[0];
      if (head === undefined || (head.expect !== 'ok' && head.expect !== 'pong')) return this.close(`unexpected reply ${JSON.stringify(reply)}`);
      return this.settleHead();
    }
    const kind = String(reply[0]).toLowerCase();
    if (kind === 'message' || kind === 'smessage') {
      this.events.message(String(reply[1]), String(reply[2]));
      return;
    }
    const head = this.pending[0];
    if (kind === 'pong') {
      if (head?.expect !== 'pong') return this.close('unexpected pong');
      return this.settleHead();
    }
    const channel = String(reply[1]);
    if (head !== undefined && head.expect === kind && head.waiting?.delete(channel) === true) {
      if (head.waiting.size === 0) this.settleHead();
      return;
    }
    // Not the answer to the oldest command: the node unsubscribed us by itself (slot migrated).
    if (kind === 'sunsubscribe') {
      this.events.evicted(channel);
      return;
    }
    this.close(`unexpected ${kind} reply for ${channel}`);
  }
}

/** RESP array of bulk strings. */
function encodeCommand(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}
