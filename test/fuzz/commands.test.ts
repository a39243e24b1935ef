// Fuzz / property tests of the protocol decoder (src/protocol/commands.ts), the first code every
// inbound WebSocket message reaches. It must never throw, must explain every rejection, must finish
// quickly on bounded input, and must decode exactly what a client encodes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { decodeCommands, type Command } from '../../src/protocol/commands.js';
import { params, timed } from './runs.js';
import { nesting } from '../helpers/json-depth.js';

const METHODS = ['connect', 'subscribe', 'unsubscribe', 'publish', 'presence', 'presence_stats', 'history', 'rpc', 'refresh', 'sub_refresh', 'ping', 'send'] as const;
const KNOWN: ReadonlySet<string> = new Set([...METHODS, 'pong']);
const BODY_KEYS = ['channel', 'token', 'data', 'recover', 'recoverable', 'positioned', 'join_leave', 'offset', 'epoch', 'limit', 'reverse', 'since', 'method', 'name', 'version', 'flag'];

/** Any value JSON can carry, including the awkward ones (huge numbers, -0, unicode, nesting). */
const jsonish = fc.jsonValue({ maxDepth: 3 });

const anyId = fc.oneof(
  fc.nat(0xffffffff),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 0x100000000, Number.MAX_SAFE_INTEGER, 1.5, '1', null, true, [], {}),
);

const anyBody = fc.oneof(
  fc.dictionary(fc.constantFrom(...BODY_KEYS), jsonish, { maxKeys: 6 }),
  jsonish,
);

/** A protocol-shaped object: right keys, arbitrary value types. */
const shapedCommand = fc
  .tuple(fc.option(anyId, { nil: undefined }), fc.constantFrom(...METHODS, 'nosuch', '__proto__', 'constructor'), anyBody, fc.boolean())
  .map(([id, method, body, extra]) => {
    const obj: Record<string, unknown> = {};
    if (id !== undefined) obj['id'] = id;
    Object.defineProperty(obj, method, { value: body, enumerable: true, writable: true, configurable: true });
    if (extra) obj['subscribe'] = { channel: 'x' };
    return JSON.stringify(obj);
  });

const frame = fc
  .tuple(fc.array(fc.oneof(shapedCommand, fc.string({ maxLength: 40 }), fc.constant('')), { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([lines, trailing]) => lines.join('\n') + (trailing ? '\n' : ''));

function checkDecoded(text: string): void {
  const result = timed('decodeCommands', 2000, () => decodeCommands(text));
  if (!result.ok) {
    assert.equal(typeof result.error, 'string');
    assert.ok(result.error.length > 0, 'a rejection carries a message');
    return;
  }
  assert.ok(result.commands.length > 0);
  for (const command of result.commands) {
    assert.ok(KNOWN.has(command.method), command.method);
    assert.ok(Number.isInteger(command.id) && command.id >= 0 && command.id <= 0xffffffff, `id ${command.id}`);
    if (command.method === 'pong' || command.method === 'send') assert.equal(command.id, 0);
    else assert.ok(command.id > 0);
    if ('params' in command && 'channel' in command.params) assert.equal(typeof command.params.channel, 'string');
  }
}

test('decodeCommands: arbitrary text never throws, rejections say why', () => {
  fc.assert(fc.property(fc.string({ maxLength: 400, unit: 'binary' }), checkDecoded), params(1000));
});

test('decodeCommands: protocol-shaped frames with wrong types never throw', () => {
  fc.assert(fc.property(frame, checkDecoded), params(3000));
});

test('decodeCommands: deep nesting and large frames finish quickly', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 60_000 }), fc.constantFrom('[', '{"a":'), (depth, open) => {
      const close = open === '[' ? ']' : '}';
      const data = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
      checkDecoded(`{"id":1,"publish":{"channel":"1/grafana/broadcast/x","data":${data}}}`);
    }),
    params(40, 0.0001),
  );
  // 64 KiB of one-character commands: the worst case under the default message_size_limit.
  checkDecoded(Array.from({ length: 21_000 }, () => '{}').join('\n'));
});

