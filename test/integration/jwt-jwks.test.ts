// A running livehub configured with the [auth.jwt] section of a Grafana installation
// (test/fixtures/grafana/auth-jwt.ini, unchanged; GF_AUTH_JWT_JWK_SET_URL points it at a JWKS
// endpoint on 127.0.0.1, as an operator would override the URL). The real centrifuge client connects
// with a token signed by the endpoint's key; the JMESPath role and org_mapping of the copied config
// decide org and role on the wire; expect_claims refuses foreign tokens; the endpoint rotates its key.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectRoot } from '../../harness/project-root.js';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { JwksServer } from '../auth/jwks-server.js';
import { makeRsaKey, nowSeconds, signJwt, type AsymmetricTestKey } from '../auth/sign-jwt.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { startHub, type TestHub } from '../helpers/hub.js';

const FIXTURE = join(projectRoot(), 'test', 'fixtures', 'grafana', 'auth-jwt.ini');
const ISSUER = 'https://your-auth-provider.example.com/';

const keyA = makeRsaKey('idp-2024');
const keyB = makeRsaKey('idp-2025');
const keyC = makeRsaKey('idp-2026');

function idpToken(key: AsymmetricTestKey, claims: Record<string, unknown> = {}): string {
  return signJwt(
    { alg: 'RS256', typ: 'JWT', kid: key.jwk.kid },
    { sub: 'auth0|alice', preferred_username: 'alice', email: 'alice@example.com', iss: ISSUER, aud: 'grafana', exp: nowSeconds() + 600, ...claims },
    key.privateKey,
  );
}

async function push(server: TestHub, token: string, body = 'cpu value=1'): Promise<number> {
  const res = await fetch(`${server.httpUrl}/api/live/push/jwks`, { method: 'POST', headers: { 'X-JWT-Assertion': token }, body });
  await res.arrayBuffer();
  return res.status;
}

describe("Grafana's [auth.jwt] configuration with a JWKS endpoint", () => {
  let idp: JwksServer;
  let server: TestHub;

  before(async () => {
    idp = await JwksServer.start([keyA.jwk]);
    server = await startHub(
      { GF_AUTH_ANONYMOUS_ENABLED: 'false', GF_AUTH_JWT_JWK_SET_URL: idp.url, GF_AUTH_JWT_CACHE_TTL: '1s', GF_AUTH_JWT_JWK_SET_REFETCH_COOLDOWN: '200ms' },
      { configFile: FIXTURE },
    );
  });
  after(async () => {
    await server.stop();
    await idp.stop();
  });

  test('the centrifuge client connects with an IdP token; org_mapping and role_attribute_path decide org and role', async () => {
    // info.orgs ["admin"] maps to org 2 (Editor) and, through "*", org 3; default org 1 is not mapped,
    // so the connection acts in org 2; role_attribute_path says Editor.
    const token = idpToken(keyA, { info: { roles: ['editor'], orgs: ['admin'] } });
    const client = newClient(server.wsUrl, { token });
    await connected(client);
    const own = client.newSubscription('2/grafana/broadcast/jwks');
    const received = collect(own);
    await subscribed(own);
    await assert.rejects(subscribed(client.newSubscription('1/grafana/broadcast/jwks')), (err: { code: number }) => err.code === 103);
    const published = await fetch(`${server.httpUrl}/api/live/publish`, {
      method: 'POST',
      headers: { 'X-JWT-Assertion': token, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: 'grafana/broadcast/jwks', data: { via: 'header_name' } }),
    });
    assert.equal(published.status, 200);
    await waitUntil(() => received.length === 1, 'publication in org 2', 5000, 10);
    assert.deepEqual(received[0]!.data, { via: 'header_name' });
    assert.equal(await push(server, token), 200, 'Editor may push');
    client.disconnect();
  });

  test('a token without a mapped role is a Viewer of its mapped org; a foreign issuer or audience is refused', async () => {
    const viewer = idpToken(keyA, { info: { roles: ['engineer'], orgs: ['engineer'] } });
    assert.equal(await push(server, viewer), 403, 'Viewer (org 1 via engineer:1:Viewer) may not push');
    const raw = await RawClient.open(server.wsUrl);
    assert.ok((await raw.connect(viewer))['connect'] !== undefined);
    raw.close();
    const foreign = await RawClient.open(server.wsUrl);
    foreign.send({ id: 1, connect: { token: idpToken(keyA, { iss: 'https://evil.example/' }) } });
    assert.equal((await foreign.closed).code, 3500, 'expect_claims: another issuer');
    assert.equal(await push(server, idpToken(keyA, { aud: 'another-app' })), 401, 'expect_claims: another audience');
  });

  test('the IdP rotates its key: the old key is refused once the cache expires, the new one connects', async () => {
    const oldToken = idpToken(keyA, { info: { roles: ['admin'], orgs: ['admin'] } });
    assert.equal(await push(server, oldToken), 200);
    idp.keys = [keyB.jwk];
    // cache_ttl is 1 s here: the outcome, not the timing, is asserted (bounded wait).
    let refused = false;
    const deadline = Date.now() + 10_000;
    while (!refused && Date.now() < deadline) {
      refused = (await push(server, oldToken)) === 401;
      if (!refused) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(refused, 'the old key was dropped after cache_ttl');
    const client = newClient(server.wsUrl, { token: idpToken(keyB, { info: { roles: ['admin'], orgs: ['admin'] } }) });
    await connected(client);
    client.disconnect();
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /livehub_jwks_fetches_total\{result="ok",node="[^"]+"\} [2-9]/);
    assert.match(metrics, /livehub_jwks_keys\{node="[^"]+"\} 1/);
  });

  test('connect and subscribe in one frame: the subscribe waits for the connect whose key is being fetched', async () => {
    idp.keys = [keyB.jwk, keyC.jwk];
    idp.delayMs = 300;
    await new Promise((r) => setTimeout(r, 250)); // past the refetch cooldown of the previous test
    const requestsBefore = idp.requests;
    const raw = await RawClient.open(server.wsUrl);
    raw.send(
      { id: 1, connect: { token: idpToken(keyC, { info: { roles: ['editor'], orgs: ['admin'] } }) } },
      { id: 2, subscribe: { channel: '2/grafana/broadcast/ordered' } },
    );
    const first = await raw.next(() => true, 5000);
    assert.equal(first['id'], 1, 'the connect reply comes first');
    assert.ok(first['connect'] !== undefined, JSON.stringify(first));
    assert.deepEqual((await raw.reply(2))['subscribe'], {});
    assert.equal(idp.requests, requestsBefore + 1, 'one fetch for the new kid');
    idp.delayMs = 0;
    raw.close();
  });
});
