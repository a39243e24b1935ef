// Fuzz / property tests of the HTTP body reader (src/http/respond.ts readBody) used by publish,
// push and the dashboard API: plain and gzip bodies in random chunkings, truncated and corrupted
// gzip, trailing members, aborted requests, gzip bombs and endless empty deflate blocks. It must
// settle (never hang), reject only with BodyError 400/413/415 and a message, return exactly what
// zlib decodes when it accepts, and never hold more than the limit.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import * as fc from 'fast-check';
import { BodyError, maxGzipBytes, readBody } from '../../src/http/respond.js';
import { params } from './runs.js';

interface FakeRequest {
  readonly req: IncomingMessage;
  /** Feeds the chunks (optionally emitting 'aborted' halfway). */
  start(): void;
}

function fakeRequest(chunks: Buffer[], headers: Record<string, string>, abortAt: number | undefined): FakeRequest {
  const stream = new Readable({ read() {} });
  Object.assign(stream, { headers });
  return {
    req: stream as unknown as IncomingMessage,
    start() {
      let i = 0;
      const step = (): void => {
        if (abortAt !== undefined && i === abortAt) {
          stream.emit('aborted');
          stream.destroy();
          return;
        }
        if (i >= chunks.length) {
          stream.push(null);
          return;
        }
        stream.push(chunks[i++]);
        setImmediate(step);
      };
      step();
    },
  };
}

function split(body: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) out.push(body.subarray(from, p));
    from = Math.max(from, p);
  }
  if (from < body.length) out.push(body.subarray(from));
  return out;
}

type Outcome = { ok: true; body: Buffer } | { ok: false; status: number; message: string };

async function settle(fake: FakeRequest, limit: number): Promise<Outcome> {
  const pending = readBody(fake.req, limit);
  fake.start();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('readBody did not settle within 5 s')), 5000);
  });
  try {
    return { ok: true, body: await Promise.race([pending, timeout]) };
  } catch (err) {
    assert.ok(err instanceof BodyError, `only BodyError may escape, got ${String(err)}`);
    assert.ok([400, 413, 415].includes(err.status), `status ${err.status}`);
    assert.ok(err.message.length > 0, 'a rejection says why');
    return { ok: false, status: err.status, message: err.message };
  } finally {
    clearTimeout(timer);
  }
}

/** A gzip member that inflates to nothing, made of `blocks` empty stored deflate blocks. */
function emptyBlocksGzip(blocks: number): Buffer {
  const header = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
  const block = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);
  const final = Buffer.from([0x01, 0x00, 0x00, 0xff, 0xff]);
  return Buffer.concat([header, ...Array.from({ length: blocks }, () => block), final, Buffer.alloc(8)]);
}

const bytes = fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a));
const compressible = fc.tuple(fc.string({ maxLength: 8 }), fc.integer({ min: 0, max: 2000 })).map(([s, n]) => Buffer.from(s.repeat(n)));

type Mode = 'plain' | 'gzip' | 'truncated' | 'corrupt' | 'two-members' | 'garbage-after' | 'not-gzip';

