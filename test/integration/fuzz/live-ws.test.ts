// Live fuzz: random and garbled traffic against a running node — WebSocket frames (junk text,
// protocol-shaped commands with wrong types, binary, invalid UTF-8, oversized, floods, deeply
// nested data, other tenants' channels) and raw TCP bytes on the HTTP port (bad request lines,
// "GET //", broken upgrades, huge headers). The node must never crash, must answer abuse with
// protocol closes, and must keep serving a well-behaved client throughout.
// More runs: LIVEHUB_LIVE_FUZZ_RUNS=2000 node --test dist/test/integration/fuzz/live-ws.test.js

import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as fc from 'fast-check';
import { WebSocket } from 'ws';
import { RawClient } from '../../../harness/raw-client.js';
import { waitUntil } from '../../../harness/wait.js';
import { startHub, type TestHub } from '../../helpers/hub.js';
import { liveRuns } from '../../fuzz/runs.js';

/** Closes the server may answer abuse with (plus 1000/1005 when the fuzz client closes first). */
const PROTOCOL_CLOSES = new Set([1000, 1005, 1007, 1009, 3013, 3500, 3501]);
const SIZE_LIMIT = 4096;

type Frame = { readonly data: string | Buffer; readonly binary: boolean };

const channel = fc.oneof(
  fc.constantFrom('1/grafana/broadcast/fuzz', 'default/grafana/broadcast/fuzz', '2/grafana/broadcast/x', 'org-2/grafana/broadcast/x', '1/stream/s/m',
    '1/plugin/testdata/random-2s-stream', '1/plugin/nope/x', '1/ds/nope/x', '1/grafana/dashboard/uid/x', '1/grafana/nope/x', '0/a/b/c', '', '/', '1//x', '1/a b/c/d'),
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 300 }),
);
const method = fc.constantFrom('connect', 'subscribe', 'unsubscribe', 'publish', 'presence', 'presence_stats', 'history', 'rpc', 'refresh', 'sub_refresh', 'ping', 'send', 'bogus');
const shaped = fc
  .tuple(fc.option(fc.oneof(fc.nat(100), fc.integer(), fc.constantFrom('1', 1.5, -1, 2 ** 33)), { nil: undefined }), method,
    fc.oneof(fc.record({ channel, data: fc.jsonValue({ maxDepth: 3 }), token: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 })))
  .map(([id, m, body]) => JSON.stringify(id === undefined ? { [m]: body } : { id, [m]: body }));

const frame: fc.Arbitrary<Frame> = fc.oneof(
  { weight: 4, arbitrary: fc.array(shaped, { minLength: 1, maxLength: 4 }).map((lines) => ({ data: lines.join('\n'), binary: false })) },
  { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((data) => ({ data, binary: false })) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => ({ data: Buffer.from(a), binary: true })) },
  // Invalid UTF-8 in a text frame (ws answers 1007).
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 50 }).map((a) => ({ data: Buffer.concat([Buffer.from(a), Buffer.from([0xc3, 0x28])]), binary: false })) },
  { weight: 1, arbitrary: fc.integer({ min: SIZE_LIMIT + 1, max: SIZE_LIMIT * 4 }).map((n) => ({ data: 'x'.repeat(n), binary: false })) },
  // A flood of pongs/commands in one message, past the command burst.
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 1300 }).map((n) => ({ data: Array.from({ length: n }, () => '{}').join('\n'), binary: false })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1500 }).map((d) => ({ data: `{"id":2,"publish":{"channel":"1/grafana/broadcast/fuzz","data":${'['.repeat(d)}${']'.repeat(d)}}}`, binary: false })) },
  { weight: 1, arbitrary: fc.constantFrom<Frame>({ data: '', binary: false }, { data: '\n', binary: false }, { data: '{}', binary: false }, { data: '{"id":1,"connect":{}}', binary: false }) },
);

const session = fc.record({
  connectFirst: fc.boolean(),
  token: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }),
  frames: fc.array(frame, { minLength: 1, maxLength: 5 }),
});

