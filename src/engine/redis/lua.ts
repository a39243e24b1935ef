// The Lua scripts that make each multi-key step atomic inside Redis (one round trip, and per
// channel the order of effects is Redis's order): publish with history, history read, frame-cache
// push, presence add/remove/read. Run with EVALSHA, falling back to EVAL after NOSCRIPT (restart).

import { createHash } from 'node:crypto';
import type { CommandClient } from './routing.js';

export type ScriptArg = string | number | Buffer;

export class LuaScript {
  readonly sha: string;

  /** `'any'`: the caller decides per call (scripts that loop over KEYS). */
  constructor(readonly name: string, readonly source: string, readonly numberOfKeys: number | 'any') {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: CommandClient, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    if (this.numberOfKeys !== 'any' && keys.length !== this.numberOfKeys) throw new Error(`script ${this.name} takes ${this.numberOfKeys} keys`);
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // After a Redis restart or SCRIPT FLUSH the cache is empty; EVAL also caches the script again.
      if (err instanceof Error && err.message.startsWith('NOSCRIPT')) return client.eval(this.source, keys.length, ...keys, ...args);
      throw err;
    }
  }
}

/**
 * The epoch of a channel without a stream, and of the stream its next publish creates (epoch.ts):
 * 8 letters from SHA-1 of the Redis's epoch seed, the current window of metaTtl seconds (Redis's
 * clock, so every node agrees) and the channel. Lua text shared by the two history scripts.
 */
const DERIVED_EPOCH = `
local function derived_epoch(seed, metaTtl, channel)
  local window = math.floor(tonumber(redis.call('time')[1]) / tonumber(metaTtl))
  local h = redis.sha1hex(seed .. ':' .. window .. ':' .. channel)
  local letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'
  local out = {}
  for i = 1, 8 do
    local n = tonumber(string.sub(h, 2 * i - 1, 2 * i), 16) % 52
    out[i] = string.sub(letters, n + 1, n + 1)
  end
  return table.concat(out)
end
`;

/**
 * `ha_engine_wait_replicas` ("strict"): epochs are bound to the master's replication history
 * (INFO replication: `master_replid`, and `master_replid2`, the id of the master it was promoted
 * from). A publish on a master promoted from the one that gave out a stream's epoch renames the
 * epoch: the old master may have handed out offsets (delivered, never replicated: answered 503)
 * that this one gives to other publications. The meta keeps the old epoch (`pe`) and the last
 * offset this master has of it (`po`): a position up to `po` in the old epoch continues under the
 * new one, a position past it (seen only on the old master) is unrecoverable. A meta moved by a
 * slot migration keeps its epoch (`r` is adopted); derived epochs include the master's id.
 */
const REPLICATION = `
local function replication_ids()
  local info = redis.call('info', 'replication')
  return string.match(info, 'master_replid:(%x+)') or '', string.match(info, 'master_replid2:(%x+)') or ''
end
`;

/**
 * Publish with history (centrifuge-protocol.md §12.4).
 * KEYS: stream, meta, epoch seed. ARGV: head, tail, size, ttl, metaTtl, newSeed, pubsubChannel, channel,
 * publish command (`publish`, or `spublish` on a cluster, where every key and the channel share a slot),
 * strict ('1': epochs bound to the replication history, see REPLICATION).
 * A missing meta starts a stream with the derived epoch (so subscribers positioned at offset 0 of
 * the empty channel continue), creating the seed with its TTL when Redis has none.
 * The published payload is head + `,"o":<top>,"e":"<epoch>"` + tail (envelope.ts), so every
 * node's subscribers see the same offset; the stream stores head + tail (the entry id is the offset).
 * Returns {top, epoch}.
 */
