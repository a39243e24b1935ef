// The protobuf codec against the generated code: commands decode to the same typed commands as their
// JSON form, every reply and push decodes back to what was encoded (data as the exact JSON bytes),
// messages are varint-length-delimited so several share one frame, and malformed input is refused.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCommands } from '../../src/protocol/commands.js';
import { JSON_CODEC } from '../../src/protocol/json-codec.js';
import { OutboundMessage } from '../../src/protocol/outbound-message.js';
import { countDelimited, decodeProtobufCommands, isProtobufPong } from '../../src/protocol/protobuf/commands.js';
import { pb, pbReader } from '../../src/protocol/protobuf/messages.js';
import { PROTOBUF_CODEC } from '../../src/protocol/protobuf/protobuf-codec.js';

type CommandProps = NonNullable<Parameters<typeof pb.Command.encode>[0]>;

function frame(commands: CommandProps[]): Uint8Array {
  const writer = pb.Command.encodeDelimited(commands[0]!);
  for (const command of commands.slice(1)) pb.Command.encodeDelimited(command, writer);
  return writer.finish();
}

const bytes = (json: string): Uint8Array => new TextEncoder().encode(json);

function replies(message: OutboundMessage): ReturnType<typeof pb.Reply.decode>[] {
  const reader = pbReader(message.payload);
  const out = [];
  while (reader.pos < reader.len) out.push(pb.Reply.decodeDelimited(reader));
  return out;
}

test('protobuf commands decode to the same commands as their JSON form', () => {
  const data = '{"big":12345678901234567890,"x":1e400,"s":"é"}';
  const protobuf = decodeProtobufCommands(frame([
    { id: 1, connect: { token: 't', name: 'js' } },
    { id: 2, subscribe: { channel: '1/grafana/broadcast/a', recover: true, recoverable: true, offset: 5, epoch: 'abcd', join_leave: true } },
    { id: 3, publish: { channel: '1/grafana/broadcast/a', data: bytes(data) } },
    { id: 4, history: { channel: 'c', limit: 10, since: { offset: 3, epoch: 'e' }, reverse: true } },
    { id: 5, presence: { channel: 'c' } },
    { id: 6, presence_stats: { channel: 'c' } },
    { id: 7, rpc: { method: 'm', data: bytes('[1,2]') } },
    { id: 8, unsubscribe: { channel: 'c' } },
    { id: 9, refresh: { token: 'r' } },
    { send: { data: bytes('{"m":1}') } },
    {},
  ]));
  const json = decodeCommands([
    '{"id":1,"connect":{"token":"t","name":"js"}}',
    '{"id":2,"subscribe":{"channel":"1/grafana/broadcast/a","recover":true,"recoverable":true,"offset":5,"epoch":"abcd","join_leave":true}}',
    `{"id":3,"publish":{"channel":"1/grafana/broadcast/a","data":${data}}}`,
    '{"id":4,"history":{"channel":"c","limit":10,"since":{"offset":3,"epoch":"e"},"reverse":true}}',
    '{"id":5,"presence":{"channel":"c"}}',
    '{"id":6,"presence_stats":{"channel":"c"}}',
    '{"id":7,"rpc":{"method":"m","data":[1,2]}}',
    '{"id":8,"unsubscribe":{"channel":"c"}}',
    '{"id":9,"refresh":{"token":"r"}}',
    '{"send":{"data":{"m":1}}}',
    '{}',
  ].join('\n'));
  assert.ok(protobuf.ok && json.ok);
  assert.deepEqual(protobuf.commands, json.commands);
  const publish = protobuf.commands[2]!;
  assert.ok(publish.method === 'publish');
  assert.equal(publish.params.rawData, data, 'published data is the exact text');
});

test('the length prefixes count the commands; a single zero byte is the pong', () => {
  assert.equal(countDelimited(frame([{ id: 1, connect: {} }, { id: 2, ping: {} }, {}])), 3);
  assert.equal(countDelimited(new Uint8Array([5, 1, 2])), -1, 'a prefix longer than the message');
  assert.equal(countDelimited(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), -1);
  assert.ok(isProtobufPong(frame([{}])));
  assert.ok(!isProtobufPong(frame([{ id: 1, ping: {} }])));
});

test('malformed protobuf commands are refused with a reason', () => {
  const refused = (input: Uint8Array): string => {
    const result = decodeProtobufCommands(input);
    assert.equal(result.ok, false);
    return result.ok ? '' : result.error;
  };
  assert.match(refused(new Uint8Array(0)), /empty/);
  assert.match(refused(new Uint8Array([10, 1, 2])), /range|index|length/i);
  assert.match(refused(frame([{ id: 3, publish: { channel: 'c', data: bytes('not json') } }])), /not JSON/);
  assert.match(refused(frame([{ id: 3, publish: { channel: 'c', data: new Uint8Array([0xff, 0xfe]) } }])), /UTF-8/);
  assert.match(refused(frame([{ id: 3 }])), /unknown command/);
  assert.match(refused(frame([{ id: 2, subscribe: { channel: 'c', offset: 2 ** 60 } }])), /offset out of range/);
});

