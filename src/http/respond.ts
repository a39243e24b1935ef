// Small HTTP helpers shared by every route: JSON answers in Grafana's `{"message": …}` shape and
// bounded body reading (with gzip) that never throws past the route.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGunzip } from 'node:zlib';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendMessage(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { message });
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
 * Reads the whole body up to `limit` bytes (after gzip decoding when Content-Encoding is gzip).
 * Oversized → BodyError 413; bad gzip → 400; unsupported encoding → 415.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
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
    let done = false;
    const fail = (err: BodyError): void => {
      if (done) return;
      done = true;
      req.unpipe();
      source.destroy();
      req.resume();
      reject(err);
    };
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
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
