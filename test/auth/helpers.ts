// Shared fixtures for auth tests: one set of generated keys per process, JWT configs, temp dirs.

import { join } from 'node:path';
import { tempDir as harnessTempDir } from '../../harness/processes.js';
import { defaultConfig } from '../../src/config/load.js';
import type { JwtAuthConfig, LiveHubConfig } from '../../src/config/types.js';
import { makeKeys, writeKeyFiles, type TestKeys } from './sign-jwt.js';

/** A temp directory removed when the test process exits. */
export function tempDir(): string {
  return harnessTempDir('livehub-auth-');
}

let cached: { keys: TestKeys; files: ReturnType<typeof writeKeyFiles> } | undefined;

/** Keys are generated once per test file (RSA generation is the slow part). */
export function fixtures(): { keys: TestKeys; files: ReturnType<typeof writeKeyFiles> } {
  if (!cached) {
    const keys = makeKeys();
    cached = { keys, files: writeKeyFiles(tempDir(), keys) };
  }
  return cached;
}

export function jwtConfig(overrides: Partial<JwtAuthConfig> = {}): JwtAuthConfig {
  return { ...defaultConfig().jwt, enabled: true, ...overrides };
}

/** Defaults with the token file in a fresh temp dir, plus overrides per section. */
export function testConfig(overrides: { jwt?: Partial<JwtAuthConfig>; anonymous?: Partial<LiveHubConfig['anonymous']> } = {}): LiveHubConfig {
  const base = defaultConfig();
  return {
    ...base,
    apiTokens: { file: join(tempDir(), 'api-tokens.json') },
    jwt: { ...base.jwt, ...overrides.jwt },
    anonymous: { ...base.anonymous, ...overrides.anonymous },
  };
}
