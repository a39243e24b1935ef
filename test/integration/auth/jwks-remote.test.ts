// [auth.jwt] jwk_set_url against a real JWKS endpoint on 127.0.0.1 (test/auth/jwks-server.ts):
// caching for cache_ttl (and a shorter Cache-Control max-age), key rotation, one refetch for an
// unknown kid with a cooldown (a flood costs a bounded number of requests, counted at the server),
// and failures — HTTP errors, a hanging response, garbage, an empty or oversized set, a missing
// bearer token — that keep the last good keys; and HTTPS trust (tls_client_ca,
// tls_skip_verify_insecure). The key cache runs on an injected clock, so the tests assert outcomes
// and request counts, never timings.

import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../harness/project-root.js';
import { JwtVerifier, type JwtVerifyResult } from '../../../src/auth/jwt.js';
import { claimRulesFromConfig } from '../../../src/auth/jwt-claims.js';
import { RemoteJwks, type RemoteJwksOptions } from '../../../src/auth/jwks-remote.js';
import { createLogger } from '../../../src/log/logger.js';
import { JwksServer } from '../../auth/jwks-server.js';
import { makeRsaKey, nowSeconds, signJwt, type AsymmetricTestKey } from '../../auth/sign-jwt.js';
import { jwtConfig, tempDir } from '../../auth/helpers.js';

const MINUTE = 60_000;
const keyA = makeRsaKey('key-a');
const keyB = makeRsaKey('key-b');

let server: JwksServer;
before(async () => {
  server = await JwksServer.start();
});
after(() => server.stop());
beforeEach(() => {
  server.keys = [keyA.jwk];
  server.behaviour = 'keys';
  server.cacheControl = undefined;
  server.requiredAuthorization = undefined;
  server.requests = 0;
});

interface Setup {
  verifier: JwtVerifier;
  remote: RemoteJwks;
  /** The key cache's clock (epoch ms); tokens are judged by the real clock. */
  clock: { now: number };
  logs: Record<string, unknown>[];
}

function setup(overrides: Partial<RemoteJwksOptions> = {}): Setup {
  const clock = { now: 1_000_000 };
  const logs: Record<string, unknown>[] = [];
  const remote = new RemoteJwks({
    url: new URL(server.url),
    cacheTtlMs: 60 * MINUTE,
    cooldownMs: 10_000,
    timeoutMs: 2_000,
    maxBytes: 1024 * 1024,
    rejectUnauthorized: true,
    log: createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>)),
    now: () => clock.now,
    ...overrides,
  });
  const verifier = new JwtVerifier({ keys: { publicKeys: [] }, remote, rules: claimRulesFromConfig(jwtConfig()) });
  return { verifier, remote, clock, logs };
}

/** A token signed by `key`, naming its kid, another kid, or (null) none. */
const tokenFor = (key: AsymmetricTestKey, kid: string | null = key.jwk.kid as string) =>
  signJwt({ alg: 'RS256', ...(kid !== null ? { kid } : {}) }, { sub: 'alice', exp: nowSeconds() + 600 }, key.privateKey);

function assertOk(result: JwtVerifyResult): void {
  assert.ok(result.ok, JSON.stringify(result));
}

function assertRefused(result: JwtVerifyResult, pattern?: RegExp): void {
  assert.equal(result.ok, false, 'token must be refused');
  if (!result.ok && pattern) assert.match(result.message, pattern);
}

test('keys are fetched on first use, shared by concurrent verifications and reused within cache_ttl', async () => {
  const { verifier, clock } = setup();
  const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verifyFresh(tokenFor(keyA))));
  results.forEach(assertOk);
  assert.equal(server.requests, 1, 'one request for 20 concurrent verifications');
  clock.now += 59 * MINUTE;
  for (let i = 0; i < 10; i++) assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  assertOk(await verifier.verifyFresh(tokenFor(keyA, null)));
  assert.equal(server.requests, 1, 'cached within cache_ttl');
});

