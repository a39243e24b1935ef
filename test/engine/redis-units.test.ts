// Unit tests of the Redis adapter's pure parts: address parsing, sharding hash, wire envelope.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { MemoryEngine } from '../../src/engine/memory/memory-engine.js';
import { AddressError, parseAddresses, redact } from '../../src/engine/redis/address.js';
import { RedisEngine } from '../../src/engine/redis/redis-engine.js';
import { createLogger } from '../../src/log/logger.js';
import {
  decodeBatch,
  encodeBatch,
  isBatch,
  joinParts,
  decodeControl,
  decodeDataMessage,
  decodePublication,
  encodeControl,
  encodeJoin,
  encodePublication,
  publicationHead,
  publicationTail,
} from '../../src/engine/redis/envelope.js';
import { redisPrefix, RedisKeys } from '../../src/engine/redis/keys.js';
import { batches } from '../../src/engine/redis/pubsub.js';
import { MAX_CHARS_PER_BATCH, MAX_MESSAGES_PER_BATCH, pack } from '../../src/engine/redis/publish-batcher.js';
import { fnv1a64, jumpHash, shardOf } from '../../src/engine/redis/sharding.js';

describe('redis address parsing', () => {
  test('host:port, default port, IPv6', () => {
    assert.deepEqual(parseAddresses({ address: '10.0.0.1:6380' }), [
      { target: { kind: 'direct', host: '10.0.0.1', port: 6380, tls: false }, db: 0, label: 'redis://10.0.0.1:6380' },
    ]);
    assert.deepEqual(parseAddresses({ address: 'redis-host' })[0]!.target, { kind: 'direct', host: 'redis-host', port: 6379, tls: false });
    const v6 = parseAddresses({ address: '[::1]:7000' })[0]!;
    assert.deepEqual(v6.target, { kind: 'direct', host: '::1', port: 7000, tls: false });
    assert.equal(v6.label, 'redis://[::1]:7000');
  });

  test('redis:// and rediss:// URLs with user, password and db; ha_engine_password as fallback', () => {
    const [a] = parseAddresses({ address: 'redis://alice:s%40cret@cache:6390/3', password: 'ignored' });
    assert.deepEqual(a, {
      target: { kind: 'direct', host: 'cache', port: 6390, tls: false },
      username: 'alice', password: 's@cret', db: 3, label: 'redis://cache:6390/3',
    });
    const [b] = parseAddresses({ address: 'rediss://cache.example.com', password: 'pw' });
    assert.deepEqual(b, { target: { kind: 'direct', host: 'cache.example.com', port: 6379, tls: true }, password: 'pw', db: 0, label: 'rediss://cache.example.com:6379' });
  });

  test('a comma-separated list is a list of shards', () => {
    const shards = parseAddresses({ address: '127.0.0.1:7001, redis://127.0.0.1:7002/1,rediss://h:7003' });
    assert.deepEqual(shards.map((s) => s.label), ['redis://127.0.0.1:7001', 'redis://127.0.0.1:7002/1', 'rediss://h:7003']);
  });

  test('redis+sentinel:// with several Sentinels, master name, passwords, db', () => {
    const [s] = parseAddresses({ address: 'redis+sentinel://:pw@s1:26380,s2,s3:26381/2?sentinel_master_name=mymaster&sentinel_password=spw' });
    assert.deepEqual(s, {
      target: {
        kind: 'sentinel',
        sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: 's3', port: 26381 }],
        masterName: 'mymaster', sentinelPassword: 'spw', tls: false,
      },
      password: 'pw', db: 2,
      label: 'redis+sentinel://s1:26380,s2:26379,s3:26381?sentinel_master_name=mymaster&db=2',
    });
  });

  test('several Sentinel groups are several shards', () => {
    const shards = parseAddresses({ address: 'redis+sentinel://a:1,b:2?sentinel_master_name=m1,redis+sentinel://c:3?sentinel_master_name=m2' });
    assert.equal(shards.length, 2);
    assert.deepEqual(shards.map((s) => s.target.kind === 'sentinel' && s.target.sentinels.length), [2, 1]);
  });

  test('ha_sentinel_master_name turns a plain list into Sentinels; ha_sentinel_password applies', () => {
    const [s] = parseAddresses({ address: 'a:26379,b:26379', sentinelMasterName: 'mm', sentinelPassword: 'sp', password: 'rp' });
    assert.deepEqual(s!.target, { kind: 'sentinel', sentinels: [{ host: 'a', port: 26379 }, { host: 'b', port: 26379 }], masterName: 'mm', sentinelPassword: 'sp', tls: false });
    assert.equal(s!.password, 'rp');
  });

  test('invalid addresses are rejected with a clear message', () => {
    assert.throws(() => parseAddresses({ address: '' }), AddressError);
    assert.throws(() => parseAddresses({ address: 'host:99999' }), /invalid port/);
    assert.throws(() => parseAddresses({ address: 'redis+sentinel://a:1' }), /sentinel_master_name/);
    assert.throws(() => parseAddresses({ address: '127.0.0.1:7001,redis+cluster://a:1' }), /cannot be combined/);
    assert.throws(() => parseAddresses({ address: 'memcached://a:1' }), /unsupported Redis address scheme/);
    assert.equal(redact('redis://u:secret@h:1'), 'redis://u:***@h:1');
  });
});

