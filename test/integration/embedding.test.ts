// The library surface: an app builds a hub from code, adds its own scope handler and RPC method,
// and publishes from its own code to a centrifuge client.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitUntil } from '../../harness/wait.js';
import { createLiveHub, defaultConfig, type ChannelHandler } from '../../src/index.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { createLogger } from '../../src/log/logger.js';

test('embedding: custom scope, rpc, and server-side publish', async () => {
  const config = defaultConfig();
  config.server.httpPort = 0;
  config.server.httpAddr = '127.0.0.1';
  config.paths.data = mkdtempSync(join(tmpdir(), 'livehub-embed-'));
  config.apiTokens.file = join(config.paths.data, 'tokens.json');
  const hub = createLiveHub({ config, logger: createLogger('error') });
  const chat: ChannelHandler = {
    onSubscribe: async () => ({ status: 'ok', presence: true, data: '{"welcome":true}' }),
    onPublish: async (req) => ({ status: 'ok', data: JSON.stringify({ text: (req.data as { text?: string }).text ?? '', by: req.identity.login }) }),
  };
  hub.registry.register('chat', () => chat);
  hub.node.registerRpc('app.time', async () => JSON.stringify({ now: 42 }));
  const port = await hub.start();
  try {
    const client = newClient(`ws://127.0.0.1:${port}/api/live/ws`);
    await connected(client);
    const sub = client.newSubscription('1/chat/room/lobby');
    const got = collect(sub);
    assert.deepEqual((await subscribed(sub)).data, { welcome: true });
    await sub.publish({ text: 'hi', ignored: true });
    await hub.node.publish('1/chat/room/lobby', '{"text":"from the server"}');
    await waitUntil(() => got.length === 2, 'publications', 5000, 10);
    assert.deepEqual(got.map((p) => p.data), [{ text: 'hi', by: 'anonymous' }, { text: 'from the server' }]);
    assert.deepEqual((await client.rpc('app.time', {})).data, { now: 42 });
    client.disconnect();
  } finally {
    await hub.stop();
  }
});
