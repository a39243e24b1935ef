// ClientSession without a socket: a real LiveNode over the in-process memory engine, wired the way
// src/server.ts wires it (handler registry, the grafana scope with broadcast, the real Authenticator
// verifying HS256 connect tokens), and a fake transport that records what the session writes and how
// it closes. Time is Node's mock clock (Date and setInterval: the keepalive wheel, token expiry), moved
// by `advance`. No process, no socket, no wall-clock wait: each test takes milliseconds.

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Authenticator } from '../../src/auth/authenticator.js';
import type { Identity } from '../../src/auth/identity.js';
import { EngineUnavailableError, type Engine, type EngineEventHandler, type NodeStats, type Publication } from '../../src/engine/engine.js';
import { MemoryEngine } from '../../src/engine/memory/memory-engine.js';
import { registerBroadcast } from '../../src/features/broadcast.js';
import { GrafanaScope } from '../../src/features/grafana-scope.js';
import { ClientSession, PONG_TEXT, type ClientTransport, type SessionLimits } from '../../src/live/client.js';
import { HandlerRegistry, type ChannelHandler, type SubscribeResult } from '../../src/live/handlers.js';
import type { MessageHandler, RpcMethod } from '../../src/live/live-facade.js';
import { LiveNode, type NodeOptions } from '../../src/live/node.js';
import { createLogger } from '../../src/log/logger.js';
import { JSON_CODEC } from '../../src/protocol/json-codec.js';
import { PING } from '../../src/protocol/replies.js';
import type { OutboundMessage } from '../../src/protocol/outbound-message.js';
import { testConfig } from '../auth/helpers.js';
import { signJwt } from '../auth/sign-jwt.js';

export const VERSION = '0.0.0-test';
/** The mock clock starts here (epoch ms), a whole second. */
export const START_MS = 1_700_000_000_000;
export const HMAC_SECRET = 'session-testbed-hmac-secret-32-bytes-or-more';
/** The keepalive wheel ticks every 250 ms with the default 25 s ping interval (node.ts). */
const WHEEL_TICK_MS = 250;

/** Grafana's defaults ([live] section), a small history so tests can outrun it. */
export const NODE_DEFAULTS: NodeOptions = {
  nodeId: 'node-test',
  version: VERSION,
  maxConnections: -1,
  clientQueueMaxSize: 4 * 1024 * 1024,
  historySize: 10,
  historyTtlSeconds: 300,
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  connectTimeoutMs: 15_000,
  maxUnauthenticatedConnections: -1,
  maxUnauthenticatedPerAddress: -1,
  tenantForm: 'numeric',
  joinLeaveMaxSubscribers: 100,
};

/** An Editor of org 1 holding an API token (what the upgrade request authenticated). */
export function identity(overrides: Partial<Identity> = {}): Identity {
  return { userId: '7', login: 'sa-seven', name: 'seven', orgId: 1, role: 'Editor', authMethod: 'api_token', ...overrides };
}

/** An HS256 connect token the testbed's Authenticator accepts; `expiresInSeconds` from the mock clock. */
export function connectToken(claims: { sub?: string; orgId?: number; expiresInSeconds?: number } = {}): string {
  const payload: Record<string, unknown> = { sub: claims.sub ?? '7', org_id: claims.orgId ?? 1, role: 'Editor' };
  if (claims.expiresInSeconds !== undefined) payload['exp'] = Math.floor(Date.now() / 1000) + claims.expiresInSeconds;
  return signJwt({ alg: 'HS256' }, payload, HMAC_SECRET);
}

// ---- the transport ---------------------------------------------------------------------------------

/** Records what the session writes (JSON text, one message per line) and how it closes the socket. */
export class FakeTransport implements ClientTransport {
  readonly name = 'websocket';
  readonly codec = JSON_CODEC;
  /** What the socket has not flushed yet; a test sets it to play a client that stopped reading. */
  bufferedBytes = 0;
  closed: { readonly code: number; readonly reason: string } | undefined;
  /** Writes after close: the session must never make any. */
  writesAfterClose = 0;
  /** Called with each server ping (`{}`), as a client that answers pings would see it. */
  onPing: (() => void) | undefined;
  private readonly written: string[] = [];
  private taken = 0;