export const PUBLISH_WITH_HISTORY = new LuaScript('publish_with_history', `${DERIVED_EPOCH}${REPLICATION}
local strict = ARGV[10] == '1'
local replid, replid2 = '', ''
if strict then replid, replid2 = replication_ids() end
local meta = redis.call('hmget', KEYS[2], 'e', 's', 'r')
local epoch = meta[1]
if not epoch then
  local seed = redis.call('get', KEYS[3])
  if not seed then
    seed = ARGV[6]
    redis.call('set', KEYS[3], seed, 'EX', ARGV[5])
  end
  epoch = derived_epoch(strict and (seed .. '@' .. replid) or seed, ARGV[5], ARGV[8])
  redis.call('hset', KEYS[2], 'e', epoch)
  redis.call('hdel', KEYS[2], 'pe', 'po')
  if strict then redis.call('hset', KEYS[2], 'r', replid) end
elseif strict and meta[3] ~= replid then
  if meta[3] and meta[3] == replid2 then
    -- promoted from the master that gave out this epoch: rename it (see REPLICATION)
    local renamed = derived_epoch((redis.call('get', KEYS[3]) or ARGV[6]) .. '@' .. replid, ARGV[5], ARGV[8])
    redis.call('hset', KEYS[2], 'e', renamed, 'pe', epoch, 'po', tonumber(meta[2]) or 0, 'r', replid)
    epoch = renamed
  else
    redis.call('hset', KEYS[2], 'r', replid)
  end
end
local top = redis.call('hincrby', KEYS[2], 's', 1)
redis.call('expire', KEYS[2], ARGV[5])
if top == 1 then
  -- a new epoch (or lost meta): drop old entries, or XADD would refuse the smaller id
  redis.call('del', KEYS[1])
end
redis.call('xadd', KEYS[1], 'MAXLEN', ARGV[3], top .. '-0', 'd', ARGV[1] .. ARGV[2])
redis.call('expire', KEYS[1], ARGV[4])
redis.call(ARGV[9], ARGV[7], ARGV[1] .. ',"o":' .. top .. ',"e":"' .. epoch .. '"' .. ARGV[2])
return {top, epoch}
`, 3);

/**
 * History read (centrifuge-protocol.md §12.4). Creates nothing: a channel without meta answers
 * offset 0 and its derived epoch (seed '' when Redis has none), so reads of unused channels leave no
 * keys behind (Centrifuge creates the meta here). An existing meta's TTL is refreshed; a range is
 * read unless only the position was asked for or the caller's epoch is not the current one.
 * KEYS: stream, meta, epoch seed. ARGV: metaTtl, sinceEpoch ('' = none), mode ('top' | 'fwd' | 'rev'),
 * start, end, count, channel, sinceOffset, strict ('1', see REPLICATION). Returns {top, epoch,
 * entries, continued}: continued = 1 when the caller's position, in the epoch before a rename (or at
 * offset 0 of the empty channel on the master this one was promoted from), continues in this one.
 */
export const READ_HISTORY = new LuaScript('read_history', `${DERIVED_EPOCH}${REPLICATION}
local strict = ARGV[9] == '1'
local meta = redis.call('hmget', KEYS[2], 'e', 's', 'pe', 'po')
local epoch = meta[1]
local since = ARGV[2]
if not epoch then
  local seed = redis.call('get', KEYS[3]) or ''
  if not strict then return {0, derived_epoch(seed, ARGV[1], ARGV[7]), {}, 0} end
  local replid, replid2 = replication_ids()
  local now = derived_epoch(seed .. '@' .. replid, ARGV[1], ARGV[7])
  local continued = 0
  if since ~= '' and since ~= now and ARGV[8] == '0' and string.match(replid2, '[1-9a-f]') and since == derived_epoch(seed .. '@' .. replid2, ARGV[1], ARGV[7]) then
    continued = 1
  end
  return {0, now, {}, continued}
end
local top = tonumber(meta[2]) or 0
redis.call('expire', KEYS[2], ARGV[1])
local continued = 0
if strict and since ~= '' and since ~= epoch and since == meta[3] and tonumber(ARGV[8]) <= (tonumber(meta[4]) or 0) then
  since = epoch
  continued = 1
end
if ARGV[3] == 'top' or (since ~= '' and since ~= epoch) then
  return {top, epoch, {}, continued}
end
local entries
if ARGV[3] == 'fwd' then
  entries = redis.call('xrange', KEYS[1], ARGV[4], ARGV[5], 'COUNT', ARGV[6])
else
  entries = redis.call('xrevrange', KEYS[1], ARGV[4], ARGV[5], 'COUNT', ARGV[6])
end
return {top, epoch, entries, continued}
`, 3);

