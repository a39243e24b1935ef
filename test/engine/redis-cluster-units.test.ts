// Unit tests of the Redis Cluster engine's pure parts: `redis+cluster://` addresses, the partition
// table (balanced hash tags, one slot per partition) and the hash-tagged key layout.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AddressError, parseAddresses } from '../../src/engine/redis/address.js';
import { RedisKeys } from '../../src/engine/redis/keys.js';
import { CLUSTER_SLOTS, DEFAULT_PARTITIONS, PartitionTable, slotOf } from '../../src/engine/redis/partitions.js';

describe('redis+cluster:// addresses', () => {
  test('seed nodes, user and password, TLS, partitions', () => {
    const [a] = parseAddresses({ address: 'redis+cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2,[::1]:7002' });
    assert.deepEqual(a, {
      target: { kind: 'cluster', seeds: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 6379 }, { host: '::1', port: 7002 }], tls: false, partitions: DEFAULT_PARTITIONS },
      username: 'u', password: 'p@ss', db: 0,
      label: 'redis+cluster://10.0.0.1:7000,10.0.0.2:6379,[::1]:7002',
    });
    const [b] = parseAddresses({ address: 'rediss+cluster://cfg.example.com:6379?partitions=512', password: 'fallback' });
    assert.equal(b!.target.kind === 'cluster' && b!.target.tls, true);
    assert.equal(b!.target.kind === 'cluster' && b!.target.partitions, 512);
    assert.equal(b!.password, 'fallback', 'ha_engine_password applies when the URL has none');
    assert.equal(b!.label, 'rediss+cluster://cfg.example.com:6379?partitions=512');
  });

  test('bad cluster addresses are refused with a clear message', () => {
    assert.throws(() => parseAddresses({ address: 'redis+cluster://a:1/3' }), /database 0 only/);
    assert.throws(() => parseAddresses({ address: 'redis+cluster://a:1?partitions=0' }), /partitions must be a whole number from 1 to 16384/);
    assert.throws(() => parseAddresses({ address: 'redis+cluster://a:1?partitions=20000' }), /partitions/);
    assert.throws(() => parseAddresses({ address: 'redis+cluster://a:1?partitions=1.5' }), /partitions/);
    assert.throws(() => parseAddresses({ address: 'redis+cluster://a:1?sentinel_master_name=x' }), /unknown parameter "sentinel_master_name"/);
    assert.throws(() => parseAddresses({ address: 'redis+cluster://' }), AddressError);
    assert.throws(() => parseAddresses({ address: 'redis+cluster://a:1,redis://b:2' }), /cannot be combined/);
    assert.throws(() => parseAddresses({ address: 'redis://b:2,redis+cluster://a:1' }), /cannot be combined/);
  });
});

describe('partition table', () => {
  test('each partition has its own slot, inside its share of the slot space, the same on every node', () => {
    for (const count of [1, 3, 128, 1000]) {
      const table = new PartitionTable(count);
      const slots = new Set<number>();
      for (let i = 0; i < count; i++) {
        const slot = table.slot(i);
        assert.equal(slotOf(table.tag(i)), slot, 'the tag hashes to its slot');
        // Partition i owns the slots s with floor(s · count / 16384) = i: the i-th count-th of the space.
        assert.equal(Math.floor((slot * count) / CLUSTER_SLOTS), i, `partition ${i} of ${count} in its range`);
        assert.equal(table.partitionOfSlot(slot), i);
        slots.add(slot);
      }
      assert.equal(slots.size, count);
      assert.deepEqual(new PartitionTable(count).tag(count - 1), table.tag(count - 1), 'deterministic');
    }
    assert.equal(new PartitionTable(128).partitionOfSlot(new PartitionTable(128).slot(5) + 1), undefined, 'other slots belong to no partition');
  });

  test('channels spread over the partitions (jump hash) and over the masters of a 3-master cluster', () => {
    const table = new PartitionTable();
    const perMaster = [0, 0, 0];
    const used = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      const partition = table.partitionOf(`1/grafana/broadcast/spread-${i}`);
      used.add(partition);
      perMaster[Math.min(2, Math.floor(table.slot(partition) / 5461))]!++;
    }
    assert.ok(used.size > 120, `most partitions used (${used.size})`);
    for (const n of perMaster) assert.ok(n > 800 && n < 1200, `balanced over slot ranges 0-5460, 5461-10922, 10923-16383: ${perMaster.join('/')}`);
  });

  test('out-of-range partition counts are refused', () => {
    assert.throws(() => new PartitionTable(0), RangeError);
    assert.throws(() => new PartitionTable(CLUSTER_SLOTS + 1), RangeError);
  });
});

describe('key layout', () => {
  test('on a cluster every name of a channel carries its partition tag after the kind, all in one slot', () => {
    const table = new PartitionTable();
    const keys = new RedisKeys('team.gf_live', table);
    const ch = '1/grafana/broadcast/room';
    const tag = table.tagOf(ch);
    assert.deepEqual(
      [keys.client(ch), keys.stream(ch), keys.streamMeta(ch), keys.presenceData(ch), keys.presenceExpire(ch), keys.managedStream(ch), keys.value(`live_message.${ch}`), keys.epochSeed(ch)],
      [
        `team.gf_live.client.${tag}.${ch}`, `team.gf_live.stream.${tag}.${ch}`, `team.gf_live.stream.meta.${tag}.${ch}`,
        `team.gf_live.presence.data.${tag}.${ch}`, `team.gf_live.presence.expire.${tag}.${ch}`, `team.gf_live.managed_stream.${tag}.${ch}`,
        `team.gf_live.live_message.${tag}.${ch}`, `team.gf_live.epoch_seed.${tag}`,
      ],
    );
    assert.equal(keys.channelOf(keys.client(ch)), ch);
    assert.equal(keys.channelOf(keys.client('1/a}.b{c')), '1/a}.b{c', 'braces inside the channel do not confuse the parser');
    assert.equal(keys.allEpochSeeds().length, table.count);
    assert.equal(keys.control, 'team.gf_live.control', 'control channels stay untagged (classic PUB/SUB)');
  });

  test('standalone names are unchanged; a prefix with braces is refused on a cluster', () => {
    const keys = new RedisKeys('gf_live');
    assert.equal(keys.client('1/x'), 'gf_live.client.1/x');
    assert.equal(keys.channelOf('gf_live.client.1/x'), '1/x');
    assert.equal(keys.value('live_message.1/x'), 'gf_live.live_message.1/x');
    assert.deepEqual(keys.allEpochSeeds(), ['gf_live.epoch_seed']);
    assert.throws(() => new RedisKeys('{team}.gf_live', new PartitionTable()), /ha_prefix/);
  });
});
