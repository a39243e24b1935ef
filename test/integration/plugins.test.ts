// Plugin and data-source streams end to end with real centrifuge clients: testdata streams (rate,
// frames, schema), the run-stream manager (shared run, idle stop, back-off, end → unsubscribe 2000),
// publishStream, initial data, provisioned `ds/<uid>/…` channels and plugins loaded from module files.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, Subscription } from 'centrifuge';
import { waitUntil } from '../../harness/wait.js';
import { installPlugins, type PluginsFeature, type StreamPlugin, type StreamRequest } from '../../src/features/plugins/index.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { logsWith, request, startFeatureHub, type FeatureHub } from '../helpers/feature-hub.js';

type Body = Record<string, unknown>;

/** Records every runStream call and ticks JSON until aborted. */
class TickerPlugin implements StreamPlugin {
  readonly id = 'ticker';
  readonly runs: { request: StreamRequest; started: number; ended?: number }[] = [];

  async subscribeStream(request: StreamRequest) {
    if (request.path === 'forbidden') return { status: 'permission_denied' as const };
    if (request.path === 'json-initial') return { status: 'ok' as const, initialData: { json: { hello: request.context.identity.login } } };
    if (request.path === 'frame-initial') {
      return {
        status: 'ok' as const,
        initialData: { frame: { name: 'f', fields: [{ name: 'time', type: 'time' as const, nullable: false, values: [1000] }, { name: 'v', type: 'number' as const, nullable: true, values: [Number.NaN] }] } },
      };
    }
    return { status: 'ok' as const };
  }

  async runStream(request: StreamRequest, sender: { sendJSON(v: unknown): void }, signal: AbortSignal): Promise<void> {
    const run: { request: StreamRequest; started: number; ended?: number } = { request, started: Date.now() };
    this.runs.push(run);
    let n = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => sender.sendJSON({ n: n++, data: request.data ?? null }), 20);
      signal.addEventListener('abort', () => {
        clearInterval(timer);
        run.ended = Date.now();
        resolve();
      }, { once: true });
    });
  }

  async publishStream(request: StreamRequest) {
    if (request.path === 'closed') return { status: 'permission_denied' as const };
    if (request.path === 'missing') return { status: 'not_found' as const };
    if (request.path === 'silent') return { status: 'ok' as const };
    return { status: 'ok' as const, data: { echo: request.data, by: request.context.identity.login } };
  }
}

/** Fails at once (path "fail") or after one message (path "finite": returns normally). */
class FlakyPlugin implements StreamPlugin {
  readonly id = 'flaky';
  readonly attempts: number[] = [];

  async subscribeStream() {
    return { status: 'ok' as const };
  }

  async runStream(request: StreamRequest, sender: { sendJSON(v: unknown): void }): Promise<void> {
    this.attempts.push(Date.now());
    if (request.path === 'finite') {
      await new Promise((r) => setTimeout(r, 50));
      sender.sendJSON({ last: true });
      return;
    }
    throw new Error('upstream unavailable');
  }

  async publishStream() {
    return { status: 'permission_denied' as const };
  }
}

/** Remembers the plugin context of data-source streams. */
class ContextPlugin implements StreamPlugin {
  readonly id = 'context-probe';
  readonly aliases = ['probe-type'];
  readonly seen: StreamRequest[] = [];
  readonly runs: { request: StreamRequest; aborted: boolean }[] = [];

  async subscribeStream(request: StreamRequest) {
    this.seen.push(request);
    return { status: 'ok' as const, initialData: { json: { ds: request.context.dataSource?.uid ?? null, path: request.path } } };
  }

  async runStream(request: StreamRequest, _sender: unknown, signal: AbortSignal): Promise<void> {
    const run = { request, aborted: false };
    this.runs.push(run);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => {
      run.aborted = true;
      resolve();
    }, { once: true }));
  }

  async publishStream() {
    return { status: 'ok' as const };
  }
}

