// The memory engine's budget and TTLs end to end: [live] keys reach the engine, /metrics shows what
// it holds against the budget and what it evicted, and history expires on the timer with nobody
// reading the channels.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { metric, scrapeMetrics } from '../../harness/metrics.js';
import { waitUntil as eventually } from '../../harness/wait.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

describe('memory engine budget and expiry through the server', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub({ GF_LIVE_MEMORY_ENGINE_BUDGET: '64KiB', GF_LIVE_HISTORY_TTL: '1' });
  });
  after(() => server.stop());

  test('publishes past the budget are evicted oldest first and counted; history expires unread', async () => {
    const data = 'x'.repeat(4096);
    for (let i = 0; i < 40; i++) {
      const r = await postJson(`${server.httpUrl}/api/live/publish`, { channel: `grafana/broadcast/budget-${i}`, data });
      assert.equal(r.status, 200);
    }
    let text = await scrapeMetrics(server.httpUrl);
    assert.equal(metric(text, 'livehub_engine_memory_budget_bytes'), 65536);
    const held = ['history', 'history_meta', 'value', 'frame'].reduce((s, kind) => s + metric(text, 'livehub_engine_memory_bytes', { kind }), 0);
    assert.ok(held > 32768 && held <= 65536, `held ${held}`);
    assert.ok(metric(text, 'livehub_engine_memory_evictions_total', { kind: 'value' }) > 0);
    assert.ok(metric(text, 'livehub_engine_memory_evictions_total', { kind: 'history' }) > 0);
    // history_ttl = 1 s: the sweep drops the entries although nobody reads them.
    await eventually(async () => {
      text = await scrapeMetrics(server.httpUrl);
      return metric(text, 'livehub_engine_memory_bytes', { kind: 'history' }) === 0;
    }, 'history entries expired', 5000, 100);
    assert.ok(metric(text, 'livehub_engine_memory_expirations_total', { kind: 'history' }) > 0);
    assert.ok(metric(text, 'livehub_engine_memory_bytes', { kind: 'value' }) > 0, 'last messages live 5 minutes');
  });
});
