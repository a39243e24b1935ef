// Peer for the benchmarks: Socket.IO 4 with its recommended settings for this comparison —
// WebSocket transport only, no compression — rooms as channels and `io.to(room).emit` to publish.
// With REDIS_URL set it uses @socket.io/redis-adapter (classic PUB/SUB adapter, ioredis clients),
// the multi-node setup Socket.IO documents. Events: "sub"(room, ack), "pub"(room, data, ack) →
// emit "m"(data) to the room, "rtt"(ack). Pings every PING_MS (default 25 s, Socket.IO's default).
// The memory hook is preloaded by the runner, as for livehub (bench/preload/memory-hook.ts).

import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

// Every request belongs to engine.io (it answers /socket.io/ itself).
const http = createServer();
const io = new Server(http, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
  maxHttpBufferSize: 65536,
  pingInterval: Number(process.env['PING_MS'] ?? 25_000),
  pingTimeout: 20_000,
});

const redisUrl = process.env['REDIS_URL'];
if (redisUrl !== undefined && redisUrl !== '') {
  const pub = new Redis(redisUrl);
  const sub = pub.duplicate();
  io.adapter(createAdapter(pub, sub));
}

io.on('connection', (socket) => {
  socket.on('sub', (room: string, ack?: () => void) => {
    void socket.join(room);
    ack?.();
  });
  socket.on('pub', (room: string, data: unknown, ack?: () => void) => {
    io.to(room).emit('m', data);
    ack?.();
  });
  socket.on('rtt', (ack?: () => void) => ack?.());
});

http.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`socketio listening ${JSON.stringify(http.address())}\n`);
});
process.on('SIGTERM', () => process.exit(0));
