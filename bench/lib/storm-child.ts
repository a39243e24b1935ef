// Load generator child of the `storm` scenario (bench/storm.ts): holds connected livehub clients
// (anonymous, RawWs), then on command makes ALL of them subscribe to one channel at the same moment
// and reports when the last subscribe reply arrived, and how many join/leave pushes and WebSocket
// frames every client received. Answers pings. IPC: child-ipc.ts.

import { serveCommands } from './child-ipc.js';
import { nowMs } from './protocol.js';
import { RawWs, type RawWsEvents } from './rawws.js';

export interface StormOpenCommand {
  readonly cmd: 'open';
  readonly host: string;
  readonly port: number;
  readonly count: number;
  readonly localAddresses: readonly string[];
  readonly timeoutMs: number;
}

export interface StormSubscribeCommand {
  readonly cmd: 'subscribe';
  readonly channel: string;
  readonly timeoutMs: number;
}

export interface StormOpened {
  readonly connected: number;
  readonly failed: number;
  readonly failures: string[];
}

export interface StormSubscribed {
  /** Epoch ms when the subscribes were written. */
  readonly sentAt: number;
  readonly answered: number;
  readonly errors: number;
  readonly firstError?: string;
  /** Epoch ms of the last reply (NaN when none). */
  readonly lastReplyAt: number;
}

export interface StormCounts {
  readonly joins: number;
  readonly leaves: number;
  /** WebSocket messages received (replies and pushes; pings not counted). */
  readonly frames: number;
  readonly open: number;
}

interface Conn {
  connected: boolean;
  subscribed: boolean;
}

const conns: RawWs[] = [];
let failures: string[] = [];
let joins = 0;
let leaves = 0;
let frames = 0;
let pendingSubscribes = 0;
let subscribeErrors = 0;
let firstError: string | undefined;
let lastReplyAt = Number.NaN;
let onProgress: (() => void) | undefined;

const SUBSCRIBE_ID = '{"id":2,';

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

const events: RawWsEvents = {
  open(ws) {
    ws.send('{"id":1,"connect":{}}');
  },
  frame(ws, buf, start, end) {
    const text = buf.toString('utf8', start, end);
    const conn = ws.data as Conn;
    if (text === '{}') {
      ws.send('{}');
      return;
    }
    frames++;
    joins += countOccurrences(text, '"join":{');
    leaves += countOccurrences(text, '"leave":{');
    if (!conn.connected && text.startsWith('{"id":1,')) {
      conn.connected = true;
      if (text.includes('"error"')) failures.push(text.slice(0, 200));
      onProgress?.();
    }
    const at = text.indexOf(SUBSCRIBE_ID);
    if (at >= 0 && !conn.subscribed) {
      conn.subscribed = true;
      pendingSubscribes--;
      lastReplyAt = nowMs();
      const eol = text.indexOf('\n', at);
      const line = eol < 0 ? text.slice(at) : text.slice(at, eol);
      if (line.startsWith('{"id":2,"error"')) {
        subscribeErrors++;
        firstError ??= line.slice(0, 200);
      }
      onProgress?.();
    }
  },
  close() {
    onProgress?.();
  },
  fail(_ws, reason) {
    if (failures.length < 10) failures.push(reason);
    onProgress?.();
  },
};

/** Resolves once `done()` holds, checked on every socket event (no polling), or at the deadline. */
function untilProgress(done: () => boolean, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    function finish(): void {
      clearTimeout(timer);
      onProgress = undefined;
      resolve();
    }
    onProgress = () => {
      if (done()) finish();
    };
    onProgress();
  });
}

async function open(cmd: StormOpenCommand): Promise<StormOpened> {
  failures = [];
  const deadline = Date.now() + cmd.timeoutMs;
  let next = 0;
  // At most 400 handshakes in flight, as the load generator does (generator/subscribers.ts): a burst
  // of SYNs beyond the listen backlog only measures the kernel.
  while (next < cmd.count && Date.now() < deadline) {
    const inFlight = conns.filter((w) => w.state === 0 || !(w.data as Conn).connected).length;
    for (let k = Math.max(0, 400 - inFlight); k > 0 && next < cmd.count; k--, next++) {
      const local = cmd.localAddresses.length === 0 ? undefined : cmd.localAddresses[next % cmd.localAddresses.length];
      const ws = new RawWs(cmd.host, cmd.port, '/api/live/ws', local, events);
      ws.data = { connected: false, subscribed: false } satisfies Conn;
      conns.push(ws);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const settled = (): boolean => conns.every((w) => w.state === 2 || (w.data as Conn).connected);
  await untilProgress(settled, Math.max(0, deadline - Date.now()));
  const connected = conns.filter((w) => w.state === 1 && (w.data as Conn).connected).length;
  return { connected, failed: conns.length - connected, failures: failures.slice(0, 10) };
}

async function subscribe(cmd: StormSubscribeCommand): Promise<StormSubscribed> {
  const text = `{"id":2,"subscribe":{"channel":${JSON.stringify(cmd.channel)}}}`;
  const live = conns.filter((w) => w.state === 1);
  pendingSubscribes = live.length;
  subscribeErrors = 0;
  firstError = undefined;
  lastReplyAt = Number.NaN;
  const sentAt = nowMs();
  for (const ws of live) ws.send(text);
  await untilProgress(() => pendingSubscribes === 0, cmd.timeoutMs);
  return {
    sentAt,
    answered: live.length - pendingSubscribes,
    errors: subscribeErrors,
    ...(firstError === undefined ? {} : { firstError }),
    lastReplyAt,
  };
}

function counts(): StormCounts {
  return { joins, leaves, frames, open: conns.filter((w) => w.state === 1).length };
}

serveCommands<{ cmd: string }>((command, { reply, fail }) => {
  switch (command.cmd) {
    case 'open':
      open(command as StormOpenCommand).then(reply, fail);
      break;
    case 'subscribe':
      subscribe(command as StormSubscribeCommand).then(reply, fail);
      break;
    case 'counts':
      reply(counts());
      break;
    case 'closeAll':
      for (const ws of conns) ws.close();
      conns.length = 0;
      reply(null);
      break;
    case 'exit':
      reply(null);
      setTimeout(() => process.exit(0), 10);
      break;
    default:
      fail(new Error(`unknown command ${command.cmd}`));
  }
});
