// Starts a real livehub with one of this features installed on the hub's FeatureContext
// (as the composition root will do), in a data directory the caller may reuse across restarts, with
// API tokens for the usual roles and captured log lines.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import type { OrgRole } from '../../src/roles/org-role.js';
import { loadConfig } from '../../src/config/load.js';
import type { FeatureContext, InstalledFeature } from '../../src/features/context.js';
import { createLogger } from '../../src/log/logger.js';
import { createLiveHub, loggerOptions, type AssembledLiveHub } from '../../src/server.js';

export interface Tokens {
  readonly admin: string;
  readonly editor: string;
  readonly viewer: string;
  /** An Editor of org 2. */
  readonly otherOrgEditor: string;
}

export interface FeatureHub<F> {
  readonly hub: AssembledLiveHub;
  readonly feature: F;
  readonly dataDir: string;
  readonly httpUrl: string;
  readonly wsUrl: string;
  readonly logs: Record<string, unknown>[];
  readonly tokens: Tokens;
  stop(): Promise<void>;
}

export interface FeatureHubOptions {
  /** Reuse a data directory (restart tests); a fresh temp dir otherwise. */
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
}

const TOKEN_FILE = 'test-api-tokens.json';

/** Creates the role tokens once per data directory (the file persists across restarts). */
function ensureTokens(dataDir: string): Tokens {
  const store = new ApiTokenStore(join(dataDir, TOKEN_FILE));
  const token = (name: string, orgId: number, role: OrgRole): string => {
    store.delete(name);
    return store.create({ name, orgId, role }).token;
  };
  return {
    admin: token('admin', 1, 'Admin'),
    editor: token('editor', 1, 'Editor'),
    viewer: token('viewer', 1, 'Viewer'),
    otherOrgEditor: token('editor-org2', 2, 'Editor'),
  };
}

export async function startFeatureHub<F extends InstalledFeature>(
  install: (ctx: FeatureContext) => F,
  options: FeatureHubOptions = {},
): Promise<FeatureHub<F>> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'livehub-feature-'));
  const tokens = ensureTokens(dataDir);
  const { config } = loadConfig({
    env: {
      GF_SERVER_HTTP_PORT: '0',
      GF_SERVER_HTTP_ADDR: '127.0.0.1',
      GF_PATHS_DATA: dataDir,
      GF_LIVE_MAX_CONNECTIONS: '-1',
      GF_AUTH_API_TOKENS_FILE: join(dataDir, TOKEN_FILE),
      ...options.env,
    },
  });
  const logs: Record<string, unknown>[] = [];
  const logger = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>), 'live', loggerOptions(config));
  const hub = createLiveHub({ config, logger, installBuiltins: false });
  const feature = install(hub.features);
  hub.install(feature);
  const port = await hub.start();
  return {
    hub,
    feature,
    dataDir,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/live/ws`,
    logs,
    tokens,
    stop: () => hub.stop(),
  };
}

/** One HTTP call with an optional bearer token (harness/http.ts: JSON-encoded unless a string). */
export { http as request } from '../../harness/http.js';

/** Log records with this exact `msg`. */
export function logsWith(logs: readonly Record<string, unknown>[], msg: string): Record<string, unknown>[] {
  return logs.filter((l) => l['msg'] === msg);
}
