// The hub encodes a join/leave once per channel string and hands every receiver the same frame
// object (no per-receiver encoding), skips the client the event is about, and only reaches
// subscriptions with join/leave on that are active (their subscribe reply was written).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChannelHandler } from '../../src/live/handlers.js';
import { Hub } from '../../src/live/hub.js';
import { Subscription, type SubscriptionOwner } from '../../src/live/channel-subscription.js';
import type { ProtocolCodec } from '../../src/protocol/codec.js';
import { JSON_CODEC } from '../../src/protocol/json-codec.js';
import type { OutboundMessage } from '../../src/protocol/outbound-message.js';
import { PROTOBUF_CODEC } from '../../src/protocol/protobuf/protobuf-codec.js';
import { pb } from '../../src/protocol/protobuf/messages.js';
import type { SharedPush } from '../../src/protocol/shared-push.js';

const HANDLER: ChannelHandler = { onSubscribe: async () => ({ status: 'ok' }), onPublish: async () => ({ status: 'ok' }) };
const FULL = '1/grafana/broadcast/hub';

class Owner implements SubscriptionOwner {
  readonly sent: OutboundMessage[] = [];
  constructor(
    readonly clientId: string,
    private readonly codec: ProtocolCodec = JSON_CODEC,
  ) {}
  get info() {
    return { user: '1', client: this.clientId };
  }
  sendPush(push: SharedPush): void {
    this.sent.push(push.in(this.codec));
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

/** A codec that counts how often it encodes a publication push. */
function counting(codec: ProtocolCodec): ProtocolCodec & { publications: number } {
  const counted = { ...codec, publications: 0 };
  counted.publicationPush = (channel, publication) => {
    counted.publications++;
    return codec.publicationPush(channel, publication);
  };
  return counted;
}

test('a publication is encoded once per codec in use, JSON and protobuf subscribers share the channel', () => {
  const json = counting(JSON_CODEC);
  const protobuf = counting(PROTOBUF_CODEC);
  const hub = new Hub();
  const jsonOwners = Array.from({ length: 20 }, (_, i) => new Owner(`j${i}`, json));
  const protobufOwners = Array.from({ length: 20 }, (_, i) => new Owner(`p${i}`, protobuf));
  for (const owner of [...jsonOwners, ...protobufOwners]) subscribed(hub, owner, 'grafana/broadcast/hub');

  const data = '{"big":12345678901234567890,"x":1e400}';
  assert.equal(hub.broadcast(FULL, { data, info: { user: '7', client: 'c0' } }), 40);
  assert.deepEqual([json.publications, protobuf.publications], [1, 1], 'one encoding per codec, not per subscriber');
  assert.equal(new Set(jsonOwners.map((o) => o.sent[0])).size, 1);
  assert.equal(new Set(protobufOwners.map((o) => o.sent[0])).size, 1);
  const jsonMessage = jsonOwners[0]!.sent[0]!;
  assert.equal(jsonMessage.binary, false);
  assert.equal(jsonMessage.text, `{"push":{"channel":"grafana/broadcast/hub","pub":{"data":${data},"info":{"user":"7","client":"c0"}}}}`);
  const protobufMessage = protobufOwners[0]!.sent[0]!;
  assert.equal(protobufMessage.binary, true);
  const reply = pb.Reply.decodeDelimited(protobufMessage.payload);
  assert.equal(reply.push?.channel, 'grafana/broadcast/hub');
  assert.equal(Buffer.from(reply.push!.pub!.data!).toString('utf8'), data, 'the exact JSON text, as bytes');
  assert.deepEqual({ ...reply.push!.pub!.info }, { user: '7', client: 'c0' });
});

test('a codec without subscribers never encodes', () => {
  const json = counting(JSON_CODEC);
  const protobuf = counting(PROTOBUF_CODEC);
  const hub = new Hub();
  for (let i = 0; i < 5; i++) subscribed(hub, new Owner(`j${i}`, json), 'grafana/broadcast/hub');
  hub.broadcast(FULL, { data: '1' });
  assert.deepEqual([json.publications, protobuf.publications], [1, 0]);
});
