// Push size bounds, per-org quotas, idle eviction and /api/live/list paging on a real node, over
// HTTP and the push WebSocket. Every refused push names its limit and config key, is counted in
// /metrics, and publishes nothing: a subscriber's first publication is the valid push that follows.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PublicationContext } from 'centrifuge';
import { WebSocket } from 'ws';
import { metric } from '../../harness/metrics.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { startHub, type TestHub } from '../helpers/hub.js';

interface Tokens {
  readonly file: string;
  readonly editor: string;
  readonly editorOrg2: string;
  readonly admin: string;
}

function tokens(): Tokens {
  const file = join(mkdtempSync(join(tmpdir(), 'livehub-push-limits-')), 'tokens.json');
  const store = new ApiTokenStore(file);
  return {
    file,
    editor: store.create({ name: 'editor', orgId: 1, role: 'Editor' }).token,
    editorOrg2: store.create({ name: 'editor2', orgId: 2, role: 'Editor' }).token,
    admin: store.create({ name: 'admin', orgId: 1, role: 'Admin' }).token,
  };
}

interface Node {
  server: TestHub;
  t: Tokens;
}

/** A node for the tests of one describe block: started before them with `env`, stopped after. */
function nodeFor(env: Record<string, string>): Node {
  const node = {} as Node;
  before(async () => {
    node.t = tokens();
    node.server = await startHub({ GF_AUTH_API_TOKENS_FILE: node.t.file, GF_LOG_LEVEL: 'warn', ...env });
  });
  after(() => node.server.stop());
  return node;
}

async function push(server: TestHub, token: string, streamId: string, body: string, query = ''): Promise<{ status: number; message: string }> {
  const res = await fetch(`${server.httpUrl}/api/live/push/${streamId}${query}`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body });
  const text = await res.text();
  return { status: res.status, message: text === '' ? '' : ((JSON.parse(text) as { message?: string }).message ?? '') };
}

async function rejections(server: TestHub, limit: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  return metric(text, 'livehub_push_rejections_total', { limit }) || 0;
}

/** Subscribes a fresh client to `channel`; returns what it receives. */
async function watch(server: TestHub, channel: string): Promise<{ got: PublicationContext[]; initial: unknown; close(): void }> {
  const client = newClient(server.wsUrl);
  await connected(client);
  const sub = client.newSubscription(channel);
  const got = collect(sub);
  const { data } = await subscribed(sub);
  return { got, initial: data, close: () => client.disconnect() };
}

/** Frame field names of a publication. */
function fieldNames(pub: PublicationContext): string[] {
  return (pub.data as { schema: { fields: { name: string }[] } }).schema.fields.map((f) => f.name);
}

const DISTINCT_FIELDS = Array.from({ length: 12_000 }, (_, i) => `sp f${i}=1`).join('\n');