describe('redis sharding', () => {
  test('FNV-1a 64 matches the published test vectors', () => {
    assert.equal(fnv1a64(''), 0xcbf29ce484222325n);
    assert.equal(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64('foobar'), 0x85944171f73967e8n);
  });

  test('FNV-1a 64 equals a straightforward BigInt implementation on varied input', () => {
    const reference = (text: string): bigint => {
      let h = 0xcbf29ce484222325n;
      for (const b of Buffer.from(text)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n);
      return h;
    };
    for (const text of ['1/stream/telegraf/cpu', 'é✓漢字', 'x'.repeat(300), 'default/grafana/dashboard/uid/abc']) {
      assert.equal(fnv1a64(text), reference(text), text);
    }
  });

  test('jump hash: in range, stable, and growing n→n+1 only moves keys to the new bucket', () => {
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const key = fnv1a64(`channel-${i}`);
      for (let n = 1; n < 8; n++) {
        const a = jumpHash(key, n);
        const b = jumpHash(key, n + 1);
        assert.ok(a >= 0 && a < n);
        assert.ok(b === a || b === n, `key ${i}: ${n}→${n + 1} moved ${a}→${b}`);
        if (n === 4 && b !== a) moved++;
      }
    }
    // ~1/5 of the keys move from 4 to 5 buckets.
    assert.ok(moved > 300 && moved < 500, `moved ${moved}`);
    assert.equal(shardOf('anything', 1), 0);
  });
});

