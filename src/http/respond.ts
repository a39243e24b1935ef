// Small HTTP helpers shared by every route: JSON answers in Grafana's `{"message": …}` shape and
// bounded body reading (with gzip) that never throws past the route.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** An answer whose JSON is already text (built without an intermediate object tree). */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendMessage(res: ServerResponse, status: number, message: string, headers?: Record<string, string>): void {
  sendJson(res, status, { message }, headers);
}

/** Decoded body bytes readBody took in per request (the HTTP rate limiter settles its byte budget with it). */
const bodyBytes = new WeakMap<IncomingMessage, number>();

/** Bytes of the request's body read by readBody after decoding (0 when it was not read). */
export function bodyBytesRead(req: IncomingMessage): number {
  return bodyBytes.get(req) ?? 0;
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'Content-Length': 0 });
  res.end();
}

export class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Compressed bytes accepted for a gzip body with decoded limit `limit`: gzip of incompressible data
 * is a little larger than the data, never much larger — except crafted streams of empty blocks,
 * which decode to nothing forever. They are cut here.
 */
export function maxGzipBytes(limit: number): number {
  return limit + Math.ceil(limit / 64) + 1024;
}

/**
 * Reads the whole body up to `limit` bytes (after gzip decoding when Content-Encoding is gzip).
 * Oversized → BodyError 413 (decoded bytes are counted, so a gzip bomb stops at the limit and memory
 * stays bounded by it); bad gzip → 400; unsupported encoding → 415; aborted → 400. Never throws
 * anything but BodyError.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declaredEncoding = (req.headers['content-encoding'] ?? '').toLowerCase().trim();
    // An empty header lists no coding; RFC 9110 §8.4.1.3: x-gzip is gzip.
    const encoding = declaredEncoding === '' ? 'identity' : declaredEncoding === 'x-gzip' ? 'gzip' : declaredEncoding;
    if (encoding !== 'identity' && encoding !== 'gzip') {
      reject(new BodyError(415, `unsupported Content-Encoding: ${encoding}`));
      req.resume();
      return;
    }
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (encoding === 'identity' && Number.isFinite(declared) && declared > limit) {
      reject(new BodyError(413, `request body too large: ${declared} bytes, limit ${limit}`));
      req.resume();
      return;
    }
    const source = encoding === 'gzip' ? req.pipe(createGunzip()) : req;
    const chunks: Buffer[] = [];
    let size = 0;
    let raw = 0;
    let done = false;
    const fail = (err: BodyError): void => {
      if (done) return;
      done = true;
      // Only the gunzip stream is destroyed: destroying the request itself would reset the
      // connection before the 413/400 answer is written. The rest of the body is drained
      // (bounded by [server] read_timeout).
      if (source !== req) {
        req.unpipe();
        source.destroy();
      }
      chunks.length = 0;
      req.resume();
      reject(err);
    };
    if (encoding === 'gzip') {
      const rawLimit = maxGzipBytes(limit);
      req.on('data', (chunk: Buffer) => {
        raw += chunk.length;
        if (raw > rawLimit) fail(new BodyError(413, `request body too large: over ${rawLimit} compressed bytes`));
      });
    }
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      bodyBytes.set(req, size);
      // Checked on decoded bytes, so a small gzip bomb stops at the limit, not at the bomb's size.
      if (size > limit) fail(new BodyError(413, `request body too large: over ${limit} bytes`));
      else chunks.push(chunk);
    });
    source.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    source.on('error', (err: Error) => fail(new BodyError(400, encoding === 'gzip' ? `invalid gzip body: ${err.message}` : err.message)));
    req.on('aborted', () => fail(new BodyError(400, 'request aborted')));
  });
}
