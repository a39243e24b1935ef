// The run-stream manager against a fake node: one run per channel, idle stop after N empty checks,
// restart back-off (base × 2^n, capped; long runs restart at once), ending a stream, stale senders,
// plugin/data-source disappearance and close().

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '../../harness/wait.js';
import type { DataFrame } from '../../src/frames/index.js';
import type { PluginContext, StreamPlugin, StreamRequest, StreamSender } from '../../src/features/plugins/api.js';
import { restartDelay, RunStreamManager, type LocalChannels, type ResolvedStream } from '../../src/features/plugins/run-manager.js';
import { createLogger } from '../../src/log/logger.js';

class FakeChannels implements LocalChannels {
  readonly published: [string, string][] = [];
  readonly ended: [string, number, string][] = [];
  subscribers = new Map<string, number>();

  publishLocal(fullChannel: string, data: string): void {
    this.published.push([fullChannel, data]);
  }

  localSubscribers(fullChannel: string): number {
    return this.subscribers.get(fullChannel) ?? 0;
  }

  endSubscriptions(fullChannel: string, code: number, reason: string): void {
    this.ended.push([fullChannel, code, reason]);
  }
}

type RunBody = (request: StreamRequest, sender: StreamSender, signal: AbortSignal) => Promise<void>;

function plugin(run: RunBody): StreamPlugin {
  return {
    id: 'fake',
    subscribeStream: async () => ({ status: 'ok' }),
    runStream: run,
    publishStream: async () => ({ status: 'ok' }),
  };
}

const context: PluginContext = { pluginId: 'fake', orgId: 1, identity: { userId: '1', login: 'u', name: 'U', orgId: 1, role: 'Viewer', authMethod: 'api_token' } };

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

function setup(options: ConstructorParameters<typeof RunStreamManager>[2] = {}) {
  const channels = new FakeChannels();
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  return { channels, logs, manager: new RunStreamManager(channels, log, { checkIntervalMs: 20, contextCheckMs: 60_000, ...options }) };
}

test('restartDelay: 100 ms × 2^n capped at 5 s', () => {
  const o = { backoffBaseMs: 100, backoffMaxMs: 5000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 10].map((n) => restartDelay(n, o)), [200, 400, 800, 1600, 3200, 5000, 5000]);
});

test('one run per channel; the first spec wins; output is node-local; idle checks stop it', async () => {
  const { channels, logs, manager } = setup();
  channels.subscribers.set('1/plugin/fake/a', 1);
  const requests: StreamRequest[] = [];
  let aborted = 0;
  const p = plugin(async (request, sender, signal) => {
    requests.push(request);
    sender.sendJSON({ hello: request.data });
    const frame: DataFrame = { name: 'f', fields: [{ name: 'v', type: 'number', nullable: false, values: [1] }] };
    sender.sendFrame(frame, 'data');
    sender.sendFrame(frame, 'schema');
    sender.sendFrame(frame);
    await untilAborted(signal);
    aborted++;
  });
  const resolve = (): ResolvedStream => ({ plugin: p, context });
  assert.equal(manager.submit('1/plugin/fake/a', { path: 'a', data: 'first', resolve }), true);
  assert.equal(manager.submit('1/plugin/fake/a', { path: 'a', data: 'second', resolve }), false);
  await waitUntil(() => channels.published.length === 4, 'output', 1000, 10);
  assert.deepEqual(channels.published.map(([, d]) => d), [
    '{"hello":"first"}',
    '{"data":{"values":[[1]]}}',
    '{"schema":{"name":"f","fields":[{"name":"v","type":"number","typeInfo":{"frame":"float64"}}]}}',
    '{"schema":{"name":"f","fields":[{"name":"v","type":"number","typeInfo":{"frame":"float64"}}]},"data":{"values":[[1]]}}',
  ]);
  assert.deepEqual(requests.map((r) => r.data), ['first']);
  // Subscribers present: checks keep resetting.
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(manager.isRunning('1/plugin/fake/a'), true);
  channels.subscribers.set('1/plugin/fake/a', 0);
  const emptySince = Date.now();
  await waitUntil(() => aborted === 1, 'stopped', 1000, 10);
  // The third empty check comes at least two periods (2 × 20 ms) after the count dropped to zero.
  assert.ok(Date.now() - emptySince >= 38, 'not before three empty checks');
  assert.equal(manager.isRunning('1/plugin/fake/a'), false);
  assert.deepEqual(channels.ended, [], 'an idle stop does not unsubscribe anyone');
  assert.ok(logs.some((l) => l['msg'] === 'Stop stream since no active subscribers' && l['channel'] === '1/plugin/fake/a' && l['level'] === 'debug'));
});