describe('redis envelope', () => {
  test('publication data bytes survive untouched; info and position decode', () => {
    const data = '{ "a" : 1.0, "s": "é ✓ \\"quoted\\" ,\\"d\\":", "big": 12345678901234567890 }';
    const info = { user: 'u"1', client: 'c,"d":' };
    const decoded = decodeDataMessage(encodePublication(data, info));
    assert.deepEqual(decoded, { type: 'publication', publication: { data, info } });
    // What the Lua script publishes for a history publish.
    const withPosition = `${publicationHead(undefined)},"o":7,"e":"abcdEFGH"${publicationTail(data)}`;
    assert.deepEqual(decodeDataMessage(withPosition), { type: 'publication', publication: { data, offset: 7, epoch: 'abcdEFGH' } });
    assert.deepEqual(decodePublication(encodePublication('{}', undefined), 3), { data: '{}', offset: 3 });
  });

  test('join/leave and control messages round-trip; foreign payloads are rejected', () => {
    assert.deepEqual(decodeDataMessage(encodeJoin({ user: '1', client: 'a' })), { type: 'join', info: { user: '1', client: 'a' } });
    for (const foreign of ['', 'hello', '\u0000\u0001binary', '{"v":2,"t":"p","d":{}}', '{"v":1,"t":"p"', '{"v":1,"t":"j","i":{"user":1}}', '{"v":1,"t":"p","i":5,"d":{}}']) {
      assert.equal(decodeDataMessage(foreign), undefined, JSON.stringify(foreign));
      assert.equal(decodeControl(foreign), undefined, JSON.stringify(foreign));
    }
    const hb = { type: 'heartbeat', nodeId: 'n1', name: 'host', version: '1.0', numClients: 1, numUsers: 2, numSubscriptions: 3, numChannels: 4, uptimeSeconds: 5 } as const;
    assert.deepEqual(decodeControl(encodeControl(hb)), hb);
    const sq = { type: 'survey_request', nodeId: 'n1', requestId: 'r', op: 'managed_streams', payload: '{"orgId":1}' } as const;
    assert.deepEqual(decodeControl(encodeControl(sq)), sq);
    const sr = { type: 'survey_reply', nodeId: 'n2', requestId: 'r', ok: false, payload: '' } as const;
    assert.deepEqual(decodeControl(encodeControl(sr)), sr);
  });

  test('key layout follows the Grafana/Centrifuge names', () => {
    assert.equal(redisPrefix(''), 'gf_live');
    const k = new RedisKeys(redisPrefix('myprefix'));
    assert.equal(k.client('1/stream/telegraf/cpu'), 'myprefix.gf_live.client.1/stream/telegraf/cpu');
    assert.equal(k.managedStream('1/stream/telegraf/cpu'), 'myprefix.gf_live.managed_stream.1/stream/telegraf/cpu');
    assert.equal(k.stream('c'), 'myprefix.gf_live.stream.c');
    assert.equal(k.streamMeta('c'), 'myprefix.gf_live.stream.meta.c');
    assert.equal(k.presenceData('c'), 'myprefix.gf_live.presence.data.c');
    assert.equal(k.presenceExpire('c'), 'myprefix.gf_live.presence.expire.c');
    assert.equal(k.control, 'myprefix.gf_live.control');
    assert.equal(k.node('n'), 'myprefix.gf_live.node.n');
    assert.equal(k.shard(0), 'myprefix.gf_live.shard.0');
    assert.equal(k.value('live_message.1/grafana/broadcast/x'), 'myprefix.gf_live.live_message.1/grafana/broadcast/x');
  });

  test('batches of at most 512', () => {
    assert.deepEqual(batches(Array.from({ length: 1200 }, (_, i) => i)).map((b) => b.length), [512, 512, 176]);
    assert.deepEqual(batches([]), []);
  });
});

describe('createEngine', () => {
  const self = { id: 'n1', name: 'host', version: '1' };
  const log = createLogger('error');

  test('ha_engine = "" gives the memory engine', () => {
    const { config } = loadConfig({ env: {} });
    assert.ok(createEngine(config, self, log) instanceof MemoryEngine);
  });

  test('GF_LIVE_* variables configure the Redis engine: shards, prefix, Sentinel keys, required', async () => {
    const { config } = loadConfig({
      env: {
        GF_LIVE_HA_ENGINE: 'redis',
        GF_LIVE_HA_ENGINE_ADDRESS: 's1:26379,s2:26379',
        GF_LIVE_HA_ENGINE_PASSWORD: 'data-pw',
        GF_LIVE_HA_PREFIX: 'team1',
        GF_LIVE_HA_SENTINEL_MASTER_NAME: 'mymaster',
        GF_LIVE_HA_SENTINEL_PASSWORD: 'sentinel-pw',
        GF_LIVE_HA_ENGINE_REQUIRED: 'true',
      },
    });
    assert.equal(config.live.haEngineRequired, true);
    const engine = createEngine(config, self, log);
    assert.ok(engine instanceof RedisEngine);
    assert.equal(engine.keys.prefix, 'team1.gf_live');
    const [shard] = engine.shardList;
    assert.equal(engine.shardList.length, 1);
    assert.deepEqual(shard!.address.target, {
      kind: 'sentinel', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], masterName: 'mymaster', sentinelPassword: 'sentinel-pw', tls: false,
    });
    assert.equal(shard!.address.password, 'data-pw');
    await engine.close();
  });

  test('defaults: not required, gf_live prefix, 127.0.0.1:6379', async () => {
    const { config } = loadConfig({ env: { GF_LIVE_HA_ENGINE: 'redis' } });
    assert.equal(config.live.haEngineRequired, false);
    const engine = createEngine(config, self, log) as RedisEngine;
    assert.equal(engine.keys.prefix, 'gf_live');
    assert.deepEqual(engine.shardList.map((s) => s.address.label), ['redis://127.0.0.1:6379']);
    await engine.close();
  });

  test('a bad address fails with the Grafana log line', () => {
    const { config } = loadConfig({ env: { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: 'redis+sentinel://a:1' } });
    assert.throws(() => createEngine(config, self, log), /failed to setup redis live engine: \[live\] ha_engine_address: .*sentinel_master_name/);
  });
});

