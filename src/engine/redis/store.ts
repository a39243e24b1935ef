// Small shared values with expiry in Redis: `P.<key>` with SET EX (e.g. the broadcast feature's
// `P.live_message.<full channel>`), sharded by key like everything else (on a cluster, placed by
// the key's channel part: keys.ts).

import type { KeyValueStore } from '../engine.js';
import { toEngineError } from './errors.js';
import type { RedisKeys } from './keys.js';
import { readyLane, type Router } from './routing.js';

export class RedisStore implements KeyValueStore {
  constructor(private readonly router: Router, private readonly keys: RedisKeys) {}

  async get(key: string): Promise<string | undefined> {
    try {
      const value = await readyLane(this.router, key).client.get(this.keys.value(key));
      return value ?? undefined;
    } catch (err) {
      throw toEngineError(err, 'store get');
    }
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    try {
      await readyLane(this.router, key).client.set(this.keys.value(key), value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    } catch (err) {
      throw toEngineError(err, 'store set');
    }
  }
}
