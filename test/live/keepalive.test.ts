import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeepaliveScheduler, type KeepaliveTarget } from '../../src/live/keepalive.js';

function target(log: number[], id: number): KeepaliveTarget {
  return { keepaliveSlot: -1, onKeepaliveDue: () => log.push(id) };
}

test('fires each target once at its slot, honouring reschedules and cancels', () => {
  let now = 10_000;
  const wheel = new KeepaliveScheduler(100, () => now);
  const fired: number[] = [];
  const a = target(fired, 1);
  const b = target(fired, 2);
  const c = target(fired, 3);
  wheel.schedule(a, now + 250);
  wheel.schedule(b, now + 250);
  wheel.schedule(c, now + 500);
  wheel.schedule(b, now + 900); // rescheduled later
  wheel.cancel(c);
  now += 300;
  wheel.tick();
  assert.deepEqual(fired, [1]);
  now += 700;
  wheel.tick();
  assert.deepEqual(fired, [1, 2]);
  now += 5000;
  wheel.tick();
  assert.deepEqual(fired, [1, 2]);
});

test('a time in the past is scheduled for the next tick', () => {
  let now = 5_000;
  const wheel = new KeepaliveScheduler(100, () => now);
  const fired: number[] = [];
  wheel.schedule(target(fired, 1), now - 1000);
  now += 100;
  wheel.tick();
  assert.deepEqual(fired, [1]);
});
