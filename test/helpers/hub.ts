// Starts a real livehub (HTTP + WebSocket, in this process) on a free loopback port, configured
// through the real config loader with GF_* variables, and captures its log lines.

import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http, type HttpResult } from '../../harness/http.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log/logger.js';
import { createLiveHub, loggerOptions, type AssembledLiveHub } from '../../src/server.js';
import { disconnectAllClients } from './centrifuge.js';

export interface TestHub {
  readonly hub: AssembledLiveHub;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

/** `configFile`: an INI file read first, as `--config`; the GF_* variables override it. */
export async function startHub(env: Record<string, string> = {}, options: { configFile?: string } = {}): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'livehub-test-'));
  const { config } = loadConfig({
    ...(options.configFile !== undefined ? { file: options.configFile } : {}),
    env: { GF_SERVER_HTTP_PORT: '0', GF_SERVER_HTTP_ADDR: '127.0.0.1', GF_PATHS_DATA: dataDir, GF_LIVE_MAX_CONNECTIONS: '-1', ...env },
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>), 'live', loggerOptions(config));
  const hub = createLiveHub({ config, logger });
  const port = await hub.start();
  return {
    hub,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/live/ws`,
    logs,
    stop: async () => {
      await hub.stop();
      disconnectAllClients();
    },
  };
}

/** POST a JSON body (a string is sent as it is) to `url`. */
export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http('POST', url, { body, headers });
}

export interface RawHttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/**
 * One request through node:http, for what fetch cannot do: a chosen source address (any 127.0.0.x
 * is loopback, so one test can be many clients) and exact headers.
 */
export function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {}): Promise<RawHttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false, ...(options.localAddress ? { localAddress: options.localAddress } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