const PROVISIONING = `# Grafana data-source provisioning (subset)
apiVersion: 1
datasources:
  - name: TestData
    type: grafana-testdata-datasource
    uid: td-1
    access: proxy
    isDefault: true
  - name: Probe
    type: probe-type
    uid: probe-1
    orgId: 1
    url: http://probe.example:8080
    jsonData:
      region: "\${PROBE_REGION}"
      depth: 3
    secureJsonData:
      apiKey: s3cret
  - name: No streaming
    type: prometheus
    uid: prom-1
`;

const MODULE_PLUGIN = `
export default [{
  id: 'from-file',
  async subscribeStream() { return { status: 'ok', initialData: { json: { loaded: true } } }; },
  async runStream(req, sender, signal) {
    const t = setInterval(() => sender.sendJSON({ file: true }), 20);
    await new Promise((r) => signal.addEventListener('abort', () => { clearInterval(t); r(); }, { once: true }));
  },
  async publishStream() { return { status: 'permission_denied' }; },
}];
`;

describe('plugin and data-source streams', () => {
  let server: FeatureHub<PluginsFeature>;
  let provisioningDir = '';
  const ticker = new TickerPlugin();
  const flaky = new FlakyPlugin();
  const probe = new ContextPlugin();
  const clients: Centrifuge[] = [];

  async function client(token = server.tokens.viewer): Promise<Centrifuge> {
    const c = newClient(`${server.wsUrl}?auth_token=${token}`);
    clients.push(c);
    await connected(c);
    return c;
  }

  function ended(sub: Subscription): Promise<{ code: number; reason: string }> {
    return new Promise((resolve) => sub.once('unsubscribed', (ctx) => resolve({ code: ctx.code, reason: ctx.reason })));
  }

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livehub-plugins-'));
    provisioningDir = dir;
    writeFileSync(join(dir, 'datasources.yaml'), PROVISIONING);
    writeFileSync(join(dir, 'plugin.mjs'), MODULE_PLUGIN);
    process.env['PROBE_REGION'] = 'eu-west';
    server = await startFeatureHub(
      (ctx) => {
        const feature = installPlugins(ctx, { plugins: [ticker, probe], runStream: { checkIntervalMs: 100, contextCheckMs: 200 } });
        feature.registerPlugin(flaky);
        return feature;
      },
      { env: { GF_LIVE_DATASOURCE_PROVISIONING: dir, GF_LIVE_PLUGIN_PATHS: join(dir, 'plugin.mjs') } },
    );
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  test('random-20Hz-stream: schema as initial data, then 20 ± 2 data frames per second', async () => {
    const c = await client();
    const sub = c.newSubscription('1/plugin/testdata/random-20Hz-stream');
    const got = collect(sub);
    const info = await subscribed(sub);
    assert.deepEqual(info.data, {
      schema: { name: 'testdata', fields: [{ name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' } }, { name: 'Value', type: 'number', typeInfo: { frame: 'float64' } }] },
    });
    await waitUntil(() => got.length > 0, 'first frame', 2000, 10);
    const startCount = got.length;
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const rate = ((got.length - startCount) * 1000) / (Date.now() - start);
    assert.ok(rate >= 18 && rate <= 22, `rate ${rate.toFixed(2)}/s`);
    const frame = got[got.length - 1]!.data as { data: { values: [number[], number[]] }; schema?: unknown };
    assert.equal(frame.schema, undefined, 'data-only frames append to the initial schema');
    assert.equal(frame.data.values.length, 2);
    assert.ok(Math.abs(frame.data.values[0]![0]! - Date.now()) < 1000, 'time is now, in epoch ms');
    assert.equal(typeof frame.data.values[1]![0], 'number');
    sub.unsubscribe();
  });

  test('the labeled and flakey streams send real frames', async () => {
    const c = await client();
    const labeled = c.newSubscription('1/plugin/testdata/random-labeled-stream');
    const gotLabeled = collect(labeled);
    const initial = (await subscribed(labeled)).data as { schema: { fields: Body[] } };
    assert.deepEqual(initial.schema.fields.map((f) => f['name']), ['labels', 'Time', 'Value']);
    await waitUntil(() => gotLabeled.length > 0, 'labeled frame', 2000, 10);
    const values = (gotLabeled[0]!.data as { data: { values: unknown[][] } }).data.values;
    assert.deepEqual(values[0], ['series=a', 'series=b', 'series=c']);
    const flakey = c.newSubscription('1/plugin/testdata/random-flakey-stream');
    const gotFlakey = collect(flakey);
    await subscribed(flakey);
    await waitUntil(() => gotFlakey.length > 0, 'flakey frame', 3000, 10);
    assert.ok((gotFlakey[0]!.data as Body)['schema'] !== undefined, 'a dropping stream sends full frames');
    labeled.unsubscribe();
    flakey.unsubscribe();
  });

  test('unknown plugin, path or data source → 404; plugin denial → 403; testdata refuses publishes', async () => {
    const c = await client();
    const codeOf = (channel: string) => subscribed(c.newSubscription(channel)).then(() => 0, (err: { code: number }) => err.code);
    assert.equal(await codeOf('1/plugin/nosuch/x'), 404);
    assert.equal(await codeOf('1/plugin/testdata/no-such-stream'), 404);
    assert.equal(await codeOf('1/ds/no-such-ds/x'), 404);
    assert.equal(await codeOf('1/ds/prom-1/x'), 404, 'a data source whose plugin does not stream');
    assert.equal(await codeOf('1/plugin/ticker/forbidden'), 403);
    const res = await request('POST', `${server.httpUrl}/api/live/publish`, { token: server.tokens.editor, body: { channel: 'plugin/testdata/random-2s-stream', data: {} } });
    assert.deepEqual([res.status, res.body], [403, { message: 'Forbidden' }]);
  });

  test('one run per channel, driven by the first subscriber; stopped after the idle checks', async () => {
    const before = ticker.runs.length;
    const a = await client(server.tokens.viewer);
    const b = await client(server.tokens.editor);
    const subA = a.newSubscription('1/plugin/ticker/shared', { data: { query: 'first' } });
    const gotA = collect(subA);
    await subscribed(subA);
    await waitUntil(() => ticker.runs.length === before + 1, 'run started', 2000, 10);
    const subB = b.newSubscription('1/plugin/ticker/shared', { data: { query: 'second' } });
    const gotB = collect(subB);
    await subscribed(subB);
    await waitUntil(() => gotB.length >= 3, 'second subscriber gets the shared run', 2000, 10);
    assert.equal(ticker.runs.length, before + 1, 'no second run');
    const run = ticker.runs[before]!;
    assert.deepEqual(run.request.data, { query: 'first' });
    assert.equal(run.request.context.identity.login, 'sa-viewer');
    assert.deepEqual((gotB[gotB.length - 1]!.data as Body)['data'], { query: 'first' });
    assert.ok(gotA.length >= gotB.length);

    subA.unsubscribe();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(run.ended, undefined, 'still running while one subscriber is left');
    subB.unsubscribe();
    const left = Date.now();
    await waitUntil(() => run.ended !== undefined, 'run stopped', 3000, 10);
    const idle = run.ended! - left;
    assert.ok(idle >= 200 && idle < 1500, `stopped ${idle} ms after the last subscriber left (3 checks of 100 ms)`);
    assert.ok(logsWith(server.logs, 'Stop stream since no active subscribers').some((l) => l['channel'] === '1/plugin/ticker/shared'));
    assert.equal(server.feature.runs.isRunning('1/plugin/ticker/shared'), false);

    // A new subscriber starts a new run.
    a.removeSubscription(subA);
    const again = a.newSubscription('1/plugin/ticker/shared', { data: { query: 'third' } });
    await subscribed(again);
    await waitUntil(() => ticker.runs.length === before + 2, 'new run', 2000, 10);
    assert.deepEqual(ticker.runs[before + 1]!.request.data, { query: 'third' });
    again.unsubscribe();
  });

  test('a failing run restarts with back-off: 200, 400, 800 ms …', async () => {
    const c = await client();
    const sub = c.newSubscription('1/plugin/flaky/fail');
    await subscribed(sub);
    await waitUntil(() => flaky.attempts.length >= 4, 'four attempts', 4000, 10);
    const gaps = flaky.attempts.slice(1, 4).map((t, i) => t - flaky.attempts[i]!);
    assert.ok(gaps[0]! >= 180 && gaps[0]! < 400, `first gap ${gaps[0]}`);
    assert.ok(gaps[1]! >= 380 && gaps[1]! < 700, `second gap ${gaps[1]}`);
    assert.ok(gaps[2]! >= 780 && gaps[2]! < 1200, `third gap ${gaps[2]}`);
    assert.ok(logsWith(server.logs, 'Error running stream, re-establishing').some((l) => l['channel'] === '1/plugin/flaky/fail' && l['error'] === 'upstream unavailable'));
    sub.unsubscribe();
  });

  test('a run that returns ends the stream: subscribers get unsubscribe 2000 "stream ended"', async () => {
    const c = await client();
    const sub = c.newSubscription('1/plugin/flaky/finite');
    const got = collect(sub);
    const end = ended(sub);
    await subscribed(sub);
    assert.deepEqual(await end, { code: 2000, reason: 'stream ended' });
    assert.deepEqual(got.map((p) => p.data), [{ last: true }]);
    assert.equal(sub.state, 'unsubscribed');
  });

  test('publishStream: OK data is published to subscribers; statuses map to 404/403; no data → nothing', async () => {
    const viewer = await client(server.tokens.viewer);
    const sub = viewer.newSubscription('1/plugin/ticker/echo');
    const got: unknown[] = [];
    sub.on('publication', (ctx) => {
      if ((ctx.data as Body)['echo'] !== undefined) got.push(ctx.data);
    });
    await subscribed(sub);
    // The edge publishes plugin output through node.publish, i.e. through the engine to every node.
    const node = server.hub.node;
    const published: string[] = [];
    const original = node.publish.bind(node);
    node.publish = (channel, data, options) => {
      published.push(channel);
      return original(channel, data, options);
    };
    await sub.publish({ via: 'ws' });
    const http = await request('POST', `${server.httpUrl}/api/live/publish`, { token: server.tokens.editor, body: { channel: 'plugin/ticker/echo', data: { via: 'http' } } });
    assert.deepEqual([http.status, http.body], [200, {}]);
    await waitUntil(() => got.length === 2, 'two echoes', 3000, 10);
    assert.deepEqual(got, [{ echo: { via: 'ws' }, by: 'sa-viewer' }, { echo: { via: 'http' }, by: 'sa-editor' }]);
    node.publish = original;
    assert.deepEqual(published, ['1/plugin/ticker/echo', '1/plugin/ticker/echo']);
    const status = async (path: string) => (await request('POST', `${server.httpUrl}/api/live/publish`, { token: server.tokens.editor, body: { channel: `plugin/ticker/${path}`, data: {} } })).status;
    assert.equal(await status('closed'), 403);
    assert.equal(await status('missing'), 404);
    assert.equal(await status('silent'), 200);
    sub.unsubscribe();
  });

  test('initial data: JSON and frames (NaN as null with entities)', async () => {
    const c = await client(server.tokens.editor);
    const json = c.newSubscription('1/plugin/ticker/json-initial');
    assert.deepEqual((await subscribed(json)).data, { hello: 'sa-editor' });
    const frame = c.newSubscription('1/plugin/ticker/frame-initial');
    assert.deepEqual((await subscribed(frame)).data, {
      schema: { name: 'f', fields: [{ name: 'time', type: 'time', typeInfo: { frame: 'time.Time' } }, { name: 'v', type: 'number', typeInfo: { frame: 'float64', nullable: true } }] },
      data: { values: [[1000], [null]], entities: [null, { NaN: [0] }] },
    });
    json.unsubscribe();
    frame.unsubscribe();
  });

  test('ds/<uid>/… channels: provisioned data sources, their plugin and context; other orgs see nothing', async () => {
    const c = await client();
    const td = c.newSubscription('1/ds/td-1/random-20Hz-stream');
    const got = collect(td);
    await subscribed(td);
    await waitUntil(() => got.length >= 2, 'testdata through a data source', 2000, 10);
    td.unsubscribe();

    const p = c.newSubscription('1/ds/probe-1/some/path');
    assert.deepEqual((await subscribed(p)).data, { ds: 'probe-1', path: 'some/path' });
    const seen = probe.seen[probe.seen.length - 1]!;
    assert.equal(seen.context.pluginId, 'context-probe');
    assert.equal(seen.context.orgId, 1);
    assert.deepEqual(seen.context.dataSource?.jsonData, { region: 'eu-west', depth: 3 });
    assert.deepEqual(seen.context.dataSource?.secureJsonData, { apiKey: 's3cret' });
    assert.equal(seen.context.dataSource?.url, 'http://probe.example:8080');
    p.unsubscribe();

    const other = await client(server.tokens.otherOrgEditor);
    await assert.rejects(subscribed(other.newSubscription('2/ds/td-1/random-20Hz-stream')), (err: { code: number }) => err.code === 404);
  });

  test('plugins load from module files ([live] plugin_paths)', async () => {
    const c = await client();
    const sub = c.newSubscription('1/plugin/from-file/anything');
    const got = collect(sub);
    assert.deepEqual((await subscribed(sub)).data, { loaded: true });
    await waitUntil(() => got.length > 0, 'module plugin data', 2000, 10);
    assert.deepEqual(got[0]!.data, { file: true });
    sub.unsubscribe();
  });

  test('data-source changes restart its streams; a removed data source ends them', async () => {
    const file = join(provisioningDir, 'watch.yaml');
    const define = (region: string) =>
      writeFileSync(file, `apiVersion: 1\ndatasources:\n  - name: Watch\n    type: probe-type\n    uid: watch-1\n    jsonData:\n      region: ${region}\n`);
    const watchRuns = () => probe.runs.filter((r) => r.request.context.dataSource?.uid === 'watch-1');
    define('one');
    await waitUntil(() => server.feature.dataSources.get(1, 'watch-1') !== undefined, 'the reload picks up the new file', 3000, 10);
    const c = await client();
    const sub = c.newSubscription('1/ds/watch-1/live');
    const end = ended(sub);
    await subscribed(sub);
    await waitUntil(() => watchRuns().length === 1, 'run started', 2000, 10);

    define('two');
    await waitUntil(() => watchRuns().length === 2, 'restart after the change', 3000, 10);
    assert.equal(watchRuns()[0]!.aborted, true, 'the old run was cancelled');
    assert.deepEqual(watchRuns()[1]!.request.context.dataSource?.jsonData, { region: 'two' });
    assert.ok(logsWith(server.logs, 'data source changed: restarting stream').length >= 1);

    writeFileSync(file, 'apiVersion: 1\ndatasources: []\n');
    assert.deepEqual(await end, { code: 2000, reason: 'stream ended' });
    assert.equal(watchRuns()[1]!.aborted, true);
    assert.equal(watchRuns().length, 2);
  });

  // No duplicates with several nodes (one RunStream per node, output node-local) is verified with real
  // processes and Redis in test/integration/ha-cluster.test.ts.
});
