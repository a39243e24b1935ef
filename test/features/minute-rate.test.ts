// minute_rate as Grafana computes it: pushes of the last 60 seconds, per second slots.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MinuteRate } from '../../src/features/streams/minute-rate.js';

test('counts the pushes of the last 60 seconds, second by second', () => {
  let now = 1_000_000_000;
  const rate = new MinuteRate(() => now);
  assert.equal(rate.rate(), 0);
  rate.add();
  rate.add(2);
  now += 10_000;
  rate.add();
  assert.equal(rate.rate(), 4);
  now += 49_999; // 59.999 s after the first pushes: still inside the window
  assert.equal(rate.rate(), 4);
  now += 1; // 60 s after the first second: it leaves the window
  assert.equal(rate.rate(), 1);
  now += 10_000;
  assert.equal(rate.rate(), 0);
  rate.add(5);
  assert.equal(rate.rate(), 5);
});

test('a push every 100 ms for five minutes: 10 per second over the 59 full seconds of the window; a clock stepping back loses nothing', () => {
  let now = 2_000_000_000;
  const rate = new MinuteRate(() => now);
  for (let i = 0; i < 3000; i++) {
    rate.add();
    now += 100;
  }
  // The current second has no push yet: seconds 241…299 of the run hold 10 each.
  assert.equal(rate.rate(), 590);
  now -= 5000;
  rate.add();
  now += 5000;
  assert.equal(rate.rate(), 591);
});