test('rotation: after cache_ttl the old key is gone and the new key verifies', async () => {
  const { verifier, clock } = setup();
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  server.keys = [keyB.jwk];
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(server.requests, 1, 'the cached set still holds key-a');
  clock.now += 60 * MINUTE + 1;
  assertRefused(await verifier.verifyFresh(tokenFor(keyA)), /kid "key-a"/);
  assertOk(await verifier.verifyFresh(tokenFor(keyB)));
  assertRefused(await verifier.verifyFresh(tokenFor(keyA, null)), /signature/);
  assert.equal(server.requests, 2, 'one refetch when the cache went stale');
});

test('rotation: a token with a new kid triggers one refetch at once, before cache_ttl', async () => {
  const { verifier, clock } = setup();
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  clock.now += 11_000; // past the cooldown, far from cache_ttl
  server.keys = [keyA.jwk, keyB.jwk];
  assertOk(await verifier.verifyFresh(tokenFor(keyB)));
  assert.equal(server.requests, 2);
  server.keys = [keyB.jwk];
  clock.now += 11_000;
  // key-a is still cached (its kid is known, no refetch), until cache_ttl.
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(server.requests, 2);
});

test('a flood of tokens with random kids costs at most one request per cooldown', async () => {
  const { verifier, remote, clock } = setup();
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  const flood = () => Array.from({ length: 250 }, (_, i) => verifier.verifyFresh(tokenFor(keyA, `random-${Math.random()}-${i}`)));
  (await Promise.all(flood())).forEach((r) => assertRefused(r, /kid/));
  assert.equal(server.requests, 1, 'within the cooldown of the first fetch: no request');
  clock.now += 10_001;
  (await Promise.all(flood())).forEach((r) => assertRefused(r, /kid/));
  assert.equal(server.requests, 2, 'after the cooldown: exactly one refetch for 250 unknown kids');
  for (let i = 0; i < 100; i++) assertRefused(await verifier.verifyFresh(tokenFor(keyA, `sequential-${i}`)));
  assert.equal(server.requests, 2, 'sequential unknown kids within the cooldown: none');
  assert.equal(remote.counters.refetchesSuppressed, 350, 'the first flood and the sequential tokens were turned away without a request');
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
});

for (const [behaviour, reason] of [['error500', 'http'], ['garbage', 'invalid'], ['empty-set', 'invalid'], ['huge', 'too_large']] as const) {
  test(`a failing endpoint (${behaviour}) keeps the last good keys and is retried only after the cooldown`, async () => {
    const { verifier, remote, clock, logs } = setup({ maxBytes: 64 * 1024 });
    assertOk(await verifier.verifyFresh(tokenFor(keyA)));
    server.behaviour = behaviour;
    clock.now += 61 * MINUTE;
    for (let i = 0; i < 50; i++) assertOk(await verifier.verifyFresh(tokenFor(keyA)));
    assert.equal(server.requests, 2, 'one failed attempt, then the last good keys serve during the cooldown');
    assert.equal(remote.counters.fetches[reason], 1);
    clock.now += 10_001;
    assertOk(await verifier.verifyFresh(tokenFor(keyA)));
    assert.equal(server.requests, 3, 'retried after the cooldown');
    const errors = logs.filter((l) => l['msg'] === 'JWKS fetch failed; keeping the last good keys');
    assert.equal(errors.length, 1, 'the failure is logged once a minute, not per attempt');
    assert.equal(errors[0]!['reason'], reason);
    assert.equal(errors[0]!['keptKeys'], 1);
    server.behaviour = 'keys';
    clock.now += 10_001;
    assertOk(await verifier.verifyFresh(tokenFor(keyA)));
    assert.equal(remote.counters.fetches.ok, 2, 'recovers');
  });
}

test('a response that never completes times out after jwk_set_timeout; the last good keys serve', async () => {
  const { verifier, remote, clock } = setup({ timeoutMs: 300 });
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  server.behaviour = 'hang';
  clock.now += 61 * MINUTE;
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(remote.counters.fetches.timeout, 1);
  // An unknown kid while the endpoint hangs: no new request within the cooldown.
  assertRefused(await verifier.verifyFresh(tokenFor(keyB)), /kid "key-b"/);
  assert.equal(server.requests, 2);
});

