// centrifuge-js configured with transports [websocket, http_stream, sse] behind a proxy that blocks
// WebSocket upgrades (test/helpers/blocking-proxy.ts), or against a hub that does not serve the
// WebSocket ([live] transports): it falls back to HTTP-streaming, then SSE, and subscribes,
// publishes, recovers and sees presence as over a WebSocket. The emulation endpoint's answers and the
// stream transports' limits (queue 3008, pongs 3012, max_connections 3504) are checked raw.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { collect, connected, subscribed } from '../helpers/centrifuge.js';
import { startBlockingProxy, type BlockingProxy } from '../helpers/blocking-proxy.js';
import { cutStreams, fallbackClient, type LiveEndpoints, type VariantTransport } from '../helpers/fallback-client.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';
import { metric, scrapeMetrics } from '../../harness/metrics.js';
import { RawStreamClient } from '../helpers/raw-stream.js';
import { waitUntil } from '../../harness/wait.js';

const ALL: readonly VariantTransport[] = ['websocket', 'http_stream', 'sse'];

/** Connects and reports the transport the client ended up on. */
async function connectedOver(client: Centrifuge): Promise<string> {
  let transport = '';
  client.once('connected', (ctx) => {
    transport = ctx.transport;
  });
  await connected(client);
  return transport;
}

/**
 * Subscribe (recoverable), publish and receive, presence, then a network cut: what was published
 * meanwhile is recovered on resubscribe.
 */
async function exercise(client: Centrifuge, hub: TestHub, channel: string, tap: () => void): Promise<void> {
  const sub = client.newSubscription(`1/${channel}`, { recoverable: true });
  const received: PublicationContext[] = collect(sub);
  const subscribedEvents: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
  sub.on('subscribed', (ctx) => subscribedEvents.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
  await subscribed(sub);
  await sub.publish({ n: 1 });
  await waitUntil(() => received.length === 1, 'own publication', 5000, 10);
  const presence = await sub.presence();
  assert.equal(Object.keys(presence.clients).length, 1);
  assert.deepEqual(await sub.presenceStats(), { numClients: 1, numUsers: 1 });
  tap();
  await waitUntil(() => client.state !== 'connected', 'client to notice the cut', 5000, 10);
  for (let n = 2; n <= 3; n++) await postJson(`${hub.httpUrl}/api/live/publish`, { channel, data: { n } });
  await waitUntil(() => subscribedEvents.length === 2, 'resubscribe', 10_000, 10);
  await waitUntil(() => received.length === 3, 'recovered publications', 5000, 10);
  assert.deepEqual(subscribedEvents[1], { wasRecovering: true, recovered: true });
  assert.deepEqual(received.map((p) => [p.offset, p.data]), [[1, { n: 1 }], [2, { n: 2 }], [3, { n: 3 }]]);
}

describe('fallback behind a proxy that blocks WebSocket upgrades', () => {
  let hub: TestHub;
  let proxy: BlockingProxy;
  let proxyNoStream: BlockingProxy;
  before(async () => {
    hub = await startHub({ GF_LIVE_HISTORY_SIZE: '10' });
    proxy = await startBlockingProxy(hub.port);
    proxyNoStream = await startBlockingProxy(hub.port, { blockPaths: ['/api/live/http_stream'] });
  });
  after(async () => {
    await proxy.stop();
    await proxyNoStream.stop();
    await hub.stop();
  });

  /** A fallback client through `live`, whose requests a test can cut. */
  function client(live: LiveEndpoints): { client: Centrifuge; cut: () => void } {
    const c = fallbackClient(live, ALL, { minReconnectDelay: 300, maxReconnectDelay: 600 });
    return { client: c, cut: () => cutStreams(c) };
  }

  test('WebSocket refused: connects over HTTP-streaming, subscribes, publishes, sees presence, recovers', async () => {
    const { client: c, cut } = client(proxy);
    assert.equal(await connectedOver(c), 'http_stream');
    assert.ok(proxy.refusedUpgrades >= 1, 'the WebSocket was tried first');
    await exercise(c, hub, 'grafana/broadcast/fallback-stream', cut);
    c.disconnect();
  });

  test('WebSocket and HTTP-streaming refused: connects over SSE and does the same', async () => {
    const { client: c, cut } = client(proxyNoStream);
    assert.equal(await connectedOver(c), 'sse');
    assert.ok(proxyNoStream.refusedUpgrades >= 1);
    await exercise(c, hub, 'grafana/broadcast/fallback-sse', cut);
    c.disconnect();
  });

  test('a fallback client and a WebSocket client share the channel; the node reports each one\'s transport and codec', async () => {
    const { client: streamClient } = client(proxy);
    const wsClient = fallbackClient(hub, ['websocket']);
    const protobufClient = fallbackClient(hub, ['http_stream'], { protobuf: true });
    await Promise.all([connectedOver(streamClient), connectedOver(wsClient), connectedOver(protobufClient)]);
    const text = await scrapeMetrics(hub.httpUrl);
    assert.equal(metric(text, 'livehub_live_connections', { transport: 'http_stream', codec: 'json' }), 1);
    assert.equal(metric(text, 'livehub_live_connections', { transport: 'http_stream', codec: 'protobuf' }), 1);
    assert.equal(metric(text, 'livehub_live_connections', { transport: 'websocket', codec: 'json' }), 1);
    const cluster = (await (await fetch(`${hub.httpUrl}/api/live/cluster`)).json()) as { connections: Record<string, number> };
    assert.deepEqual(cluster.connections, { 'http_stream json': 1, 'websocket json': 1, 'http_stream protobuf': 1 });
    protobufClient.disconnect();
    const a = streamClient.newSubscription('1/grafana/broadcast/fallback-mixed');
    const b = wsClient.newSubscription('1/grafana/broadcast/fallback-mixed');
    const gotA = collect(a);
    const gotB = collect(b);
    await Promise.all([subscribed(a), subscribed(b)]);
    await a.publish({ from: 'stream' });
    await b.publish({ from: 'ws' });
    await waitUntil(() => gotA.length === 2 && gotB.length === 2, 'both publications on both', 5000, 10);
    assert.deepEqual(gotA.map((p) => p.data), gotB.map((p) => p.data));
    streamClient.disconnect();
    wsClient.disconnect();
  });
});

describe('[live] transports without websocket', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({ GF_LIVE_TRANSPORTS: 'http_stream,sse' });
  });
  after(() => hub.stop());

  test('the upgrade answers 404 and the client falls back to HTTP-streaming', async () => {
    const c = fallbackClient(hub, ALL);
    assert.equal(await connectedOver(c), 'http_stream');
    const sub = c.newSubscription('1/grafana/broadcast/no-ws');
    const got = collect(sub);
    await subscribed(sub);
    await sub.publish({ ok: true });
    await waitUntil(() => got.length === 1, 'publication', 5000, 10);
    c.disconnect();
  });
});

