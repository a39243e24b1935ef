// Coalesced frames (frame.ts): a batch's frame is exactly its messages joined with "\n"; batches
// share one growing array while sockets queue the same sequence, and a sequence that branches off
// (another socket got another message) never changes what an earlier batch or the other branch holds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutboundMessage, textFrame, type OutboundFrame } from '../../src/protocol/outbound-message.js';

const msg = (text: string): OutboundMessage => new OutboundMessage(text);

function payloadOf(frame: OutboundFrame): string {
  const buf = frame.frame;
  const len = buf[1]! & 0x7f;
  const header = len === 126 ? 4 : len === 127 ? 10 : 2;
  return buf.toString('utf8', header);
}

test('a long run of appends gives one frame with every message in order', () => {
  const messages = Array.from({ length: 1000 }, (_, i) => msg(`{"push":{"n":${i},"s":"é"}}`));
  let frame: OutboundFrame = messages[0]!;
  for (const m of messages.slice(1)) frame = frame.append(m);
  const expected = messages.map((m) => m.text).join('\n');
  assert.equal(frame.text, expected);
  assert.equal(payloadOf(frame), expected);
  assert.deepEqual(frame.frame, textFrame(expected));
  assert.equal(frame.payloadBytes, Buffer.byteLength(expected));
});

test('branches of a shared sequence keep their own messages', () => {
  const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((t) => msg(`"${t}"`));
  const ab = a!.append(b!);
  const abc = ab.append(c!);
  assert.equal(a!.append(b!), ab, 'the same sequence is shared, not rebuilt');
  const abcd = abc.append(d!);
  const abce = abc.append(e!); // another socket's turn went another way
  const abd = ab.append(d!);
  assert.deepEqual([ab.text, abc.text, abcd.text, abce.text, abd.text], ['"a"\n"b"', '"a"\n"b"\n"c"', '"a"\n"b"\n"c"\n"d"', '"a"\n"b"\n"c"\n"e"', '"a"\n"b"\n"d"']);
  assert.equal(payloadOf(abce), '"a"\n"b"\n"c"\n"e"');
  assert.equal(payloadOf(abd), '"a"\n"b"\n"d"');
  assert.equal(payloadOf(abcd.append(e!)), '"a"\n"b"\n"c"\n"d"\n"e"');
});