function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { maxPayload: 0 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends the frames, then waits for the server's close (or closes itself after a quiet spell). */
async function play(url: string, s: { connectFirst: boolean; token: string | undefined; frames: Frame[] }): Promise<number> {
  const ws = await openSocket(url);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  if (s.connectFirst) ws.send(JSON.stringify({ id: 1, connect: s.token === undefined ? {} : { token: s.token } }));
  for (const f of s.frames) {
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(f.data, { binary: f.binary });
  }
  const quiet = new Promise<'quiet'>((resolve) => setTimeout(() => resolve('quiet'), 150));
  const first = await Promise.race([closed, quiet]);
  if (first === 'quiet') {
    ws.close(1000);
    const t = setTimeout(() => ws.terminate(), 2000);
    const code = await closed;
    clearTimeout(t);
    return code;
  }
  return first;
}

describe('live fuzz', () => {
  let server: TestHub;
  let good: RawClient;
  let seq = 0;

  before(async () => {
    server = await startHub({ GF_LIVE_MESSAGE_SIZE_LIMIT: String(SIZE_LIMIT), GF_LIVE_CLIENT_COMMAND_BURST: '200', GF_LIVE_CLIENT_COMMAND_RATE: '100', GF_LOG_LEVEL: 'error' });
    good = await RawClient.open(server.wsUrl);
    await good.connect();
    good.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/good' } });
    assert.deepEqual((await good.reply(2))['subscribe'], {});
  });
  after(async () => {
    good.close();
    await server.stop();
  });

  /** The well-behaved client still gets a publication made through the HTTP API. */
  async function goodClientServed(): Promise<void> {
    const marker = ++seq;
    const res = await fetch(`${server.httpUrl}/api/live/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'grafana/broadcast/good', data: { marker } }),
    });
    assert.equal(res.status, 200);
    await good.next((f) => (f['push'] as { pub?: { data?: { marker?: number } } } | undefined)?.pub?.data?.marker === marker, 3000);
  }

  test('random WebSocket traffic: protocol closes only, the node keeps serving', async () => {
    const codes = new Map<number, number>();
    const samples = fc.sample(session, { numRuns: liveRuns(80) });
    for (const [i, s] of samples.entries()) {
      const code = await play(server.wsUrl, s);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      assert.ok(PROTOCOL_CLOSES.has(code), `close ${code} for ${JSON.stringify(s).slice(0, 500)}`);
      if (i % 10 === 9) await goodClientServed();
    }
    await goodClientServed();
    await waitUntil(() => server.hub.node.numClients === 1, 'fuzz connections to be released', 5000, 10);
    // Abuse was answered with the documented closes (not just by us closing).
    if (process.env['LIVEHUB_FUZZ_VERBOSE'] !== undefined) console.log('close codes', JSON.stringify([...codes].sort()));
    assert.ok([...codes.keys()].some((c) => c >= 3000 || c === 1009 || c === 1007), JSON.stringify([...codes]));
  });

  test('raw TCP garbage on the HTTP port never takes the node down', async () => {
    const requestLine = fc.oneof(
      fc.constantFrom('GET // HTTP/1.1', 'GET //[ HTTP/1.1', 'GET /%zz HTTP/1.1', 'GET http://x:99999/ HTTP/1.1', 'GET * HTTP/1.1', 'OPTIONS * HTTP/1.1', 'GET /api/live/ws HTTP/1.0',
        'POST /api/live/push/%2F HTTP/1.1', 'POST /api/live/publish HTTP/1.1', 'GET /api/live/push/x HTTP/1.1', 'BREW /pot HTCPCP/1.0', 'GET / HTTP/9.9', '\u0000\u0001'),
      fc.string({ maxLength: 80 }),
    );
    const header = fc.oneof(
      fc.constantFrom('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Key: short', 'Content-Length: 5', 'Content-Length: -1', 'Content-Length: 99999999999', 'Transfer-Encoding: chunked', 'Content-Encoding: gzip',
        'Authorization: Bearer x', 'Origin: null', 'Host:', 'Host: a b', `X-Big: ${'a'.repeat(20_000)}`),
      fc.string({ maxLength: 60 }),
    );
    const garbage = fc.tuple(requestLine, fc.array(header, { maxLength: 6 }), fc.string({ maxLength: 100 }), fc.boolean())
      .map(([line, headers, body, crlf]) => `${line}\r\n${headers.join('\r\n')}${crlf ? '\r\n\r\n' : '\n'}${body}`);
    // Inputs that once ended the process ("GET //" is a valid request target but not a relative URL).
    const known = [
      'GET // HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET // HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      'GET //[ HTTP/1.1\r\nHost: x\r\n\r\n',
    ];
    const samples = [...known, ...fc.sample(fc.oneof(garbage, fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))), { numRuns: liveRuns(60) })];
    for (const [i, bytes] of samples.entries()) {
      await new Promise<void>((resolve) => {
        const socket = tcpConnect({ host: '127.0.0.1', port: server.port }, () => socket.end(bytes));
        socket.on('data', () => undefined);
        socket.on('error', () => undefined);
        const timer = setTimeout(() => socket.destroy(), 500);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (i % 10 === 9) {
        assert.equal((await fetch(`${server.httpUrl}/api/health`)).status, 200);
        await goodClientServed();
      }
    }
    await goodClientServed();
  });
});