describe('the emulation endpoint and the stream transports, raw', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({
      GF_LIVE_MESSAGE_SIZE_LIMIT: '2048',
      GF_LIVE_CLIENT_QUEUE_MAX_SIZE: '65536',
      GF_LIVE_PING_INTERVAL: '1',
      GF_LIVE_PONG_TIMEOUT: '1',
    });
  });
  after(() => hub.stop());

  async function emulation(body: string, contentType = 'application/json', headers: Record<string, string> = {}): Promise<{ status: number; message: string }> {
    const res = await fetch(`${hub.httpUrl}/api/live/emulation`, { method: 'POST', headers: { 'Content-Type': contentType, ...headers }, body });
    const text = await res.text();
    return { status: res.status, message: text === '' ? '' : ((JSON.parse(text) as { message: string }).message) };
  }

  test('a stream answers with headers that keep proxies from buffering or caching it', async () => {
    const stream = await RawStreamClient.httpStream(hub.httpUrl, [{ id: 1, connect: {} }]);
    assert.equal(stream.status, 200);
    assert.equal(stream.response.headers['x-accel-buffering'], 'no');
    assert.match(String(stream.response.headers['cache-control']), /no-store/);
    assert.equal(stream.response.headers['content-type'], 'application/json');
    const { session, node } = await stream.session();
    assert.match(session, /^[0-9a-f-]{36}$/);
    assert.equal(node, hub.hub.node.nodeId);
    const connect = (await stream.reply(1))['connect'] as { client: string };
    assert.notEqual(session, connect.client, 'the session id is not the client id others see in presence');
    stream.close();
    const sse = await RawStreamClient.sse(hub.httpUrl, { id: 1, connect: {} });
    assert.equal(sse.response.headers['content-type'], 'text/event-stream; charset=utf-8');
    await sse.reply(1);
    sse.close();
  });

  test('opening a stream passes the WebSocket\'s admission: 403 foreign Origin, 401 bad credential, 400 without a connect command', async () => {
    const connect = { id: 1, connect: {} };
    const openers = {
      http_stream: (headers: Record<string, string>) => RawStreamClient.httpStream(hub.httpUrl, [connect], headers),
      sse: (headers: Record<string, string>) => RawStreamClient.sse(hub.httpUrl, connect, headers),
    };
    for (const [name, open] of Object.entries(openers)) {
      const foreign = await open({ Origin: 'https://evil.example' });
      assert.equal(foreign.status, 403, `${name}: foreign Origin`);
      foreign.close();
      const badToken = await open({ Authorization: 'Bearer glh_not-a-real-token' });
      assert.equal(badToken.status, 401, `${name}: bad credential`);
      badToken.close();
      const sameOrigin = await open({ Origin: hub.httpUrl });
      assert.equal(sameOrigin.status, 200, `${name}: the node's own origin`);
      await sameOrigin.reply(1);
      sameOrigin.close();
    }
    const empty = await fetch(`${hub.httpUrl}/api/live/http_stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '' });
    assert.equal(empty.status, 400);
    const noConnect = await fetch(`${hub.httpUrl}/api/live/sse`);
    assert.equal(noConnect.status, 400);
    await waitUntil(() => hub.hub.node.numClients === 0, 'no session left behind', 5000, 10);
  });

  test('emulation requests: 204 taken; 404 unknown session or node; 400 malformed or wrong codec; 413; 415; 403 cross-site', async () => {
    const stream = await RawStreamClient.httpStream(hub.httpUrl, [{ id: 1, connect: {} }]);
    const { session, node } = await stream.session();
    assert.equal(await stream.post([{ id: 2, presence_stats: { channel: '1/grafana/broadcast/raw' } }]), 204);
    await stream.reply(2);
    const other = hub.hub.node.nodeId;
    assert.deepEqual(await emulation(JSON.stringify({ session: 'no-such-session', node: other, data: '{}' })), { status: 404, message: 'session not found' });
    assert.equal((await emulation(JSON.stringify({ session, node: 'no-such-node', data: '{}' }))).status, 404);
    assert.equal((await emulation('not json')).status, 400);
    assert.equal((await emulation(JSON.stringify({ session, node }))).status, 400, 'data missing');
    assert.equal((await emulation(JSON.stringify({ session, node, data: 'x'.repeat(3000) }))).status, 413);
    assert.equal((await emulation(JSON.stringify({ session, node, data: '{}' }), 'text/plain')).status, 415);
    const wrongCodec = await fetch(`${hub.httpUrl}/api/live/emulation`, {
      method: 'POST', headers: { 'Content-Type': 'application/octet-stream' },
      // EmulationRequest{node, session, data: an empty command}
      body: Buffer.concat([Buffer.from([0x0a, node.length]), Buffer.from(node), Buffer.from([0x12, session.length]), Buffer.from(session), Buffer.from([0x1a, 0x01, 0x00])]),
    });
    assert.equal(wrongCodec.status, 400, 'protobuf commands for a JSON session');
    assert.equal((await emulation(JSON.stringify({ session, node, data: '{}' }), 'application/json', { Origin: 'https://evil.example' })).status, 403);
    // None of the refusals touched the session.
    assert.equal(await stream.post([{ id: 3, presence_stats: { channel: '1/grafana/broadcast/raw' } }]), 204);
    await stream.reply(3);
    stream.close();
    await waitUntil(() => hub.hub.node.numClients === 0, 'session released', 5000, 10);
    assert.deepEqual(await emulation(JSON.stringify({ session, node, data: '{}' })), { status: 404, message: 'session not found' });
  });

  test('a stream session must answer pings through the emulation endpoint (3012), and one that does stays', async () => {
    const silent = await RawStreamClient.sse(hub.httpUrl, { id: 1, connect: {} });
    await silent.reply(1);
    assert.deepEqual(await silent.disconnect(6000), { code: 3012, reason: 'no pong', reconnect: true });
    await waitUntil(() => silent.isEnded, 'stream end', 5000, 10);
    // centrifuge-js answers each ping with a POST.
    const c = fallbackClient(hub, ['sse']);
    await connected(c);
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.equal(c.state, 'connected', 'three pings answered over emulation');
    c.disconnect();
  });
});

describe('stream sessions: connection limit and slow readers', () => {
  let hub: TestHub;
  before(async () => {
    hub = await startHub({ GF_LIVE_MAX_CONNECTIONS: '2', GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '-1', GF_LIVE_CLIENT_QUEUE_MAX_SIZE: '65536' });
  });
  after(() => hub.stop());

  test('a stream over max_connections gets 3504 in a disconnect push', async () => {
    const streams = [];
    for (let i = 0; i < 2; i++) {
      const stream = await RawStreamClient.httpStream(hub.httpUrl, [{ id: 1, connect: {} }]);
      await stream.reply(1);
      streams.push(stream);
    }
    const third = await RawStreamClient.sse(hub.httpUrl, { id: 1, connect: {} });
    assert.deepEqual(await third.disconnect(), { code: 3504, reason: 'connection limit', reconnect: false });
    for (const stream of [...streams, third]) stream.close();
    await waitUntil(() => hub.hub.node.numClients === 0, 'sessions released', 5000, 10);
  });

  test('a stream whose reader stopped is closed 3008 at client_queue_max_size, and its memory is released', async () => {
    const closed: number[] = [];
    const onClosed = (_client: string, code: number): void => {
      closed.push(code);
    };
    hub.hub.node.on('clientClosed', onClosed);
    const stream = await RawStreamClient.httpStream(hub.httpUrl, [{ id: 1, connect: {} }, { id: 2, subscribe: { channel: '1/grafana/broadcast/slow-stream' } }]);
    await stream.reply(2);
    stream.stopReading();
    const payload = { blob: 'y'.repeat(32 * 1024) };
    // Loopback socket buffers take megabytes before the server's own buffer grows.
    for (let i = 0; i < 100 && closed.length === 0; i++) {
      await Promise.all(Array.from({ length: 20 }, () => postJson(`${hub.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/slow-stream', data: payload })));
    }
    await waitUntil(() => closed.length === 1, 'slow close', 10_000, 10);
    hub.hub.node.off('clientClosed', onClosed);
    assert.deepEqual(closed, [3008]);
    assert.equal(hub.hub.node.numClients, 0);
    stream.close();
  });

});
