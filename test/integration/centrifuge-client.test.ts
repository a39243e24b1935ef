// The unmodified centrifuge npm client against a real livehub over its WebSocket, in both codecs
// (JSON; protobuf: centrifuge/build/protobuf, binary frames): the protocol suite of
// centrifuge-suite.ts, plus what only the raw JSON WebSocket can show.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WEBSOCKET_JSON, WEBSOCKET_PROTOBUF } from '../helpers/fallback-client.js';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { startHub, type TestHub } from '../helpers/hub.js';
import { centrifugeProtocolSuite } from './centrifuge-suite.js';

centrifugeProtocolSuite(WEBSOCKET_JSON);
centrifugeProtocolSuite(WEBSOCKET_PROTOBUF);

describe('raw JSON WebSocket against livehub', () => {
  let server: TestHub;
  before(async () => {
    server = await startHub({ GF_LIVE_HISTORY_SIZE: '5' });
  });
  after(() => server.stop());

  test('after 2500 the engine keeps the channel subscribed while subscribers come back (no UNSUBSCRIBE churn)', async () => {
    const node = server.hub.node;
    const unsubscribed: string[] = [];
    const broker = server.hub.engine.broker;
    const original = broker.unsubscribe.bind(broker);
    broker.unsubscribe = async (channels: readonly string[]) => {
      unsubscribed.push(...channels);
      await original(channels);
    };
    try {
      const raw = await RawClient.open(server.wsUrl);
      await raw.connect();
      raw.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/grace' } });
      await raw.reply(2);
      node.onResubscribed(['1/grafana/broadcast/grace']);
      const push = await raw.next((f) => (f['push'] as { unsubscribe?: { code: number } } | undefined)?.unsubscribe?.code === 2500);
      assert.equal((push['push'] as { channel: string }).channel, '1/grafana/broadcast/grace');
      // A slow client: back well after the ordinary 100 ms unsubscribe delay.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(unsubscribed.filter((c) => c.endsWith('/grace')).length, 0, 'still subscribed in the engine during the grace');
      raw.send({ id: 3, subscribe: { channel: '1/grafana/broadcast/grace' } });
      await raw.reply(3);
      // Leaving normally afterwards unsubscribes after the ordinary delay again.
      raw.send({ id: 4, unsubscribe: { channel: '1/grafana/broadcast/grace' } });
      await raw.reply(4);
      await waitUntil(() => unsubscribed.includes('1/grafana/broadcast/grace'), 'ordinary unsubscribe', 3000, 10);
      raw.close();
    } finally {
      broker.unsubscribe = original;
    }
  });

});
