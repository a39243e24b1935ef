// HTTP calls against a running node. `http` (fetch) is bounded in time and turns network failures
// into status 0, so a test or script can count what a dead node answered. `httpGet` / `httpPost`
// (node:http) take a keep-alive agent and a source address, for benchmarks that make many requests.

import { request, type Agent } from 'node:http';

export interface HttpResult {
  /** 0 = no answer (connection refused or reset, or the time limit). */
  readonly status: number;
  /** The answer parsed as JSON (undefined when it is not JSON). */
  readonly body: unknown;
  readonly text: string;
}

export interface HttpOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** JSON body: encoded unless it is a string already; sent with Content-Type application/json. */
  readonly body?: unknown;
  /** A body sent as it is, without Content-Type (e.g. line protocol). */
  readonly raw?: string | Uint8Array;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** One HTTP call, bounded in time; network failures come back as status 0 instead of throwing. */
export async function http(method: string, url: string, options: HttpOptions = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const body = options.body !== undefined ? (typeof options.body === 'string' ? options.body : JSON.stringify(options.body)) : options.raw;
  try {
    const res = await fetch(url, {
      method,
      headers: { ...headers, ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text };
  } catch (err) {
    return { status: 0, body: undefined, text: (err as Error).message };
  }
}

export interface PlainAnswer {
  readonly status: number;
  readonly body: string;
}

/** GET http://127.0.0.1:<port><path>; rejects on network errors and after `timeoutMs`. */
export function httpGet(port: number, path: string, timeoutMs = 30_000, headers: Record<string, string> = {}): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface PostOptions {
  readonly headers?: Record<string, string>;
  /** Keeps connections alive across a scenario's many requests. */
  readonly agent?: Agent;
  /** Source address (any 127.0.0.x is loopback: one process can be many clients). */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

/** POST a body (JSON unless the headers say otherwise) to http://127.0.0.1:<port><path>. */
export function httpPost(port: number, path: string, body: string | Buffer, options: PostOptions = {}): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...options.headers };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers,
        timeout: options.timeoutMs ?? 30_000,
        ...(options.agent === undefined ? {} : { agent: options.agent }),
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
