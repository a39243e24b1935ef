// The hub encodes a join/leave once per channel string and hands every receiver the same frame
// object (no per-receiver encoding), skips the client the event is about, and only reaches
// subscriptions with join/leave on that are active (their subscribe reply was written).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelHandler } from '../../src/live/handlers.js';
import { Hub } from '../../src/live/hub.js';
import { Subscription, type SubscriptionOwner } from '../../src/live/channel-subscription.js';
import type { OutboundMessage } from '../../src/protocol/outbound-message.js';

const HANDLER: ChannelHandler = { onSubscribe: async () => ({ status: 'ok' }), onPublish: async () => ({ status: 'ok' }) };
const FULL = '1/grafana/broadcast/hub';

class Owner implements SubscriptionOwner {
  readonly sent: OutboundMessage[] = [];
  constructor(readonly clientId: string) {}
  get info() {
    return { user: '1', client: this.clientId };
  }
  send(message: OutboundMessage): void {
    this.sent.push(message);
  }
  dropSubscription(): void {}
  overflow(): void {}
}

function subscribed(hub: Hub, owner: Owner, channel: string, joinLeave = true, active = true): void {
  const sub = new Subscription(owner, channel, FULL, HANDLER, { presence: true, joinLeave, history: false, positioned: false });
  hub.add(sub);
  if (active) sub.activate();
}

test('a join is encoded once per channel string and the same frame reaches every receiver', () => {
  const hub = new Hub();
  const owners = Array.from({ length: 50 }, (_, i) => new Owner(`c${i}`));
  for (const owner of owners) subscribed(hub, owner, 'grafana/broadcast/hub');
  const aliased = new Owner('alias');
  subscribed(hub, aliased, '1/grafana/broadcast/hub');
  const quiet = new Owner('quiet');
  subscribed(hub, quiet, 'grafana/broadcast/hub', false);
  const pending = new Owner('pending');
  subscribed(hub, pending, 'grafana/broadcast/hub', true, false);

  hub.broadcastJoin(FULL, { user: '7', client: 'c0' });
  assert.equal(owners[0]!.sent.length, 0, 'not about itself');
  const frames = new Set(owners.slice(1).map((o) => o.sent[0]));
  assert.equal(frames.size, 1, 'one frame object for all 49 receivers');
  assert.equal([...frames][0]!.text, '{"push":{"channel":"grafana/broadcast/hub","join":{"info":{"user":"7","client":"c0"}}}}');
  assert.equal(aliased.sent.length, 1);
  assert.notEqual(aliased.sent[0], [...frames][0], 'another channel string, its own encoding');
  assert.match(aliased.sent[0]!.text, /"channel":"1\/grafana\/broadcast\/hub"/);
  assert.deepEqual([quiet.sent.length, pending.sent.length], [0, 0]);

  hub.broadcastLeave(FULL, { user: '7', client: 'c0' });
  assert.equal(new Set(owners.slice(1).map((o) => o.sent[1])).size, 1);
});
