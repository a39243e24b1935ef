// /api/live/list paging without a network: each node's share (selection after a cursor, limit,
// byte budget) and the merge of several nodes' shares. Walking the pages of a simulated cluster
// with `after = next` must list every channel exactly once, in order, with its rates summed over
// the nodes that hold it, whatever the limit, the byte budget and the overlap between nodes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { answerPage, parseAnswer, selectPage, type ListPageRequest } from '../../src/features/streams/list-page.js';
import { mergePage, type ListProviderEntry } from '../../src/features/streams/list-route.js';
import type { StreamRecordView } from '../../src/features/streams/stream-registry.js';
import { params } from '../fuzz/runs.js';

function record(channel: string, rate = 1, schema = '{"schema":{"fields":[]}}'): StreamRecordView {
  return { channel, schema, minuteRate: () => rate };
}

test('selectPage: the first `limit` channels after the cursor, in order, whatever the input order', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', 'c', 'é', '0') }), { maxLength: 300 }),
      fc.option(fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'b', 'c', 'é', '0') }), { nil: undefined }),
      fc.integer({ min: 1, max: 40 }),
      async (names, after, limit) => {
        const { page, more, total } = await selectPage(names.map((n) => record(n)), after, limit);
        const expected = names.filter((n) => after === undefined || n > after).sort();
        assert.deepEqual(page.map((r) => r.channel), expected.slice(0, limit));
        assert.equal(more, expected.length > limit);
        assert.equal(total, names.length);
      },
    ),
    params(200),
  );
});

test('answerPage keeps within the byte budget; a schema bigger than the budget is listed without it', async () => {
  const big = `{"schema":{"name":"${'x'.repeat(70_000)}","fields":[]}}`;
  const records = Array.from({ length: 100 }, (_, i) => record(`stream/s/m${String(i).padStart(3, '0')}`, i, `{"schema":{"name":"${'y'.repeat(2000)}","fields":[]}}`));
  records.push(record('stream/s/a-huge', 5, big));
  const text = await answerPage(records, { orgId: 1, limit: 1000, maxBytes: 65_536 });
  assert.ok(Buffer.byteLength(text) <= 65_536, `${Buffer.byteLength(text)} bytes`);
  const answer = parseAnswer(text)!;
  assert.equal(answer.total, 101);
  assert.equal(answer.more, true);
  assert.deepEqual(answer.channels[0], { channel: 'stream/s/a-huge', minute_rate: 5, schema: null });
  assert.ok(answer.channels.length > 20 && answer.channels.length < 40, `${answer.channels.length} entries`);
  assert.equal(answer.channels[1]!.schema, records[0]!.schema);
});

/** A simulated cluster: every node answers from its own records, the merge builds the page. */
async function walk(nodes: StreamRecordView[][], extra: ListProviderEntry[], limit: number, maxBytes: number) {
  const pages: ReturnType<typeof mergePage>[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const request: ListPageRequest = { orgId: 1, limit, maxBytes, ...(after === undefined ? {} : { after }) };
    const answers = await Promise.all(nodes.map(async (records) => parseAnswer(await answerPage(records, request))!));
    const page = mergePage(answers, extra, request);
    pages.push(page);
    assert.ok(page.entries.length <= limit);
    if (!page.more) return pages;
    assert.ok(page.entries.length > 0, 'a page with more to come lists something');
    after = page.entries[page.entries.length - 1]!.channel;
  }
  throw new Error('pages never ended');
}

test('walking the pages of several nodes lists every channel once, in order, rates summed', async () => {
  const names = Array.from({ length: 40 }, (_, i) => `stream/s/m${String(i).padStart(2, '0')}`);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.subarray(names), { minLength: 1, maxLength: 3 }),
      fc.integer({ min: 1, max: 12 }),
      fc.constantFrom(600, 2000, 1_000_000),
      // Nodes whose entries differ in size fill their byte budget after different numbers of entries.
      fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 3, maxLength: 3 }),
      async (held, limit, maxBytes, padding) => {
        const schemaOf = (c: string): string => `{"schema":{"name":"${c}","fields":[]}}`;
        const nodes = held.map((channels, n) => channels.map((c) => record(c, n + 1, `${schemaOf(c)}${' '.repeat(padding[n]!)}`)));
        const extra: ListProviderEntry[] = [{ channel: 'plugin/testdata/random-2s-stream', minute_rate: 30, data: { schema: {} } }];
        const pages = await walk(nodes, extra, limit, maxBytes);
        const listed = pages.flatMap((p) => p.entries);
        const expected = [...new Set([...held.flat(), extra[0]!.channel])].sort();
        assert.deepEqual(listed.map((e) => e.channel), expected);
        for (const entry of listed) {
          if (entry.channel === extra[0]!.channel) continue;
          const rate = held.reduce((sum, channels, n) => sum + (channels.includes(entry.channel) ? n + 1 : 0), 0);
          assert.equal(entry.minute_rate, rate, entry.channel);
          assert.equal(entry.data.trimEnd(), schemaOf(entry.channel));
        }
        for (const page of pages) assert.equal(page.total, held.reduce((n, c) => n + c.length, 0) + 1);
      },
    ),
    params(150),
  );
});
