// Log lines fed from outside stay bounded: long values are cut, and `limited` lines are written once
// per key and interval with one summary line counting the rest.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '../../harness/wait.js';
import { createLogger } from '../../src/log/logger.js';

function capture(options: Parameters<typeof createLogger>[3] = {}) {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>), 'live', options);
  return { logger, lines };
}

test('long string values, errors and objects are cut at max_value_length, saying how much is left out', () => {
  const { logger, lines } = capture({ maxValueLength: 40 });
  logger.warn('x', { origin: 'o'.repeat(8192), short: 'fine', n: 5, error: new Error('e'.repeat(100)), list: ['a'.repeat(50)] });
  const [line] = lines;
  assert.equal(line!['origin'], `${'o'.repeat(40)}…(+8152 chars)`);
  assert.equal(line!['short'], 'fine');
  assert.equal(line!['n'], 5);
  assert.equal(line!['error'], `${'e'.repeat(40)}…(+60 chars)`);
  assert.equal(typeof line!['list'], 'string');
  assert.ok((line!['list'] as string).startsWith('["aaaa'));
});

test('limited: the first line at once, repeats counted into one summary line per interval', async () => {
  const { logger, lines } = capture({ repeatIntervalMs: 200 });
  const child = logger.child('ws');
  for (let i = 0; i < 500; i++) child.limited('warn', 'origin', 'Request Origin is not authorized', { origin: `https://evil-${i}.example` });
  // Another key is independent.
  child.limited('warn', 'other', 'something else', {});
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!['origin'], 'https://evil-0.example');
  assert.equal(lines[0]!['logger'], 'live.ws');
  assert.equal(logger.suppressedLines(), 499);
  await waitUntil(() => lines.length === 3, 'the summary line', 5000, 10);
  const summary = lines[2]!;
  assert.equal(summary['msg'], 'Request Origin is not authorized');
  assert.equal(summary['suppressed'], 499);
  assert.equal(summary['intervalSeconds'], 0.2);
  assert.equal(summary['origin'], 'https://evil-499.example', 'fields of the last occurrence');
  // Quiet afterwards: the window closes without another line; a new burst starts over.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(lines.length, 3);
  child.limited('warn', 'origin', 'Request Origin is not authorized', { origin: 'again' });
  assert.equal(lines.length, 4);
  assert.equal(lines[3]!['suppressed'], undefined);
});

test('limited lines below the level are not counted', () => {
  const { logger, lines } = capture();
  for (let i = 0; i < 10; i++) logger.limited('debug', 'k', 'noise');
  assert.equal(lines.length, 0);
  assert.equal(logger.suppressedLines(), 0);
});

test('limited keys are bounded: past 1000 distinct keys the rest are counted together', async () => {
  const { logger, lines } = capture({ repeatIntervalMs: 100 });
  for (let i = 0; i < 1500; i++) logger.limited('warn', `k${i}`, 'distinct');
  assert.equal(lines.length, 1000);
  await waitUntil(() => lines.some((l) => l['msg'] === 'repeated log lines suppressed'), 'the overflow summary', 5000, 10);
  assert.equal(lines.find((l) => l['msg'] === 'repeated log lines suppressed')!['suppressed'], 500);
});