describe('batch envelope (several messages of one channel in one PUBLISH)', () => {
  const msg = (i: number): string => encodePublication(JSON.stringify({ i, s: 'é😀]}' }), { user: 'u', client: `c${i}` });

  test('round trip keeps every message byte for byte and in order', () => {
    const messages = [msg(1), encodeJoin({ user: 'u', client: 'j' }), msg(2)];
    const batch = encodeBatch(messages);
    assert.ok(isBatch(batch));
    assert.ok(!isBatch(messages[0]!));
    assert.deepEqual(decodeBatch(batch), messages);
    assert.equal(decodeDataMessage(batch), undefined, 'a batch is not itself a data message');
  });

  test('truncated, padded or malformed batches are rejected, never mis-split', () => {
    const batch = encodeBatch([msg(1), msg(2)]);
    assert.equal(decodeBatch(batch.slice(0, -1)), undefined);
    assert.equal(decodeBatch(`${batch}x`), undefined);
    assert.equal(decodeBatch('{"v":1,"t":"b","n":[]}'), undefined);
    assert.equal(decodeBatch('{"v":1,"t":"b","n":[0]}'), undefined);
    assert.equal(decodeBatch('{"v":1,"t":"b","n":[-1]}x'), undefined);
    assert.equal(decodeBatch('{"v":1,"t":"b","n":[1.5]}xx'), undefined);
    assert.equal(decodeBatch('{"v":1,"t":"b","n":[3'), undefined);
  });

  test('pack: one message stays plain; batches are capped by count and size; parts join as the envelope', () => {
    const text = (m: string | Buffer): string => (typeof m === 'string' ? m : m.toString('utf8'));
    const join = { head: encodeJoin({ user: 'u', client: 'j' }), body: undefined };
    assert.deepEqual(pack([join]), [join.head]);
    const data = (i: number): string => JSON.stringify({ i, s: 'é😀]}' });
    const parts = Array.from({ length: MAX_MESSAGES_PER_BATCH * 2 + 1 }, (_, i) => ({ head: publicationHead({ user: 'u', client: `c${i}` }), body: data(i) }));
    const many = Array.from({ length: parts.length }, (_, i) => msg(i));
    assert.deepEqual(parts.map(joinParts), many, 'head + body are exactly encodePublication');
    const packed = pack(parts).map(text);
    assert.equal(packed.length, 3);
    assert.equal(packed[0], encodeBatch(many.slice(0, MAX_MESSAGES_PER_BATCH)), 'the bytes are the UTF-8 of encodeBatch');
    assert.equal(decodeBatch(packed[0]!)!.length, MAX_MESSAGES_PER_BATCH);
    assert.equal(packed[2], many[many.length - 1], 'a lone remainder goes unwrapped');
    assert.deepEqual(packed.flatMap((m) => (isBatch(m) ? decodeBatch(m)! : [m])), many);
    assert.equal(text(pack([join, parts[0]!])[0]!), encodeBatch([join.head, many[0]!]), 'joins and publications mix');
    const big = { head: 'x'.repeat(MAX_CHARS_PER_BATCH / 2 + 1), body: undefined };
    assert.deepEqual(pack([big, big, join]).map(text), [big.head, encodeBatch([big.head, join.head])]);
  });
});