test('errors restart the run: short runs back off, long runs restart at once', async () => {
  const { logs, manager, channels } = setup({ backoffBaseMs: 20, backoffMaxMs: 70, shortRunMs: 30 });
  channels.subscribers.set('c', 1);
  const starts: number[] = [];
  const p = plugin(async (_r, _s, signal) => {
    starts.push(Date.now());
    if (starts.length === 5) await new Promise((r) => setTimeout(r, 40)); // a long run resets the back-off
    if (starts.length >= 7) return untilAborted(signal);
    throw new Error(`boom ${starts.length}`);
  });
  manager.submit('c', { path: 'p', data: null, resolve: () => ({ plugin: p, context }) });
  await waitUntil(() => starts.length === 7, 'seven starts', 3000, 10);
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  // Short runs 1-4 wait 40, 70 (capped), 70, 70 ms; run 5 lasts 40 ms (long) and restarts without
  // waiting; run 6 is short again and counts from n = 1 (40 ms).
  const expected = [40, 70, 70, 70, 40, 40];
  gaps.forEach((gap, i) => assert.ok(gap >= expected[i]! - 5 && gap < expected[i]! + 60, `gap ${i} = ${gap}, expected ≈ ${expected[i]}`));
  assert.equal(logs.filter((l) => l['msg'] === 'Error running stream, re-establishing' && l['channel'] === 'c').length, 6);
  assert.equal(logs.find((l) => l['msg'] === 'Error running stream, re-establishing')?.['error'], 'boom 1');
  await manager.close();
});

test('a run that returns ends the stream for local subscribers; a new submit starts over', async () => {
  const { channels, manager } = setup();
  let runs = 0;
  const p = plugin(async (_r, sender) => {
    runs++;
    sender.sendJSON({ bye: true });
  });
  manager.submit('e', { path: 'p', data: null, resolve: () => ({ plugin: p, context }) });
  await waitUntil(() => channels.ended.length === 1, 'ended', 1000, 10);
  assert.deepEqual(channels.ended, [['e', 2000, 'stream ended']]);
  assert.equal(manager.isRunning('e'), false);
  assert.equal(manager.submit('e', { path: 'p', data: null, resolve: () => ({ plugin: p, context }) }), true);
  await waitUntil(() => runs === 2, 'second run', 1000, 10);
});

test('a sender of a cancelled run is silent, and a plugin that ignores the signal does not block close()', async () => {
  const { channels, manager } = setup();
  let sender: StreamSender | undefined;
  const p = plugin(async (_r, s) => {
    sender = s;
    await new Promise(() => undefined); // never returns
  });
  manager.submit('s', { path: 'p', data: null, resolve: () => ({ plugin: p, context }) });
  await waitUntil(() => sender !== undefined, 'started', 1000, 10);
  const started = Date.now();
  await manager.close(100);
  assert.ok(Date.now() - started < 1000);
  sender!.sendJSON({ late: true });
  assert.deepEqual(channels.published, []);
  assert.equal(manager.submit('s', { path: 'p', data: null, resolve: () => ({ plugin: p, context }) }), false, 'closed');
  assert.throws(() => sender!.sendJSON(undefined), TypeError);
});

test('a plugin or data source that disappears ends the stream; a changed data source restarts it', async () => {
  const { channels, manager } = setup({ contextCheckMs: 30 });
  channels.subscribers.set('d', 1);
  const contexts: PluginContext[] = [];
  const p = plugin(async (request, _s, signal) => {
    contexts.push(request.context);
    await untilAborted(signal);
  });
  const ds = { uid: 'x', name: 'X', type: 'fake', orgId: 1, url: '', jsonData: {}, secureJsonData: {}, updated: 1 };
  let current: ResolvedStream | undefined = { plugin: p, context: { ...context, dataSource: ds } };
  manager.submit('d', { path: 'p', data: null, resolve: () => current });
  await waitUntil(() => contexts.length === 1, 'started', 1000, 10);
  current = { plugin: p, context: { ...context, dataSource: { ...ds, updated: 2 } } };
  await waitUntil(() => contexts.length === 2, 'restarted', 1000, 10);
  assert.equal(contexts[1]!.dataSource?.updated, 2);
  current = undefined;
  await waitUntil(() => channels.ended.length === 1, 'ended', 1000, 10);
  assert.deepEqual(channels.ended, [['d', 2000, 'stream ended']]);
  assert.equal(manager.isRunning('d'), false);
  // Gone before the first start: not started at all.
  manager.submit('g', { path: 'p', data: null, resolve: () => undefined });
  await waitUntil(() => channels.ended.length === 2, 'ended at once', 1000, 10);
  assert.equal(contexts.length, 2);
});
