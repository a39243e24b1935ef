// Peer for the benchmarks: a bare `ws` server doing the least a pub/sub server can do, the way
// livehub does it — accept, keep a Set per channel, frame each message once with Sender.frame and
// write the same buffers to every subscriber (sendFrame), and ping every socket with an app-level
// `{}` on one shared interval (default 25 s). Protocol: {"sub":C} → {"subok":C};
// {"pub":C,"id":N,"data":…} → push to C's subscribers, {"ack":N} to the publisher; {"rtt":N} → echo.
// The memory hook is preloaded by the runner, as for livehub (bench/preload/memory-hook.ts).

import { createServer } from 'node:http';
import * as wsModule from 'ws';
import { WebSocketServer, type WebSocket } from 'ws';

type FrameSender = { sendFrame(list: Buffer[], cb?: () => void): void };
// ws's ESM entry exports its Sender (not declared by @types/ws).
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
const frameOptions = { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false };
const frame = (text: string): Buffer[] => Sender.frame(Buffer.from(text), frameOptions);
const sender = (ws: WebSocket): FrameSender => (ws as unknown as { _sender: FrameSender })._sender;

const channels = new Map<string, Set<WebSocket>>();
const sockets = new Set<WebSocket>();
const server = createServer((_req, res) => void res.writeHead(404).end());
const wss = new WebSocketServer({ server, path: '/ws', clientTracking: false, perMessageDeflate: false, maxPayload: 65536 });

wss.on('connection', (ws) => {
  sockets.add(ws);
  const mine: string[] = [];
  ws.on('message', (data) => {
    const text = data.toString();
    if (text === '{}') return; // pong
    const msg = JSON.parse(text) as { sub?: string; pub?: string; id?: number; data?: unknown; rtt?: number };
    if (msg.sub !== undefined) {
      let set = channels.get(msg.sub);
      if (set === undefined) channels.set(msg.sub, (set = new Set()));
      set.add(ws);
      mine.push(msg.sub);
      ws.send(`{"subok":${JSON.stringify(msg.sub)}}`);
    } else if (msg.pub !== undefined) {
      const list = frame(`{"push":{"channel":${JSON.stringify(msg.pub)},"pub":{"data":${JSON.stringify(msg.data)}}}}`);
      for (const s of channels.get(msg.pub) ?? []) sender(s).sendFrame(list);
      ws.send(`{"ack":${msg.id}}`);
    } else if (msg.rtt !== undefined) {
      ws.send(`{"rtt":${msg.rtt}}`);
    }
  });
  ws.on('close', () => {
    sockets.delete(ws);
    for (const ch of mine) channels.get(ch)?.delete(ws);
  });
  ws.on('error', () => undefined);
});

const ping = frame('{}');
setInterval(() => {
  for (const ws of sockets) sender(ws).sendFrame(ping);
}, Number(process.env['PING_MS'] ?? 25_000)).unref();

server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`bare-ws listening ${JSON.stringify(server.address())}\n`);
});
process.on('SIGTERM', () => process.exit(0));