const bodyCase = fc.record({
  data: fc.oneof(bytes, compressible),
  mode: fc.constantFrom<Mode>('plain', 'gzip', 'truncated', 'corrupt', 'two-members', 'garbage-after', 'not-gzip'),
  encodingSpelling: fc.constantFrom('gzip', 'GZIP', ' gzip ', 'identity', '', 'deflate', 'br', 'x-gzip', 'gzip, gzip'),
  limit: fc.integer({ min: 1, max: 4000 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  cutAt: fc.nat(),
  declareLength: fc.boolean(),
  abort: fc.option(fc.nat(8), { nil: undefined }),
});

test('readBody: random bodies, encodings, chunkings and aborts settle with the right outcome', async () => {
  await fc.assert(
    fc.asyncProperty(bodyCase, async (c) => {
      let body: Buffer;
      switch (c.mode) {
        case 'plain':
        case 'not-gzip':
          body = c.data;
          break;
        case 'gzip':
          body = gzipSync(c.data);
          break;
        case 'truncated': {
          const gz = gzipSync(c.data);
          body = gz.subarray(0, c.cutAt % gz.length);
          break;
        }
        case 'corrupt': {
          const gz = Buffer.from(gzipSync(c.data));
          gz[c.cutAt % gz.length] ^= 0x5a;
          body = gz;
          break;
        }
        case 'two-members':
          body = Buffer.concat([gzipSync(c.data), gzipSync(c.data.subarray(0, 10))]);
          break;
        case 'garbage-after':
          body = Buffer.concat([gzipSync(c.data), Buffer.from('garbage')]);
          break;
      }
      const encodingHeader = c.mode === 'plain' ? 'identity' : c.encodingSpelling;
      const headers: Record<string, string> = { 'content-encoding': encodingHeader };
      if (c.declareLength) headers['content-length'] = String(body.length);
      const chunks = split(body, c.cuts);
      const abortAt = c.abort !== undefined && c.abort < chunks.length ? c.abort : undefined;
      const outcome = await settle(fakeRequest(chunks, headers, abortAt), c.limit);

      const spelled = encodingHeader.toLowerCase().trim();
      const encoding = spelled === '' ? 'identity' : spelled === 'x-gzip' ? 'gzip' : spelled;
      if (encoding !== 'identity' && encoding !== 'gzip') {
        assert.deepEqual(outcome.ok ? 'ok' : outcome.status, 415);
        return;
      }
      const gzip = encoding === 'gzip';
      let reference: Buffer | undefined;
      if (!gzip) reference = body;
      else {
        try {
          reference = gunzipSync(body);
        } catch {
          reference = undefined;
        }
      }
      const aborted = abortAt !== undefined;
      if (outcome.ok) {
        assert.ok(!aborted || abortAt! >= chunks.length, 'an aborted request is never accepted');
        assert.ok(reference !== undefined, 'accepted a body zlib rejects');
        assert.ok(outcome.body.equals(reference), 'the body is exactly what was sent (decoded)');
        assert.ok(outcome.body.length <= c.limit);
        if (gzip) assert.ok(body.length <= maxGzipBytes(c.limit));
        return;
      }
      if (outcome.status === 413) {
        // Over the limit, decoded or (gzip) raw, or a broken gzip stream that already decoded too much.
        const over = reference !== undefined ? reference.length > c.limit || (gzip && body.length > maxGzipBytes(c.limit)) : true;
        assert.ok(over || (!gzip && body.length > c.limit), `413 for a body within the limit (${outcome.message})`);
        return;
      }
      // 400: broken gzip or an aborted request.
      assert.equal(outcome.status, 400);
      assert.ok(aborted || reference === undefined, `400 for a valid body: ${outcome.message}`);
    }),
    params(1500, 0.05),
  );
});

const bombs = [1, 8, 64].map((mb) => ({ mb, body: gzipSync(Buffer.alloc(mb * 1024 * 1024)) }));

test('gzip bombs stop at the decoded limit with 413', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...bombs), fc.integer({ min: 1, max: 256 * 1024 }), fc.array(fc.nat(), { maxLength: 4 }), async (bomb, limit, cuts) => {
      fc.pre(bomb.mb * 1024 * 1024 > limit);
      const outcome = await settle(fakeRequest(split(bomb.body, cuts), { 'content-encoding': 'gzip' }, undefined), limit);
      assert.ok(!outcome.ok && outcome.status === 413, JSON.stringify(outcome));
    }),
    params(30, 0.0005),
  );
});

test('endless empty deflate blocks (no output, unbounded input) are cut by the compressed cap', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 50_000 }), async (limit, blocks) => {
      const body = emptyBlocksGzip(blocks);
      const outcome = await settle(fakeRequest(split(body, [1000, 5000, 20_000]), { 'content-encoding': 'gzip' }, undefined), limit);
      if (body.length <= maxGzipBytes(limit)) assert.ok(outcome.ok && outcome.body.length === 0, JSON.stringify(outcome));
      else assert.ok(!outcome.ok && outcome.status === 413, JSON.stringify(outcome));
    }),
    params(60, 0.001),
  );
});