test('every reply and push round-trips through the generated decoder, JSON data as its exact bytes', () => {
  const pub = { data: '{"v":1e400}', info: { user: '7', client: 'c1' }, offset: 4, epoch: 'ep' };
  const [connect] = replies(PROTOBUF_CODEC.connect(1, { client: 'c1', version: '1.0', ttl: 30, ping: 25, pong: true, session: 's', node: 'n' }));
  assert.deepEqual({ ...connect!.connect }, { client: 'c1', version: '1.0', expires: true, ttl: 30, ping: 25, pong: true, session: 's', node: 'n', subs: {} });
  const [subscribe] = replies(PROTOBUF_CODEC.subscribe(2, { position: { offset: 4, epoch: 'ep' }, wasRecovering: true, recovered: true, publications: [pub], data: '[1]' }));
  const s = subscribe!.subscribe!;
  assert.deepEqual([s.recoverable, s.positioned, s.epoch, s.offset, s.was_recovering, s.recovered], [true, true, 'ep', 4, true, true]);
  assert.equal(Buffer.from(s.data!).toString(), '[1]');
  assert.equal(Buffer.from(s.publications![0]!.data!).toString(), pub.data);
  assert.equal(s.publications![0]!.epoch ?? '', '', 'no epoch on publications, as in JSON');
  const [error] = replies(PROTOBUF_CODEC.error(3, { code: 100, message: 'internal', temporary: true }));
  assert.deepEqual({ id: error!.id, ...error!.error }, { id: 3, code: 100, message: 'internal', temporary: true });
  const [presence] = replies(PROTOBUF_CODEC.presence(4, new Map([['c1', { user: '7', client: 'c1' }]])));
  assert.deepEqual({ ...presence!.presence!.presence!['c1'] }, { user: '7', client: 'c1' });
  const [stats] = replies(PROTOBUF_CODEC.presenceStats(5, 2, 1));
  assert.deepEqual({ ...stats!.presence_stats }, { num_clients: 2, num_users: 1 });
  const [history] = replies(PROTOBUF_CODEC.history(6, [pub], { offset: 4, epoch: 'ep' }));
  assert.deepEqual([history!.history!.offset, history!.history!.epoch, history!.history!.publications!.length], [4, 'ep', 1]);
  const [rpc] = replies(PROTOBUF_CODEC.rpc(7, '{"ok":true}'));
  assert.equal(Buffer.from(rpc!.rpc!.data!).toString(), '{"ok":true}');
  const [disconnect] = replies(PROTOBUF_CODEC.disconnectPush(3008, 'slow', true));
  assert.deepEqual({ ...disconnect!.push!.disconnect }, { code: 3008, reason: 'slow', reconnect: true });
  const [unsubscribe] = replies(PROTOBUF_CODEC.unsubscribePush('ch', 2500, 'insufficient state'));
  assert.deepEqual([unsubscribe!.push!.channel, unsubscribe!.push!.unsubscribe!.code], ['ch', 2500]);
  const [join] = replies(PROTOBUF_CODEC.joinPush('ch', { user: '7', client: 'c1' }));
  assert.deepEqual({ ...join!.push!.join!.info }, { user: '7', client: 'c1' });
  assert.deepEqual([...PROTOBUF_CODEC.ping.payload], [0], 'a ping is an empty reply');
});

test('protobuf messages join into one binary frame without separators; JSON lines with newlines', () => {
  const a = PROTOBUF_CODEC.publicationPush('ch', { data: '1' });
  const b = PROTOBUF_CODEC.publicationPush('ch', { data: '2' });
  const batch = a.append(b);
  assert.equal(batch.binary, true);
  assert.equal(batch.frame[0], 0x82, 'FIN + binary opcode');
  assert.deepEqual(batch.payload, Buffer.concat([a.payload, b.payload]));
  const reader = pbReader(batch.payload);
  const data = [];
  while (reader.pos < reader.len) data.push(Buffer.from(pb.Reply.decodeDelimited(reader).push!.pub!.data!).toString());
  assert.deepEqual(data, ['1', '2']);
  const j = JSON_CODEC.publicationPush('ch', { data: '1' }).append(JSON_CODEC.publicationPush('ch', { data: '2' }));
  assert.equal(j.frame[0], 0x81);
  assert.equal(j.payload.toString(), '{"push":{"channel":"ch","pub":{"data":1}}}\n{"push":{"channel":"ch","pub":{"data":2}}}');
});