  write(message: OutboundMessage): void {
    if (this.closed !== undefined) this.writesAfterClose++;
    // Several messages in one write are newline-joined (protocol §2): one line per message.
    for (const line of message.text.split('\n')) {
      this.written.push(line);
      if (line === PING) this.onPing?.();
    }
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  /** Every line written so far. */
  get lines(): readonly string[] {
    return this.written;
  }

  /** The lines written since the last take. */
  take(): string[] {
    const fresh = this.written.slice(this.taken);
    this.taken = this.written.length;
    return fresh;
  }

  /** What the protocol forbids on the wire: a line that is not one JSON object, a write after close. */
  violations(): string[] {
    const found = this.written.filter((line) => !isJsonObject(line)).map((line) => `not a JSON object: ${line}`);
    if (this.writesAfterClose > 0) found.push(`${this.writesAfterClose} writes after close`);
    return found;
  }
}

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

// ---- the engine ------------------------------------------------------------------------------------

/**
 * Wraps one part of the engine port: while `down()`, each method call fails with
 * EngineUnavailableError (what the Redis engine's calls do during an outage); `after` runs after a
 * named method's real call and before its caller sees the result.
 */
function switchable<T extends object>(part: T, down: () => boolean, after: Map<string, () => Promise<void>>): T {
  return new Proxy(part, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (down()) throw new EngineUnavailableError('engine unavailable: redis connection lost');
        const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
        const hook = typeof key === 'string' ? after.get(key) : undefined;
        if (hook !== undefined) {
          after.delete(key as string);
          await hook();
        }
        return result;
      };
    },
  });
}

/** The memory engine with an outage switch and one-shot hooks (see `switchable`). */
export class TestEngine implements Engine {
  readonly kind = 'memory' as const;
  readonly memory: MemoryEngine;
  readonly broker: Engine['broker'];
  readonly presence: Engine['presence'];
  readonly store: Engine['store'];
  /** Set to make the broker, presence and store fail as during a Redis outage. */
  down = false;
  private readonly hooks = new Map<string, () => Promise<void>>();

  constructor() {
    this.memory = new MemoryEngine({ id: 'node-test', name: 'test', version: VERSION });
    const down = (): boolean => this.down;
    this.broker = switchable(this.memory.broker, down, this.hooks);
    this.presence = switchable(this.memory.presence, down, this.hooks);
    this.store = switchable(this.memory.store, down, this.hooks);
  }

  get frames(): Engine['frames'] {
    return this.memory.frames;
  }

  get cluster(): Engine['cluster'] {
    return this.memory.cluster;
  }

  /** Runs `hook` once, right after the next call of `method` (e.g. `history`) returned from the engine. */
  afterNext(method: string, hook: () => Promise<void> | void): void {
    this.hooks.set(method, async () => hook());
  }

  start(handler: EngineEventHandler, stats: () => NodeStats): Promise<void> {
    return this.memory.start(handler, stats);
  }

  health(): ReturnType<Engine['health']> {
    return this.memory.health();
  }

  close(): Promise<void> {
    return this.memory.close();
  }
}

// ---- the testbed -----------------------------------------------------------------------------------

export interface TestSession {
  readonly session: ClientSession;
  readonly transport: FakeTransport;
  /** Sends the commands as one frame (newline-joined JSON, as centrifuge-js does) and lets them run. */
  send(...commands: object[]): Promise<void>;
  /** Sends one raw text frame and lets it run. */
  sendText(text: string): Promise<void>;
  /** Sends `connect` (id 1, with `token` when given) and returns the reply line. */
  connect(token?: string): Promise<string>;
  /** Lines written since the last take. */
  take(): string[];
}

export interface SlowChannel {
  /** Lets every waiting and later subscribe through. */
  open(): void;
  /** Subscribes the handler has seen. */
  readonly calls: number;
}

export interface SessionOptions {
  /** The upgrade request's credential; `null`: none (the connect token must supply one). */
  readonly identity?: Identity | null;
  readonly limits?: SessionLimits;
  /** Client address of a socket without a credential (admission caps). */
  readonly unauthenticatedFrom?: string;
  /** Answer each ping with a pong, as centrifuge-js does after `pong: true` (the pings are still recorded). */
  readonly answersPings?: boolean;
}

