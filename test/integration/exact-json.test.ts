// Published JSON keeps its exact text (issue 13): numbers JSON.parse would round or turn into null
// (12345678901234567890, 1e400) and the client's own spacing reach subscribers byte for byte, over
// POST /api/live/publish and over the WebSocket publish command, as Grafana forwards the raw bytes.
// Payloads nested deeper than [server] max_json_depth are refused on both paths.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

/** Written by hand: JavaScript cannot produce this text with JSON.stringify. */
const EXACT = '{"big":12345678901234567890, "huge":1e400,"neg":-1E-400,"frac":0.10000000000000000000001,"s":"\\u00e9\\n"}';

describe('published JSON keeps its exact text', () => {
  let server: TestHub;
  let subscriber: RawClient;
  before(async () => {
    server = await startHub({ GF_SERVER_MAX_JSON_DEPTH: '16' });
    subscriber = await RawClient.open(server.wsUrl);
    await subscriber.connect();
    subscriber.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/exact' } });
    await subscriber.reply(2);
  });
  after(async () => {
    subscriber.close();
    await server.stop();
  });

  async function receivedText(marker: string): Promise<string> {
    await waitUntil(() => subscriber.lines.some((l) => l.includes(marker)), `publication ${marker}`, 5000, 10);
    return subscriber.lines.find((l) => l.includes(marker))!;
  }

  test('over HTTP: the subscriber receives the exact bytes of data', async () => {
    const data = EXACT.replace('"s"', '"via":"http","s"');
    const res = await postJson(`${server.httpUrl}/api/live/publish`, `{"channel":"grafana/broadcast/exact","data":${data}}`);
    assert.equal(res.status, 200, res.text);
    const line = await receivedText('"via":"http"');
    assert.ok(line.includes(`"data":${data}`), line);
  });

  test('over the WebSocket: the subscriber receives the exact bytes of data', async () => {
    const publisher = await RawClient.open(server.wsUrl);
    await publisher.connect();
    const data = EXACT.replace('"s"', '"via":"ws","s"');
    publisher.sendRaw(`{"id":2,"publish":{"channel":"1/grafana/broadcast/exact","data":${data}}}`);
    const reply = await publisher.reply(2);
    assert.equal(reply['error'], undefined);
    const line = await receivedText('"via":"ws"');
    assert.ok(line.includes(`"data":${data}`), line);
    publisher.close();
  });

  test('the last message kept for new subscribers is the exact text too', async () => {
    const late = await RawClient.open(server.wsUrl);
    await late.connect();
    late.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/exact' } });
    await late.reply(2);
    const reply = late.lines.find((l) => l.includes('"id":2'))!;
    assert.ok(reply.includes('12345678901234567890') && reply.includes('1e400'), reply);
    late.close();
  });

  test('the real centrifuge client receives the same publication (parsed by JSON.parse on its side)', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/grafana/broadcast/exact');
    const got = collect(sub);
    await subscribed(sub);
    await postJson(`${server.httpUrl}/api/live/publish`, '{"channel":"grafana/broadcast/exact","data":{"via":"cf","n":12345678901234567890}}');
    await waitUntil(() => got.some((p) => (p.data as { via?: string }).via === 'cf'), 'centrifuge publication', 5000, 10);
    assert.equal((got.find((p) => (p.data as { via?: string }).via === 'cf')!.data as { n: number }).n, 12345678901234567890);
    client.disconnect();
  });

  test('data nested deeper than max_json_depth: 400 over HTTP, error 107 over the WebSocket, nothing published', async () => {
    const deep = `${'['.repeat(17)}"deep-marker"${']'.repeat(17)}`;
    const http = await postJson(`${server.httpUrl}/api/live/publish`, `{"channel":"grafana/broadcast/exact","data":${deep}}`);
    assert.equal(http.status, 400);
    assert.match(http.text, /nested 17 levels deep, more than the limit of 16/);
    const publisher = await RawClient.open(server.wsUrl);
    await publisher.connect();
    publisher.sendRaw(`{"id":3,"publish":{"channel":"1/grafana/broadcast/exact","data":${deep}}}`);
    assert.deepEqual((await publisher.reply(3))['error'], { code: 107, message: 'bad request' });
    // 16 levels pass, and arrive after the refused ones: those were never published.
    const ok = `${'['.repeat(16)}"ok-marker"${']'.repeat(16)}`;
    publisher.sendRaw(`{"id":4,"publish":{"channel":"1/grafana/broadcast/exact","data":${ok}}}`);
    assert.equal((await publisher.reply(4))['error'], undefined);
    await receivedText('ok-marker');
    assert.ok(!subscriber.lines.some((l) => l.includes('deep-marker')));
    // 100,000 levels (a 500 before): still the client's error, and the connection stays usable.
    const huge = `{"channel":"grafana/broadcast/exact","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    assert.equal((await postJson(`${server.httpUrl}/api/live/publish`, huge)).status, 400);
    publisher.close();
  });
});
