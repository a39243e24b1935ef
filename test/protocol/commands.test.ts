import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeCommands } from '../../src/protocol/commands.js';
import { encodeError, encodePubPush, encodeReply } from '../../src/protocol/replies.js';
import { Errors, reconnects } from '../../src/protocol/codes.js';

test('decodes the frame centrifuge-js sends on open', () => {
  const frame = '{"connect":{"token":"t","data":{"x":1},"name":"js"},"id":1}\n{"subscribe":{"channel":"chat","recoverable":true,"flag":1,"recover":true,"offset":42,"epoch":"qwErTyUi"},"id":2}';
  const result = decodeCommands(frame);
  assert.ok(result.ok);
  assert.deepEqual(result.commands, [
    { id: 1, method: 'connect', params: { token: 't', data: { x: 1 }, name: 'js' } },
    { id: 2, method: 'subscribe', params: { channel: 'chat', recoverable: true, recover: true, offset: 42, epoch: 'qwErTyUi' } },
  ]);
});

test('id-less commands are pongs unless they are send', () => {
  const result = decodeCommands('{}\n{"send":{"data":[1]}}\n{"id":0}');
  assert.ok(result.ok);
  assert.deepEqual(result.commands.map((c) => c.method), ['pong', 'send', 'pong']);
});

test('rejects malformed frames', () => {
  for (const bad of ['', '\n', 'x', '{"id":1,"connect":', '[1]', '{"id":-1,"connect":{}}', '{"id":1.5,"connect":{}}', '{"id":1,"nosuch":{}}',
    '{"id":1,"subscribe":{"channel":5}}', '{"id":1,"subscribe":{"channel":"a","offset":-3}}', '{"id":1,"connect":{}}\n\n{"id":2,"ping":{}}']) {
    assert.equal(decodeCommands(bad).ok, false, bad);
  }
});

test('never throws on arbitrary text', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
    decodeCommands(s);
  }));
  fc.assert(fc.property(fc.json(), (j) => {
    decodeCommands(j);
  }));
});

test('encoders write exactly the protocol shapes, newline-free', () => {
  assert.equal(encodeReply(3, 'publish'), '{"id":3,"publish":{}}');
  assert.equal(encodeError(2, Errors.internal), '{"id":2,"error":{"code":100,"message":"internal server error","temporary":true}}');
  assert.equal(encodeError(2, Errors.permissionDenied), '{"id":2,"error":{"code":103,"message":"permission denied"}}');
  const push = encodePubPush('1/a/b/c', { data: '{"t":"x\\ny"}', info: { user: '1', client: 'c' }, offset: 4, epoch: 'e' });
  assert.equal(push, '{"push":{"channel":"1/a/b/c","pub":{"data":{"t":"x\\ny"},"info":{"user":"1","client":"c"},"offset":4}}}');
  assert.ok(!push.includes('\n'));
  assert.ok(!push.includes('epoch'), 'never send epoch on publications');
});

test('reconnect rules of close codes', () => {
  assert.equal(reconnects(3001), true);
  assert.equal(reconnects(3008), true);
  assert.equal(reconnects(3504), false);
  assert.equal(reconnects(3501), false);
  assert.equal(reconnects(4000), true);
  assert.equal(reconnects(4500), false);
  assert.equal(reconnects(1009), false);
});
