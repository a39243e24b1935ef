// The Telegraf path end to end: a real centrifuge client subscribes to stream/<id>/<measurement>,
// batches arrive like Telegraf sends them (HTTP, gzip, WebSocket text and binary), every message
// decodes with @grafana/data and streams through StreamingDataFrame; late subscribers get the last
// frame; bad input is rejected with a precise status and nothing of it is published.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { PublicationContext } from 'centrifuge';
import { WebSocket } from 'ws';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { grafanaData } from '../helpers/grafana-data.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

const BATCH = [
  'cpu,host=h,cpu=cpu0 usage_system=6,usage_idle=82 1616403090000000000',
  'cpu,cpu=cpu1,host=h usage_idle=100i,usage_system=0 1616403090000000000',
  'mem,host=h used_percent=41.5 1616403090000000000',
  'cpu,cpu=cpu0,host=h usage_idle=80,usage_iowait=1.5 1616403091000000000',
].join('\n');

describe('Telegraf push to subscribers', () => {
  let server: TestHub;
  let editor: string;
  let viewer: string;
  let admin: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livehub-telegraf-'));
    const file = join(dir, 'tokens.json');
    const store = new ApiTokenStore(file);
    editor = store.create({ name: 'telegraf', orgId: 1, role: 'Editor' }).token;
    viewer = store.create({ name: 'viewer', orgId: 1, role: 'Viewer' }).token;
    admin = store.create({ name: 'telegraf-ws', orgId: 1, role: 'Admin' }).token;
    server = await startHub({ GF_AUTH_API_TOKENS_FILE: file, GF_LIVE_PUSH_BODY_LIMIT: '65536', GF_LIVE_PING_INTERVAL: '1', GF_LIVE_PONG_TIMEOUT: '1' });
  });
  after(() => server.stop());

  const push = (streamId: string, body: string | Buffer, opts: { token?: string; query?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${server.httpUrl}/api/live/push/${streamId}${opts.query ?? ''}`, {
      method: 'POST',
      headers: { ...(opts.token === undefined ? {} : { Authorization: `Bearer ${opts.token}` }), ...(opts.headers ?? {}) },
      body,
    });

  test('an HTTP push reaches subscribers as Grafana frames; same schema → data only; late subscriber gets the last frame', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const cpu = client.newSubscription('1/stream/telegraf/cpu');
    const mem = client.newSubscription('1/stream/telegraf/mem');
    const gotCpu: PublicationContext[] = collect(cpu);
    const gotMem = collect(mem);
    await Promise.all([subscribed(cpu), subscribed(mem)]);

    const res = await push('telegraf', BATCH, { token: editor });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    await waitUntil(() => gotCpu.length === 1 && gotMem.length === 1, 'frames', 5000, 10);
    assert.deepEqual(gotCpu[0]!.data, {
      schema: {
        name: 'cpu',
        fields: [
          { name: 'labels', type: 'string', typeInfo: { frame: 'string' } },
          { name: 'time', type: 'time', typeInfo: { frame: 'time.Time' } },
          { name: 'usage_idle', type: 'number', typeInfo: { frame: 'float64', nullable: true } },
          { name: 'usage_system', type: 'number', typeInfo: { frame: 'float64', nullable: true } },
          { name: 'usage_iowait', type: 'number', typeInfo: { frame: 'float64', nullable: true } },
        ],
      },
      data: {
        values: [
          ['cpu=cpu0, host=h', 'cpu=cpu1, host=h', 'cpu=cpu0, host=h'],
          [1616403090000, 1616403090000, 1616403091000],
          [82, 100, 80],
          [6, 0, null],
          [null, null, 1.5],
        ],
      },
    });
    const decoded = grafanaData.dataFrameFromJSON(gotCpu[0]!.data);
    assert.equal(decoded.length, 3);
    assert.deepEqual(Array.from(decoded.fields[2]!.values), [82, 100, 80]);
    const streaming = grafanaData.StreamingDataFrame.fromDataFrameJSON(gotCpu[0]!.data, { maxLength: 100 });

    // Same fields again: subscribers get data only, and the panel's StreamingDataFrame appends it.
    // (Columns come in order of first appearance, so the same field order needs the same line shapes.)
    const res2 = await push('telegraf', 'cpu,host=h,cpu=cpu0 usage_system=1,usage_idle=2 1616403092000000000\ncpu,cpu=cpu0,host=h usage_iowait=3 1616403092000000000', { token: editor });
    assert.equal(res2.status, 200);
    await waitUntil(() => gotCpu.length === 2, 'data-only frame', 5000, 10);
    const second = gotCpu[1]!.data as Record<string, unknown>;
    assert.equal(second['schema'], undefined);
    assert.deepEqual(second['data'], { values: [['cpu=cpu0, host=h', 'cpu=cpu0, host=h'], [1616403092000, 1616403092000], [2, null], [1, null], [null, 3]] });
    const appended = streaming.push(second) as { action: string; schemaChanged: boolean; length: number };
    // Two rows at one time pivot (by the labels column) into one time row.
    assert.deepEqual([appended.action, appended.schemaChanged, appended.length], ['append', false, 1]);

    const late = newClient(server.wsUrl);
    await connected(late);
    const lateSub = late.newSubscription('1/stream/telegraf/cpu');
    const initial = await subscribed(lateSub);
    assert.deepEqual(initial.data, {
      schema: (gotCpu[0]!.data as { schema: unknown }).schema,
      data: second['data'],
    }, 'the last frame (with its schema) is the initial data');
    grafanaData.dataFrameFromJSON(initial.data);
    client.disconnect();
    late.disconnect();
  });

  test('changing schemas stream through StreamingDataFrame: added fields and added label sets, both modes', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const labelsSub = client.newSubscription('1/stream/evolve/m');
    const wideSub = client.newSubscription('1/stream/evolvewide/m');
    const labels = collect(labelsSub);
    const wide = collect(wideSub);
    await Promise.all([subscribed(labelsSub), subscribed(wideSub)]);
    const batches = [
      'm,host=a v=1 1616403090000000000',
      'm,host=a v=2,w=3 1616403091000000000', // adds a field
      'm,host=a v=4,w=5 1616403092000000000\nm,host=b v=6,w=7 1616403092000000000', // adds a label set
      'm,host=b v=8,w=9 1616403093000000000\nm,host=a v=10 1616403093000000000', // a field missing on one line
    ];
    for (const batch of batches) {
      assert.equal((await push('evolve', batch, { token: editor })).status, 200);
      assert.equal((await push('evolvewide', batch, { token: editor, query: '?gf_live_frame_format=wide' })).status, 200);
    }
    await waitUntil(() => labels.length === 4 && wide.length === 4, 'all frames', 5000, 10);
    for (const messages of [labels, wide]) {
      const frame = grafanaData.StreamingDataFrame.fromDataFrameJSON(messages[0]!.data, { maxLength: 100 });
      for (const message of messages.slice(1)) {
        const json = message.data as { schema?: unknown };
        if (json.schema !== undefined) grafanaData.dataFrameFromJSON(json);
        frame.push(json); // throws "push message mismatch" on an inconsistent message
      }
      assert.ok(frame.length > 0);
    }
    // labels_column: the field addition changes the schema, a new label set does not.
    assert.deepEqual(labels.map((m) => (m.data as { schema?: unknown }).schema !== undefined), [true, true, false, false]);
    client.disconnect();
  });

  test('wide mode and precision: one frame per measurement and time, labels in the schema', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/stream/wide/cpu');
    const got = collect(sub);
    await subscribed(sub);
    const res = await push('wide', 'cpu,host=a v=1 1616403090\ncpu,host=b v=2 1616403090', { token: editor, query: '?gf_live_frame_format=WIDE&precision=s' });
    assert.equal(res.status, 200);
    await waitUntil(() => got.length === 1, 'wide frame', 5000, 10);
    const frame = got[0]!.data as { schema: { fields: Array<{ labels?: Record<string, string> }> }; data: { values: unknown[][] } };
    assert.deepEqual(frame.schema.fields.map((f) => f.labels), [undefined, { host: 'a' }, { host: 'b' }]);
    assert.deepEqual(frame.data.values, [[1616403090000], [1], [2]]);
    grafanaData.dataFrameFromJSON(frame);
    client.disconnect();
  });

  test('gzip bodies are accepted', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/stream/gz/disk');
    const got = collect(sub);
    await subscribed(sub);
    const res = await push('gz', gzipSync('disk,path=/ used=1i'), { token: editor, headers: { 'Content-Encoding': 'gzip' } });
    assert.equal(res.status, 200);
    await waitUntil(() => got.length === 1, 'gzip frame', 5000, 10);
    client.disconnect();
  });

  test('bad input: precise status, message, and nothing of the batch is published', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/stream/bad/cpu');
    const got = collect(sub);
    await subscribed(sub);
    const bad = await push('bad', 'cpu v=1\ncpu,host=x v=\ncpu v=3', { token: editor });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /^line 2, column \d+: /);
    assert.equal((await push('bad', 'cpu v=1', {})).status, 401, 'anonymous push');
    assert.equal((await push('bad', 'cpu v=1', { token: viewer })).status, 403, 'Viewer push');
    assert.equal((await push('bad', 'cpu v=1', { token: 'glh_nope' })).status, 401);
    assert.equal((await push('bad', 'cpu v=1', { token: editor, query: '?gf_live_frame_format=tall' })).status, 400);
    assert.equal((await push('bad', 'cpu v=1', { token: editor, query: '?precision=h' })).status, 400);
    assert.equal((await push('bad', `cpu v="${'x'.repeat(70000)}"`, { token: editor })).status, 413);
    assert.equal((await push('bad', 'cpu v=1', { token: editor, headers: { 'Content-Encoding': 'gzip' } })).status, 400, 'not gzip');
    assert.equal((await push('bad%20id', 'cpu v=1', { token: editor })).status, 400, 'invalid stream id');
    assert.equal((await push('bad', 'cpu v=1\nbad\\ name v=2', { token: editor })).status, 400, 'measurement unusable in a channel');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got.length, 0, 'rejected batches publish nothing');
    client.disconnect();
  });

  test('clients may subscribe to stream/* but not publish there (403)', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    await assert.rejects(client.publish('1/stream/telegraf/cpu', { x: 1 }), (err: { code: number }) => err.code === 403);
    const res = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'stream/telegraf/cpu', data: {} });
    assert.equal(res.status, 403);
    client.disconnect();
  });

  test('WebSocket push: text and binary batches; errors answered; a sender that never reads is kept while it sends', async () => {
    const client = newClient(server.wsUrl);
    await connected(client);
    const sub = client.newSubscription('1/stream/wspush/net');
    const got = collect(sub);
    await subscribed(sub);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/live/push/wspush`, { headers: { Authorization: `Bearer ${admin}` }, autoPong: false });
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    const errors: string[] = [];
    ws.on('message', (m) => errors.push(m.toString()));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('net,if=eth0 rx=1i');
    ws.send(Buffer.from('net,if=eth0 rx=2i'), { binary: true });
    ws.send('net rx=');
    // ping_interval is 1 s and this client never answers pings: it must survive 3.5 s because it keeps sending.
    for (let i = 3; i <= 9; i++) {
      await new Promise((r) => setTimeout(r, 500));
      ws.send(`net,if=eth0 rx=${i}i`);
    }
    await waitUntil(() => got.length === 9, 'pushed frames', 5000, 10);
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(errors.length, 1);
    assert.equal((JSON.parse(errors[0]!) as { error: { status: number } }).error.status, 400);
    // Silent now: cut after the read deadline.
    const code = await closed;
    assert.equal(code, 1006);
    client.disconnect();
  });

  test('WebSocket push needs Admin (HTTP push: Editor or Admin)', async () => {
    await assert.rejects(RawClient.open(`${server.wsUrl.replace('/ws', '/push/x')}`), (err: { status: number }) => err.status === 401);
    await assert.rejects(RawClient.open(`${server.wsUrl.replace('/ws', '/push/x')}`, { headers: { Authorization: `Bearer ${viewer}` } }), (err: { status: number }) => err.status === 403);
    await assert.rejects(RawClient.open(`${server.wsUrl.replace('/ws', '/push/x')}`, { headers: { Authorization: `Bearer ${editor}` } }), (err: { status: number }) => err.status === 403);
  });

  test('/api/live/list: the tenant\'s streams with minute_rate and schema, sorted', async () => {
    await push('listed', 'zeta v=1\nalpha v=1', { token: editor });
    await push('listed', 'alpha v=2', { token: editor });
    const res = await fetch(`${server.httpUrl}/api/live/list`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { channels: Array<{ channel: string; minute_rate: number; data: { schema: { name: string } } }>; partial?: boolean };
    const listed = body.channels.filter((c) => c.channel.startsWith('stream/listed/'));
    assert.deepEqual(listed.map((c) => [c.channel, c.minute_rate, c.data.schema.name]), [
      ['stream/listed/alpha', 2, 'alpha'],
      ['stream/listed/zeta', 1, 'zeta'],
    ]);
    const all = body.channels.map((c) => c.channel);
    assert.deepEqual(all, [...all].sort());
    assert.equal(body.partial, undefined);
  });
});