export interface Testbed {
  readonly node: LiveNode;
  readonly engine: TestEngine;
  readonly logs: Record<string, unknown>[];
  /** A new session, opened on the node as the WebSocket endpoint opens it. */
  session(options?: SessionOptions): TestSession;
  /** A session that sent `connect` and got its reply (taken). */
  connected(options?: SessionOptions): Promise<TestSession>;
  /** Serves `test/<namespace>/*` channels with `handler`. */
  handle(namespace: string, handler: ChannelHandler): void;
  /** Serves `test/<namespace>/*` with a handler whose subscribes answer `result` only once the gate opens. */
  slow(namespace: string, result?: SubscribeResult): SlowChannel;
  /** Publishes through the node, as the HTTP publish route and the features do. */
  publish(fullChannel: string, data: string, history?: boolean): Promise<void>;
  /** A publication arriving from the engine (another node, a Redis PUB/SUB message). */
  fromEngine(fullChannel: string, publication: Publication): void;
  rpc(method: string, handler: RpcMethod): void;
  onMessage(handler: MessageHandler): void;
  /** Moves the mock clock forward, one keepalive tick at a time, running the wheel on the way. */
  advance(ms: number): Promise<void>;
}

/** Lets queued commands and the engine's promises run (nothing in the testbed waits on real time). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function testbed(t: TestContext, nodeOptions: Partial<NodeOptions> = {}): Promise<Testbed> {
  t.mock.timers.enable({ apis: ['Date', 'setInterval'], now: START_MS });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const engine = new TestEngine();
  const registry = new HandlerRegistry();
  const node = new LiveNode({ ...NODE_DEFAULTS, ...nodeOptions }, engine, registry, logger.child('node'));
  registerBroadcast(new GrafanaScope(registry), node);
  const testHandlers = new Map<string, ChannelHandler>();
  registry.register('test', (address) => testHandlers.get(address.namespace));
  const config = testConfig({ jwt: { enabled: true, hmacSecret: HMAC_SECRET } });
  const auth = new Authenticator(config, { now: () => Date.now(), tokenStoreOptions: { reloadCheckIntervalMs: 0 } });
  await node.start();
  const transports: FakeTransport[] = [];
  t.after(async () => {
    await node.shutdown(3001, 'shutdown');
    assert.deepEqual(transports.flatMap((transport) => transport.violations()), [], 'every session wrote only JSON objects, none after its close');
  });

  const session = (options: SessionOptions = {}): TestSession => {
    const transport = new FakeTransport();
    transports.push(transport);
    const identityOf = options.identity === undefined ? identity() : options.identity ?? undefined;
    // The one place a session is built: as src/transport/live-ws.ts builds it for an accepted socket.
    const created = new ClientSession(node, transport, identityOf, auth, options.limits);
    // The client answers after receiving the ping, never from inside the session's write.
    if (options.answersPings === true) transport.onPing = () => queueMicrotask(() => created.onMessage(PONG_TEXT));
    created.open(options.unauthenticatedFrom);
    const sendText = async (text: string): Promise<void> => {
      created.onMessage(text);
      await settle();
    };
    return {
      session: created,
      transport,
      sendText,
      send: (...commands) => sendText(commands.map((c) => JSON.stringify(c)).join('\n')),
      async connect(token) {
        await sendText(JSON.stringify({ id: 1, connect: token === undefined ? {} : { token } }));
        return transport.take()[0] ?? '';
      },
      take: () => transport.take(),
    };
  };

  return {
    node,
    engine,
    logs,
    session,
    async connected(options) {
      const s = session(options);
      await s.connect();
      return s;
    },
    handle: (namespace, handler) => testHandlers.set(namespace, handler),
    slow(namespace, result = { status: 'ok' }) {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const slow = { open, calls: 0 };
      testHandlers.set(namespace, {
        onSubscribe: async () => {
          slow.calls++;
          await gate;
          return result;
        },
        onPublish: async () => ({ status: 'ok' }),
      });
      return slow;
    },
    async publish(fullChannel, data, history = false) {
      await node.publish(fullChannel, data, { history });
      await settle();
    },
    fromEngine: (fullChannel, publication) => node.onPublication(fullChannel, publication),
    rpc: (method, handler) => node.registerRpc(method, handler),
    onMessage: (handler) => node.setMessageHandler(handler),
    async advance(ms) {
      for (let left = ms; left > 0; left -= WHEEL_TICK_MS) {
        t.mock.timers.tick(Math.min(WHEEL_TICK_MS, left));
        await settle();
      }
    },
  };
}