describe('push bounds with the default configuration', () => {
  const node = nodeFor({});

  test('12,000 lines with distinct field keys (labels_column): 400 naming the limit, nothing published', async () => {
    const { server, t } = node;
    const watcher = await watch(server, '1/stream/sp/sp');
    assert.equal(watcher.initial, undefined);
    const before = await rejections(server, 'frame_fields');
    const res = await push(server, t.editor, 'sp', DISTINCT_FIELDS);
    assert.equal(res.status, 400);
    assert.match(res.message, /the frame of measurement "sp" would have more than 1000 fields: limit 1000, \[live\] push_max_frame_fields/);
    assert.equal(await rejections(server, 'frame_fields'), before + 1);
    // wide: the same lines share one receive time, so one frame of 12,001 fields.
    assert.equal((await push(server, t.editor, 'sp', DISTINCT_FIELDS, '?gf_live_frame_format=wide')).status, 400);

    assert.equal((await push(server, t.editor, 'sp', 'sp f0=1,f1=2')).status, 200);
    await waitUntil(() => watcher.got.length === 1, 'the valid push', 5000, 10);
    assert.deepEqual(fieldNames(watcher.got[0]!), ['labels', 'time', 'f0', 'f1'], 'the first publication is the valid push');
    watcher.close();
  });

  test('the push WebSocket refuses the same batch with the same answer and stays open', async () => {
    const { server, t } = node;
    const watcher = await watch(server, '1/stream/spws/sp');
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/live/push/spws`, { headers: { Authorization: `Bearer ${t.admin}` } });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const answers: string[] = [];
    ws.on('message', (m) => answers.push(m.toString()));
    ws.send(DISTINCT_FIELDS);
    ws.send('sp f0=1');
    await waitUntil(() => answers.length === 1 && watcher.got.length === 1, 'error answer and the valid batch', 5000, 10);
    const { error } = JSON.parse(answers[0]!) as { error: { status: number; message: string } };
    assert.equal(error.status, 400);
    assert.match(error.message, /more than 1000 fields: limit 1000, \[live\] push_max_frame_fields/);
    assert.deepEqual(fieldNames(watcher.got[0]!), ['labels', 'time', 'f0']);
    assert.equal(ws.readyState, WebSocket.OPEN);
    ws.close();
    watcher.close();
  });

  test('/api/live/list pages: total, limit, next, every channel once; bad paging parameters are 400', async () => {
    const { server, t } = node;
    const measurements = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')} v=${i}`);
    assert.equal((await push(server, t.editor, 'paged', measurements.join('\n'))).status, 200);
    const get = async (query: string) => {
      const res = await fetch(`${server.httpUrl}/api/live/list${query}`, { headers: { Authorization: `Bearer ${t.editor}` } });
      return { status: res.status, body: (await res.json()) as { channels: { channel: string; minute_rate: number; data: unknown }[]; total: number; next?: string; message?: string } };
    };
    const all = await get('');
    assert.equal(all.status, 200);
    assert.equal(all.body.next, undefined, 'everything fits the default page');
    assert.equal(all.body.total, all.body.channels.length);
    const names = all.body.channels.map((c) => c.channel);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.filter((c) => c.startsWith('stream/paged/')).length === 25);
    assert.ok(names.includes('plugin/testdata/random-2s-stream'), 'testdata channels are listed too');

    const walked: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await get(`?limit=7${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`);
      assert.equal(page.status, 200);
      assert.ok(page.body.channels.length <= 7);
      assert.equal(page.body.total, all.body.total);
      walked.push(...page.body.channels.map((c) => c.channel));
      after = page.body.next;
      if (after !== undefined) assert.equal(after, walked[walked.length - 1]);
      pages++;
    } while (after !== undefined && pages < 100);
    assert.deepEqual(walked, names);
    assert.equal(pages, Math.ceil(names.length / 7));

    for (const query of ['?limit=0', '?limit=-1', '?limit=abc', '?limit=1.5', '?limit=1001', '?limit=99999999999', '?after=', `?after=${'x'.repeat(300)}`]) {
      const res = await get(query);
      assert.equal(res.status, 400, query);
      assert.match(res.body.message ?? '', /limit|after/, query);
    }
  });
});

describe('push size bounds, small configuration', () => {
  const node = nodeFor({ GF_LIVE_PUSH_MAX_ROWS: '100', GF_LIVE_PUSH_MAX_VALUES: '1000' });

  test('rows and values: 413 naming the limit, nothing published', async () => {
    const { server, t } = node;
    const watcher = await watch(server, '1/stream/rows/m');
    const rows = await push(server, t.editor, 'rows', Array.from({ length: 101 }, (_, i) => `m v=${i}`).join('\n'));
    assert.equal(rows.status, 413);
    assert.match(rows.message, /more than 100 lines: limit 100, \[live\] push_max_rows/);
    // 40 rows × 30 fields: 1,200 tag/field values.
    const values = await push(server, t.editor, 'rows', Array.from({ length: 40 }, () => `m ${Array.from({ length: 30 }, (_, f) => `f${f}=1`).join(',')}`).join('\n'));
    assert.equal(values.status, 413);
    assert.match(values.message, /more than 1000 tag and field values: limit 1000, \[live\] push_max_values/);
    // 100 rows with a new field each: 100 present values, but 100 × 102 cells once laid out.
    const cells = await push(server, t.editor, 'rows', Array.from({ length: 100 }, (_, i) => `m f${i}=1`).join('\n'));
    assert.equal(cells.status, 413);
    assert.match(cells.message, /would have 10200 values \(rows × fields, nulls included\), more than 1000: limit 1000, \[live\] push_max_values/);
    assert.equal(await rejections(server, 'rows'), 1);
    assert.equal(await rejections(server, 'values'), 2);
    assert.equal((await push(server, t.editor, 'rows', 'm v=1')).status, 200);
    await waitUntil(() => watcher.got.length === 1, 'the valid push', 5000, 10);
    assert.deepEqual(fieldNames(watcher.got[0]!), ['labels', 'time', 'v']);
    watcher.close();
  });
});