test('an endpoint that is down from the start refuses tokens clearly, then serves once it is up', async () => {
  server.behaviour = 'error500';
  const { verifier, clock } = setup();
  assertRefused(await verifier.verifyFresh(tokenFor(keyA)), /kid "key-a"/);
  assertRefused(await verifier.verifyFresh(tokenFor(keyA, null)), /no keys from jwk_set_url/);
  assert.equal(server.requests, 1, 'the failed attempt is not repeated within the cooldown');
  server.behaviour = 'keys';
  clock.now += 10_001;
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(server.requests, 2);
});

test('a shorter Cache-Control max-age wins over cache_ttl; cache_ttl = 0 caches nothing', async () => {
  server.cacheControl = 'public, max-age=5, must-revalidate';
  const cached = setup();
  assertOk(await cached.verifier.verifyFresh(tokenFor(keyA)));
  cached.clock.now += 4_000;
  assertOk(await cached.verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(server.requests, 1);
  cached.clock.now += 2_000;
  assertOk(await cached.verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(server.requests, 2, 'refetched after max-age');

  server.requests = 0;
  server.cacheControl = undefined;
  const uncached = setup({ cacheTtlMs: 0 });
  for (let i = 0; i < 3; i++) assertOk(await uncached.verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(server.requests, 3, 'one request per verification');
  (await Promise.all(Array.from({ length: 10 }, () => uncached.verifier.verifyFresh(tokenFor(keyA))))).forEach(assertOk);
  assert.equal(server.requests, 4, 'concurrent verifications share one request');
});

test('jwk_set_bearer_token_file is sent as Authorization and re-read before each fetch', async () => {
  const file = join(tempDir(), 'jwks-token');
  writeFileSync(file, 's3cret\n');
  server.requiredAuthorization = 'Bearer s3cret';
  const { verifier, remote, clock } = setup({ bearerTokenFile: file });
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  writeFileSync(file, 'Bearer rotated');
  server.requiredAuthorization = 'Bearer rotated';
  server.keys = [keyB.jwk];
  clock.now += 10_001;
  assertOk(await verifier.verifyFresh(tokenFor(keyB)));
  writeFileSync(file, '');
  clock.now += 61 * MINUTE;
  assertOk(await verifier.verifyFresh(tokenFor(keyB)));
  assert.equal(remote.counters.fetches.token_file, 1, 'an empty token file fails the fetch; the keys stay');
  assert.equal(server.requests, 2);
});

test('fromConfig wires jwk_set_url with the [auth.jwt] settings', async () => {
  const verifier = JwtVerifier.fromConfig(jwtConfig({ jwkSetUrl: server.url }));
  assert.ok(verifier.remoteKeys !== undefined);
  assertOk(await verifier.verifyFresh(tokenFor(keyA)));
  assert.equal(verifier.remoteKeys.keys.length, 1);
  assertRefused(verifier.verify(tokenFor(keyB)), /kid "key-b"/);
});

test('https: tls_client_ca trusts a private CA; without it the fetch fails; tls_skip_verify_insecure skips the check', async () => {
  const dir = join(projectRoot(), 'test', 'fixtures', 'tls');
  const tlsServer = await JwksServer.start([keyA.jwk], { cert: readFileSync(join(dir, 'server.pem'), 'utf8'), key: readFileSync(join(dir, 'server-key.pem'), 'utf8') });
  try {
    const trusted = JwtVerifier.fromConfig(jwtConfig({ jwkSetUrl: tlsServer.url, tlsClientCa: join(dir, 'ca.pem') }));
    assertOk(await trusted.verifyFresh(tokenFor(keyA)));

    const untrusted = JwtVerifier.fromConfig(jwtConfig({ jwkSetUrl: tlsServer.url }));
    assertRefused(await untrusted.verifyFresh(tokenFor(keyA)));
    assert.equal(untrusted.remoteKeys?.counters.fetches.network, 1, 'the private CA is not trusted by default');

    const skipping = JwtVerifier.fromConfig(jwtConfig({ jwkSetUrl: tlsServer.url, tlsSkipVerifyInsecure: true }));
    assertOk(await skipping.verifyFresh(tokenFor(keyA)));

    assert.throws(() => JwtVerifier.fromConfig(jwtConfig({ jwkSetUrl: tlsServer.url, tlsClientCa: join(dir, 'README.md') })), /tls_client_ca: .* holds no PEM certificate/);
  } finally {
    await tlsServer.stop();
  }
});
