// Abuse on /api/live/ws while well-behaved clients keep working: connection floods past
// max_connections (3504), per-connection command rate limits (3013), subscribe/unsubscribe churn
// without leaks, the channel limit (106), commands piling up behind a slow handler (3013).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { reconnects } from '../../src/protocol/codes.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { startHub, type TestHub } from '../helpers/hub.js';

type Frame = Record<string, unknown>;

function pubOf(frame: Frame): { data?: { n?: number } } | undefined {
  return (frame['push'] as { pub?: { data?: { n?: number } } } | undefined)?.pub;
}

/** A connected raw client subscribed to `channel`. */
async function goodClient(server: TestHub, channel: string): Promise<RawClient> {
  const c = await RawClient.open(server.wsUrl);
  await c.connect();
  c.send({ id: 2, subscribe: { channel } });
  const reply = await c.reply(2);
  // A broadcast channel's subscribe result may carry the last message as initial data.
  assert.ok(reply['subscribe'] !== undefined, JSON.stringify(reply));
  return c;
}

/** Publishes n numbered messages and checks every good client got all of them, in order. */
async function deliveredToAll(server: TestHub, clients: RawClient[], channel: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) await server.hub.node.publish(channel, JSON.stringify({ n: i }));
  for (const c of clients) {
    for (let i = from; i < from + n; i++) {
      const frame = await c.next((f) => pubOf(f)?.data?.n === i, 5000);
      assert.ok(frame);
    }
  }
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('abuse: connections and commands', () => {
  test('a connection flood past max_connections gets 3504 while connected clients are unaffected', async () => {
    // max_connections alone: the caps on unauthenticated connections (tested below) are lifted.
    const server = await startHub({ GF_LIVE_MAX_CONNECTIONS: '20', GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS: '-1', GF_LIVE_MAX_UNAUTHENTICATED_CONNECTIONS_PER_IP: '-1', GF_LOG_LEVEL: 'error' });
    try {
      const channel = '1/grafana/broadcast/flood';
      const good = await Promise.all(Array.from({ length: 5 }, () => goodClient(server, channel)));
      await deliveredToAll(server, good, channel, 0, 5);

      // 300 sockets at once; the 15 free slots are taken, everything else is closed 3504.
      const flood = Array.from({ length: 300 }, () => {
        const ws = new WebSocket(server.wsUrl);
        ws.on('error', () => undefined);
        return ws;
      });
      const codes = flood.map(closeCode);
      // Meanwhile the good clients keep receiving and publishing.
      await deliveredToAll(server, good, channel, 5, 20);
      good[0]!.send({ id: 3, publish: { channel, data: { n: 1000 } } });
      assert.deepEqual((await good[0]!.reply(3))['publish'], {});
      for (const c of good) await c.next((f) => pubOf(f)?.data?.n === 1000);

      // Every flood socket is either one of the 15 admitted or got its 3504.
      await waitUntil(() => server.hub.node.counters.connectionLimitRejections === 285 && server.hub.node.numClients === 20, 'the flood to be sorted out', 10_000, 10);
      for (const ws of flood) if (ws.readyState === WebSocket.OPEN) ws.close();
      const closes = await Promise.all(codes);
      assert.equal(closes.filter((c) => c === 3504).length, 285, `3504 for everything over the limit: ${JSON.stringify(closes.slice(0, 20))}`);
      assert.equal(reconnects(3504), false, 'terminal: centrifuge-js does not retry');
      assert.equal(server.hub.node.counters.connectionLimitRejections, 285);
      await waitUntil(() => server.hub.node.numClients === 5, 'flood sockets released', 5000, 10);
      // Freed slots are usable again.
      const late = await goodClient(server, channel);
      await deliveredToAll(server, [...good, late], channel, 2000, 3);
      for (const c of [...good, late]) c.close();
    } finally {
      await server.stop();
    }
  });

  test('command rate: a burst over client_command_burst closes 3013, a client within the rate is never cut', async () => {
    const server = await startHub({ GF_LIVE_CLIENT_COMMAND_RATE: '50', GF_LIVE_CLIENT_COMMAND_BURST: '20', GF_LOG_LEVEL: 'warn' });
    try {
      const channel = '1/grafana/broadcast/rate';
      const good = await goodClient(server, channel); // 2 commands used

      const abuser = await RawClient.open(server.wsUrl);
      await abuser.connect();
      abuser.send(...Array.from({ length: 25 }, (_, i) => ({ id: i + 2, presence_stats: { channel } })));
      const closed = await abuser.closed;
      assert.deepEqual(closed, { code: 3013, reason: 'too many requests' });
      assert.equal(reconnects(3013), true, '3013 makes centrifuge-js back off and reconnect');
      assert.ok(server.logs.some((l) => l['msg'] === 'closing client: command rate exceeded' && l['rate'] === 50 && l['burst'] === 20));
      assert.equal(server.hub.node.counters.disconnects.get('3013'), 1);

      // 40 commands over ~1.6 s (25/s, half the rate): never closed.
      for (let i = 0; i < 40; i++) {
        good.send({ id: 100 + i, presence_stats: { channel } });
        await good.reply(100 + i);
        await new Promise((r) => setTimeout(r, 40));
      }
      await deliveredToAll(server, [good], channel, 0, 3);
      good.close();
    } finally {
      await server.stop();
    }
  });

  test('the default limit lets centrifuge-js open a page with 128 subscriptions at once', async () => {
    const server = await startHub({ GF_LOG_LEVEL: 'error' });
    try {
      const client = newClient(server.wsUrl);
      const subs = Array.from({ length: 128 }, (_, i) => client.newSubscription(`1/grafana/broadcast/page-${i}`));
      for (const s of subs) s.subscribe();
      await connected(client);
      await Promise.all(subs.map(subscribed));
      const got = collect(subs[127]!);
      await server.hub.node.publish('1/grafana/broadcast/page-127', '{"ok":true}');
      await waitUntil(() => got.length === 1, 'delivery', 3000, 10);
      client.disconnect();
    } finally {
      await server.stop();
    }
  });

  test('subscribe/unsubscribe churn: over the rate → 3013; within it nothing leaks', async () => {
    const server = await startHub({ GF_LIVE_CLIENT_COMMAND_RATE: '100', GF_LIVE_CLIENT_COMMAND_BURST: '200', GF_LOG_LEVEL: 'error' });
    const fast = await startHub({ GF_LIVE_CLIENT_COMMAND_RATE: '0', GF_LOG_LEVEL: 'error' });
    try {
      // 150 subscribe+unsubscribe pairs in one burst = 300 commands > 200.
      const churner = await RawClient.open(server.wsUrl);
      await churner.connect();
      const pairs = Array.from({ length: 150 }, (_, i) => [
        { id: 2 * i + 2, subscribe: { channel: `1/grafana/broadcast/churn-${i % 7}` } },
        { id: 2 * i + 3, unsubscribe: { channel: `1/grafana/broadcast/churn-${i % 7}` } },
      ]).flat();
      churner.send(...pairs.slice(0, 100));
      await churner.reply(101);
      churner.send(...pairs.slice(100));
      assert.equal((await churner.closed).code, 3013);

      // Unlimited node: 3,000 cycles over 50 channels, then everything is released.
      const good = await goodClient(fast, '1/grafana/broadcast/keep');
      const cycler = await RawClient.open(fast.wsUrl);
      await cycler.connect();
      let id = 10;
      for (let round = 0; round < 60; round++) {
        const batch = [];
        for (let i = 0; i < 50; i++) {
          batch.push({ id: id++, subscribe: { channel: `1/grafana/broadcast/cycle-${i}` } }, { id: id++, unsubscribe: { channel: `1/grafana/broadcast/cycle-${i}` } });
        }
        cycler.send(...batch);
        await cycler.reply(id - 1);
        cycler.frames.length = 0;
      }
      assert.equal(fast.hub.node.counters.disconnects.get('3013') ?? 0, 0);
      await waitUntil(() => fast.hub.node.stats().numChannels === 1 && fast.hub.node.stats().numSubscriptions === 1, 'churned channels released', 3000, 10);
      const presence = await fast.hub.node.presenceStats('1/grafana/broadcast/cycle-0');
      assert.equal(presence.numClients, 0, 'no presence left behind');
      await deliveredToAll(fast, [good], '1/grafana/broadcast/keep', 0, 3);
      cycler.close();
      good.close();
      await waitUntil(() => fast.hub.node.stats().numSubscriptions === 0, 'all released', 3000, 10);
    } finally {
      await server.stop();
      await fast.stop();
    }
  });

  test('too many channels: the 129th subscribe gets 106 and the connection stays usable', async () => {
    const server = await startHub({ GF_LIVE_CLIENT_COMMAND_RATE: '0', GF_LOG_LEVEL: 'error' });
    try {
      const c = await RawClient.open(server.wsUrl);
      await c.connect();
      c.send(...Array.from({ length: 129 }, (_, i) => ({ id: i + 2, subscribe: { channel: `1/grafana/broadcast/ch-${i}` } })));
      for (let i = 0; i < 128; i++) assert.deepEqual((await c.reply(i + 2))['subscribe'], {});
      assert.deepEqual((await c.reply(130))['error'], { code: 106, message: 'limit exceeded' });
      c.send({ id: 200, unsubscribe: { channel: '1/grafana/broadcast/ch-0' } }, { id: 201, subscribe: { channel: '1/grafana/broadcast/ch-200' } });
      assert.deepEqual((await c.reply(201))['subscribe'], {});
      await deliveredToAll(server, [c], '1/grafana/broadcast/ch-200', 0, 2);
      c.close();
    } finally {
      await server.stop();
    }
  });

  test('commands piling up behind a handler that never answers close 3013 instead of growing without bound', async () => {
    const server = await startHub({ GF_LIVE_CLIENT_COMMAND_RATE: '0', GF_LOG_LEVEL: 'error' });
    try {
      server.hub.registry.register('slow', () => ({
        onSubscribe: () => new Promise(() => undefined),
        onPublish: async () => ({ status: 'ok' }),
      }));
      const good = await goodClient(server, '1/grafana/broadcast/ok');
      const stuck = await RawClient.open(server.wsUrl);
      await stuck.connect();
      stuck.send({ id: 2, subscribe: { channel: '1/slow/x/y' } });
      for (let i = 0; i < 6; i++) stuck.send(...Array.from({ length: 200 }, (_, j) => ({ id: 10 + i * 200 + j, presence_stats: { channel: '1/grafana/broadcast/ok' } })));
      assert.equal((await stuck.closed).code, 3013);
      await deliveredToAll(server, [good], '1/grafana/broadcast/ok', 0, 2);
      good.close();
    } finally {
      await server.stop();
    }
  });
});