// ---- round trip: what a client encodes is what the server decodes ----------------------------------

const text = fc.string({ maxLength: 30 });
const nonEmpty = fc.string({ minLength: 1, maxLength: 30 });
/** Data as the server sees it after the JSON round trip (-0 becomes 0, etc.). */
const data = jsonish.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
const id = fc.integer({ min: 1, max: 0xffffffff });

type Case = readonly [wire: Record<string, unknown>, expected: Command];

function opt<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.option(arb, { nil: undefined });
}

/** Drops undefined members so `expected` has exactly the keys the decoder sets. */
function defined<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

const validCommand: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(id, opt(nonEmpty), opt(data), opt(text), opt(text)).map(([i, token, d, name, version]): Case => {
    const body = defined({ token, data: d, name, version });
    return [{ id: i, connect: body }, { id: i, method: 'connect', params: body }];
  }),
  fc
    .tuple(id, text, opt(text), opt(data), opt(fc.boolean()), opt(fc.boolean()), opt(fc.boolean()), opt(fc.boolean()), opt(fc.nat()), opt(text))
    .map(([i, channel, token, d, recover, recoverable, positioned, joinLeave, offset, epoch]): Case => [
      { id: i, subscribe: defined({ channel, token, data: d, recover, recoverable, positioned, join_leave: joinLeave, offset, epoch }) },
      { id: i, method: 'subscribe', params: defined({ channel, token, data: d, recover, recoverable, positioned, joinLeave, offset, epoch }) },
    ]),
  fc.tuple(id, fc.constantFrom('unsubscribe', 'presence', 'presence_stats'), text).map(([i, m, channel]): Case => [
    { id: i, [m]: { channel } },
    { id: i, method: m, params: { channel } } as Command,
  ]),
  fc.tuple(id, text, data).map(([i, channel, d]): Case => [
    { id: i, publish: { channel, data: d } },
    { id: i, method: 'publish', params: { channel, data: d, rawData: JSON.stringify(d), depth: nesting(d) } },
  ]),
  fc.tuple(id, text, opt(fc.integer({ min: -1, max: 1000 })), opt(fc.boolean()), opt(fc.record({ offset: fc.nat(), epoch: text }).map((s) => ({ offset: s.offset, epoch: s.epoch })))).map(
    ([i, channel, limit, reverse, since]): Case => [
      { id: i, history: defined({ channel, limit, reverse, since }) },
      { id: i, method: 'history', params: defined({ channel, limit: limit ?? 0, reverse: reverse ?? false, since }) },
    ],
  ),
  fc.tuple(id, opt(text), data).map(([i, method, d]): Case => [
    { id: i, rpc: defined({ method, data: d }) },
    { id: i, method: 'rpc', params: { method: method ?? '', data: d } },
  ]),
  fc.tuple(id, text).map(([i, token]): Case => [{ id: i, refresh: { token } }, { id: i, method: 'refresh', params: { token } }]),
  fc.tuple(id, text, text).map(([i, channel, token]): Case => [{ id: i, sub_refresh: { channel, token } }, { id: i, method: 'sub_refresh', params: { channel, token } }]),
  id.map((i): Case => [{ id: i, ping: {} }, { id: i, method: 'ping' }]),
  data.map((d): Case => [{ send: { data: d } }, { id: 0, method: 'send', params: { data: d } }]),
  fc.constant<Case>([{}, { id: 0, method: 'pong' }]),
);

test('round trip: commands encoded the way centrifuge-js does decode to the same commands', () => {
  fc.assert(
    fc.property(fc.array(validCommand, { minLength: 1, maxLength: 8 }), fc.boolean(), (cases, trailingNewline) => {
      const wire = cases.map(([w]) => JSON.stringify(w)).join('\n') + (trailingNewline ? '\n' : '');
      const result = decodeCommands(wire);
      assert.ok(result.ok, result.ok ? '' : result.error);
      assert.deepEqual(result.commands, cases.map(([, expected]) => expected));
    }),
    params(1500),
  );
});