/**
 * Managed-stream pushes (grafana-live.md §6.6): for each push, compare schema, store, refresh TTL and
 * publish, in one step. Several pushes (a loop turn's, frame-push-batcher.ts) run in one call, each
 * exactly as if alone: a script call costs Redis ~20 µs when it arrives alone and ~4 µs in a batch.
 * KEYS: the managed_stream hash of each push (one slot on a cluster). ARGV: ttl, publish command
 * (`publish` or `spublish`), then per push: schema, frame, data, head, pubsubChannel, force.
 * Publishes head + `,"d":<frame or data>}` (envelope.ts). Returns, per push, 1 when the schema
 * changed (full frame published), else 0.
 */
export const FRAME_PUSH = new LuaScript('frame_push', `
local changed = {}
for i = 1, #KEYS do
  local a = 2 + (i - 1) * 6
  local old = redis.call('hget', KEYS[i], 'schema')
  local full = ARGV[a + 6] == '1' or (not old) or old ~= ARGV[a + 1]
  redis.call('hset', KEYS[i], 'schema', ARGV[a + 1], 'frame', ARGV[a + 2])
  redis.call('expire', KEYS[i], ARGV[1])
  if full then
    redis.call(ARGV[2], ARGV[a + 5], ARGV[a + 4] .. ',"d":' .. ARGV[a + 2] .. '}')
    changed[i] = 1
  else
    redis.call(ARGV[2], ARGV[a + 5], ARGV[a + 4] .. ',"d":' .. ARGV[a + 3] .. '}')
    changed[i] = 0
  end
end
return changed
`, 'any');

/** Presence add/refresh (§12.5). KEYS: data, expire. ARGV: clientId, info, expireAt, ttl. */
export const PRESENCE_ADD = new LuaScript('presence_add', `
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('expire', KEYS[1], ARGV[4])
redis.call('zadd', KEYS[2], ARGV[3], ARGV[1])
redis.call('expire', KEYS[2], ARGV[4])
return 1
`, 2);

/** Presence remove. KEYS: data, expire. ARGV: clientId. */
export const PRESENCE_REMOVE = new LuaScript('presence_remove', `
redis.call('hdel', KEYS[1], ARGV[1])
redis.call('zrem', KEYS[2], ARGV[1])
return 1
`, 2);

/**
 * Presence read: prunes members whose expire-at <= now, then returns HGETALL (mode 'all') or HVALS
 * (mode 'values', enough for stats). KEYS: data, expire. ARGV: now, mode.
 */
export const PRESENCE_READ = new LuaScript('presence_read', `
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', ARGV[1])
if #expired > 0 then
  for i = 1, #expired, 1000 do
    redis.call('hdel', KEYS[1], unpack(expired, i, math.min(i + 999, #expired)))
  end
  redis.call('zremrangebyscore', KEYS[2], '-inf', ARGV[1])
end
if ARGV[2] == 'values' then
  return redis.call('hvals', KEYS[1])
end
return redis.call('hgetall', KEYS[1])
`, 2);

/**
 * Many publishes in one command (publish-batcher.ts): one parse and one reply for a loop turn's
 * publications on one connection. ARGV: channel1, message1, channel2, message2, … (in order).
 */
export const PUBLISH_MANY = new LuaScript('publish_many', `
for i = 1, #ARGV, 2 do
  redis.call('publish', ARGV[i], ARGV[i + 1])
end
return #ARGV / 2
`, 0);