describe('per-org quotas, small configuration', () => {
  const node = nodeFor({ GF_LIVE_MAX_MANAGED_STREAMS_PER_ORG: '2', GF_LIVE_MAX_MANAGED_CHANNELS_PER_ORG: '3' });

  test('channel and stream quotas per org: 403 naming the key, nothing published; another org is unaffected', async () => {
    const { server, t } = node;
    const watcher = await watch(server, '1/stream/q/d');
    assert.equal((await push(server, t.editor, 'q', 'a v=1\nb v=1')).status, 200);
    const over = await push(server, t.editor, 'q', 'c v=1\nd v=1');
    assert.equal(over.status, 403);
    assert.match(over.message, /^quota reached: org 1 would push to 4 managed-stream channels on this node, more than 3: limit 3, \[live\] max_managed_channels_per_org$/);
    assert.equal((await push(server, t.editor, 'q', 'c v=1')).status, 200, 'the last slot');
    assert.equal((await push(server, t.editor, 'q', 'a v=2\nb v=2\nc v=2')).status, 200, 'known channels');
    // A second stream id fits the stream quota but not the channel quota.
    const stream = await push(server, t.editor, 'other', 'x v=1');
    assert.equal(stream.status, 403);
    assert.match(stream.message, /max_managed_channels_per_org/);
    assert.equal(await rejections(server, 'channels'), 2);

    // Org 2: its own quotas.
    assert.equal((await push(server, t.editorOrg2, 'q', 'a v=1\nb v=1')).status, 200);
    assert.equal((await push(server, t.editorOrg2, 'r', 'a v=1')).status, 200);
    const streams = await push(server, t.editorOrg2, 's', 'a v=1');
    assert.equal(streams.status, 403);
    assert.match(streams.message, /org 2 already pushes to 2 managed streams on this node, stream "s" would be one more: limit 2, \[live\] max_managed_streams_per_org/);
    assert.equal(await rejections(server, 'streams'), 1);

    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(watcher.got.length, 0, 'the refused push published nothing');
    const list = (await (await fetch(`${server.httpUrl}/api/live/list`, { headers: { Authorization: `Bearer ${t.editor}` } })).json()) as { channels: { channel: string }[] };
    assert.deepEqual(list.channels.map((c) => c.channel).filter((c) => c.startsWith('stream/')), ['stream/q/a', 'stream/q/b', 'stream/q/c']);
    watcher.close();
  });
});

describe('idle eviction of the managed-stream registry', () => {
  const node = nodeFor({ GF_LIVE_MANAGED_STREAM_IDLE_TIMEOUT: '1', GF_LIVE_MAX_MANAGED_CHANNELS_PER_ORG: '5' });

  test('channels without pushes leave the registry: the count returns to 0 and the quota is free again', async () => {
    const { server, t } = node;
    const registry = server.hub.streams.registry;
    assert.equal((await push(server, t.editor, 'idle', 'a v=1\nb v=1\nc v=1\nd v=1\ne v=1')).status, 200);
    assert.equal((await push(server, t.editorOrg2, 'idle', 'a v=1')).status, 200);
    assert.deepEqual(registry.size(), { channels: 6, streams: 2 });
    assert.equal((await push(server, t.editor, 'idle', 'f v=1')).status, 403);
    await waitUntil(() => registry.size().channels === 0, 'the sweep', 10_000, 10);
    assert.deepEqual(registry.size(), { channels: 0, streams: 0 });
    const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.equal(metric(text, 'livehub_managed_stream_evictions_total'), 6);
    assert.equal(metric(text, 'livehub_managed_stream_channels'), 0);
    const list = (await (await fetch(`${server.httpUrl}/api/live/list`, { headers: { Authorization: `Bearer ${t.editor}` } })).json()) as { channels: { channel: string }[] };
    assert.deepEqual(list.channels.filter((c) => c.channel.startsWith('stream/')), []);
    assert.equal((await push(server, t.editor, 'idle', 'f v=1\ng v=1\nh v=1\ni v=1\nj v=1')).status, 200, 'quota freed');
  });
});
