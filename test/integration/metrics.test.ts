// /metrics after known traffic: the counters and gauges move by exactly what the test did.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { metric } from '../../harness/metrics.js';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { collect, connected, newClient, RecordingWebSocket, subscribed } from '../helpers/centrifuge.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

describe('Prometheus metrics', () => {
  let server: TestHub;
  let editor: string;
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'livehub-metrics-')), 'tokens.json');
    editor = new ApiTokenStore(file).create({ name: 'pusher', orgId: 1, role: 'Editor' }).token;
    server = await startHub({ GF_AUTH_API_TOKENS_FILE: file, GF_LIVE_ALLOWED_ORIGINS: 'https://ok.example', GF_LIVE_CLIENT_QUEUE_MAX_SIZE: '200000', GF_LIVE_HISTORY_SIZE: '0' });
  });
  after(() => server.stop());

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${server.httpUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return res.text();
  };

  test('counters and gauges follow known traffic', async () => {
    const a = newClient(server.wsUrl);
    const b = newClient(server.wsUrl);
    await Promise.all([connected(a), connected(b)]);
    const subA = a.newSubscription('1/grafana/broadcast/m');
    const subB = b.newSubscription('1/grafana/broadcast/m');
    const gotB = collect(subB);
    await Promise.all([subscribed(subA), subscribed(subB)]);
    let text = await scrape();
    assert.equal(metric(text, 'grafana_live_node_num_clients'), 2);
    assert.equal(metric(text, 'grafana_live_node_num_subscriptions'), 2);
    assert.equal(metric(text, 'grafana_live_node_num_channels'), 1);
    assert.equal(metric(text, 'livehub_engine_healthy'), 1);

    for (let i = 0; i < 3; i++) await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/m', data: { i } });
    await waitUntil(() => gotB.length === 3, 'publications', 5000, 10);
    const push = (body: string) => fetch(`${server.httpUrl}/api/live/push/metrics`, { method: 'POST', headers: { Authorization: `Bearer ${editor}` }, body });
    assert.equal((await push('cpu v=1\nmem v=2')).status, 200);
    assert.equal((await push('cpu v=')).status, 400);
    await assert.rejects(RawClient.open(server.wsUrl, { headers: { Origin: 'https://evil.example' } }));
    const raw = await RawClient.open(server.wsUrl);
    await raw.connect();
    raw.send({ id: 2, subscribe: { channel: '2/grafana/broadcast/x' } });
    await raw.reply(2);
    raw.close();

    text = await scrape();
    assert.equal(metric(text, 'livehub_messages_published_total', { scope: 'grafana' }), 3);
    assert.equal(metric(text, 'livehub_messages_delivered_total', { scope: 'grafana' }), 6, '3 publications × 2 subscribers');
    assert.equal(metric(text, 'livehub_messages_published_total', { scope: 'stream' }), 2, 'two frames pushed');
    assert.equal(metric(text, 'livehub_push_batches_total'), 1);
    assert.equal(metric(text, 'livehub_push_frames_total'), 2);
    assert.equal(metric(text, 'livehub_push_parse_errors_total'), 1);
    assert.equal(metric(text, 'livehub_origin_rejections_total'), 1);
    assert.equal(metric(text, 'grafana_live_client_num_reply_errors', { code: '103' }), 1);
    assert.ok(metric(text, 'livehub_publish_roundtrip_seconds_count') >= 5);
    assert.ok(text.includes('node="'), 'every metric carries the node label');
    a.disconnect();
    b.disconnect();
  });

  test('a slow client close is counted', async () => {
    const fast = newClient(server.wsUrl);
    const slow = newClient(server.wsUrl, { websocket: RecordingWebSocket });
    await Promise.all([connected(fast), connected(slow)]);
    const f = fast.newSubscription('1/grafana/broadcast/slowm');
    const s = slow.newSubscription('1/grafana/broadcast/slowm');
    const got = collect(f);
    await Promise.all([subscribed(f), subscribed(s)]);
    RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!.stopReading();
    const payload = JSON.stringify({ blob: 'z'.repeat(8000) });
    for (let i = 0; i < 2000; i++) {
      await server.hub.node.publish('1/grafana/broadcast/slowm', payload);
      if (i % 10 === 9) await new Promise((r) => setImmediate(r)); // ≤ 80 KB per turn: a reader that keeps up never nears the limit
    }
    await waitUntil(() => got.length === 2000, 'fast client', 30000, 10);
    const text = await scrape();
    assert.equal(metric(text, 'livehub_slow_client_closes_total'), 1);
    assert.equal(metric(text, 'grafana_live_client_num_server_disconnects', { code: '3008' }), 1);
    RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!.resumeReading();
    fast.disconnect();
    slow.disconnect();
  });
});
