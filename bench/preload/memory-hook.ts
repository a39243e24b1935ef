// Preload module of every server a benchmark measures (livehub and the peers alike):
//   node --expose-gc --import ./dist/bench/preload/memory-hook.js dist/src/cli.js
// With BENCH_MEMORY_PORT set it listens on 127.0.0.1:<port> and answers GET /memory with the settled
// memory of this process (memory-snapshot.ts); without it, it does nothing. The measured program
// knows nothing about it: no route, no env check in src/. It blocks the event loop for full GCs on
// every call, so it is for benchmarks only (bench/lib/servers.ts starts it).

import { createServer } from 'node:http';
import { MEMORY_HOOK_PATH, MEMORY_HOOK_PORT_ENV, settledMemorySnapshot } from './memory-snapshot.js';

const port = Number(process.env[MEMORY_HOOK_PORT_ENV] ?? '');
if (Number.isInteger(port) && port > 0) {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== MEMORY_HOOK_PATH) return void res.writeHead(404).end();
    void settledMemorySnapshot().then((m) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(m)));
  });
  // Never what keeps the process alive, and a port that is taken fails the benchmark loudly.
  server.unref();
  server.on('error', (err) => {
    process.stderr.write(`memory hook: cannot listen on 127.0.0.1:${port}: ${err.message}\n`);
    process.exit(70);
  });
  server.listen(port, '127.0.0.1');
}
