// The reject-unrecovered flow with the real centrifuge client: a subscription with `getState` sends
// `flag & 2`; when its saved position can no longer be recovered (the stream moved past the history
// size while it was unsubscribed), livehub answers error 112, and the client resets its position,
// calls getState again to reload the application's state, and subscribes from the new position.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { startHub, type TestHub } from '../helpers/hub.js';

const CHANNEL = 'grafana/broadcast/state';
const FULL = `1/${CHANNEL}`;

let hub: TestHub;
before(async () => {
  hub = await startHub({ GF_LIVE_HISTORY_SIZE: '5' });
});
after(() => hub.stop());

async function publish(n: number): Promise<void> {
  const res = await fetch(`${hub.httpUrl}/api/live/publish`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ channel: CHANNEL, data: { n } }),
  });
  assert.equal(res.status, 200, await res.text());
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a position lost from history: 112, the client calls getState again and subscribes from the new position', async () => {
  const positions: { offset: number; epoch: string }[] = [];
  // The application's state loader: it reads the stream's top first, as centrifuge-js asks.
  const getState = async (): Promise<{ offset: number; epoch: string }> => {
    const { position } = await hub.hub.node.history(FULL, { limit: 0 });
    positions.push(position);
    return position;
  };
  const client = newClient(hub.wsUrl);
  await connected(client);
  const sub = client.newSubscription(`1/${CHANNEL}`, { getState });
  const errors: number[] = [];
  sub.on('error', (ctx) => errors.push(ctx.error.code));
  const received = collect(sub);

  await subscribed(sub);
  assert.equal(positions.length, 1, 'getState on the first subscribe');
  await publish(1);
  await publish(2);
  await waitFor(() => received.length === 2, 'the first two publications');

  // Unsubscribed, the stream moves on past the history size (5): offset 2 is gone.
  sub.unsubscribe();
  for (let n = 3; n <= 12; n++) await publish(n);

  const again = subscribed(sub);
  const info = await again;
  assert.equal(positions.length, 2, 'getState again after the unrecoverable position');
  assert.deepEqual(positions[1], { offset: 12, epoch: positions[0]!.epoch });
  assert.equal(info.recovered, true, 'recovered from the position getState returned');
  assert.deepEqual(errors, [], '112 is handled by the client, never surfaced as an error');
  await publish(13);
  await waitFor(() => received.length === 3, 'the next publication');
  assert.deepEqual(received.map((r) => (r.data as { n: number }).n), [1, 2, 13], 'nothing between the reload and the live stream');
  client.disconnect();
});

test('without getState the same situation is answered recovered: false (no flag 2)', async () => {
  const client = newClient(hub.wsUrl);
  await connected(client);
  const sub = client.newSubscription(`1/${CHANNEL}-plain`, { recoverable: true });
  await subscribed(sub);
  const publishPlain = async (n: number): Promise<void> => {
    const res = await fetch(`${hub.httpUrl}/api/live/publish`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: `${CHANNEL}-plain`, data: { n } }),
    });
    assert.equal(res.status, 200);
  };
  await publishPlain(1);
  sub.unsubscribe();
  for (let n = 2; n <= 9; n++) await publishPlain(n);
  const info = await subscribed(sub);
  assert.equal(info.wasRecovering, true);
  assert.equal(info.recovered, false);
  client.disconnect();
});
