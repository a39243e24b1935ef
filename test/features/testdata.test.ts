// The testdata plugin: the four channels for /api/live/list with Grafana's nominal rates and the
// schema of the frames the streams send; subscribe/publish statuses; a short run produces frames.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDataPlugin, testDataChannels } from '../../src/features/plugins/testdata/index.js';
import type { StreamRequest } from '../../src/features/plugins/api.js';
import { PluginRegistry } from '../../src/features/plugins/registry.js';

const TIME = { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' } };
const VALUE = { name: 'Value', type: 'number', typeInfo: { frame: 'float64' } };

function req(path: string): StreamRequest {
  return { path, data: undefined, context: { pluginId: 'testdata', orgId: 1, identity: { userId: '0', login: 'anonymous', name: 'Anonymous', orgId: 1, role: 'Viewer', authMethod: 'anonymous' } } };
}

test('testDataChannels lists the four streams with their nominal minute_rate and schema', () => {
  assert.deepEqual(testDataChannels(), [
    { channel: 'plugin/testdata/random-2s-stream', minute_rate: 30, data: { schema: { name: 'testdata', fields: [TIME, VALUE] } } },
    { channel: 'plugin/testdata/random-flakey-stream', minute_rate: 150, data: { schema: { name: 'testdata', fields: [TIME, VALUE] } } },
    { channel: 'plugin/testdata/random-labeled-stream', minute_rate: 250, data: { schema: { name: 'testdata', fields: [{ name: 'labels', type: 'string', typeInfo: { frame: 'string' } }, TIME, VALUE] } } },
    { channel: 'plugin/testdata/random-20Hz-stream', minute_rate: 1200, data: { schema: { name: 'testdata', fields: [TIME, VALUE] } } },
  ]);
});

test('subscribe, publish and a short run of the 20 Hz stream', async () => {
  const plugin = createTestDataPlugin();
  assert.equal((await plugin.subscribeStream(req('random-2s-stream'))).status, 'ok');
  assert.equal((await plugin.subscribeStream(req('nope'))).status, 'not_found');
  assert.equal((await plugin.publishStream(req('random-2s-stream'))).status, 'permission_denied');
  const sent: [unknown, string | undefined][] = [];
  const abort = new AbortController();
  const run = plugin.runStream(req('random-20Hz-stream'), { sendFrame: (f, include) => sent.push([f, include]), sendJSON: () => undefined }, abort.signal);
  await new Promise((r) => setTimeout(r, 180));
  abort.abort();
  await run;
  assert.ok(sent.length >= 2 && sent.length <= 4, `${sent.length} frames in 180 ms`);
  assert.equal(sent[0]![1], 'data');
});

test('plugin registry: ids, aliases, duplicates', () => {
  const registry = new PluginRegistry();
  registry.register(createTestDataPlugin());
  assert.equal(registry.get('testdata')?.id, 'testdata');
  assert.equal(registry.forType('grafana-testdata-datasource')?.id, 'testdata');
  assert.throws(() => registry.register(createTestDataPlugin()), /already registered/);
  assert.throws(() => registry.register({ ...createTestDataPlugin(), id: 'bad id' }), /invalid stream plugin id/);
  assert.throws(() => registry.register({ id: 'x' } as never), /not a stream plugin/);
});
