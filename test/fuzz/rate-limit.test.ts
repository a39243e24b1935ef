// Property tests of the per-connection token bucket (src/live/rate-limit.ts): over any sequence of
// arrivals it never admits more than burst + rate × elapsed commands, a client that stays under the
// rate is never refused, and countCommands counts what decodeCommands would decode.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { decodeCommands } from '../../src/protocol/commands.js';
import { countCommands, TokenBucket } from '../../src/live/rate-limit.js';
import { params } from './runs.js';

test('never admits more than burst + rate × elapsed', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 1000 }),
      fc.integer({ min: 1, max: 500 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 50 })), { maxLength: 200 }),
      (rate, burst, arrivals) => {
        let now = 0;
        const bucket = new TokenBucket({ ratePerSecond: rate, burst }, () => now);
        let admitted = 0;
        for (const [gapMs, n] of arrivals) {
          now += gapMs;
          if (bucket.take(n)) admitted += n;
          assert.ok(admitted <= burst + (rate * now) / 1000 + 1e-3, `admitted ${admitted} by ${now} ms`);
          assert.ok(bucket.available >= 0 && bucket.available <= burst);
        }
      },
    ),
    params(2000),
  );
});

test('a client at or under the rate, in steps no larger than the burst, is never refused', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100 }), fc.array(fc.integer({ min: 1, max: 100 }), { maxLength: 200 }), (rate, burst, sizes) => {
      let now = 0;
      const bucket = new TokenBucket({ ratePerSecond: rate, burst }, () => now);
      for (const size of sizes) {
        const n = Math.min(size, burst);
        assert.ok(bucket.take(n), `refused ${n} at ${now} ms`);
        now += (n * 1000) / rate; // wait exactly what those commands cost
      }
    }),
    params(2000),
  );
});

test('countCommands matches the decoder on well-formed frames', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('{}', '{"id":1,"ping":{}}', '{"send":{"data":"a\\nb"}}'), { minLength: 1, maxLength: 50 }), fc.boolean(), (lines, trailing) => {
      const text = lines.join('\n') + (trailing ? '\n' : '');
      const decoded = decodeCommands(text);
      assert.ok(decoded.ok);
      assert.equal(countCommands(text), decoded.commands.length);
    }),
    params(1000),
  );
});
