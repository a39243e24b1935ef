// Identity on the wire: anonymous access, API tokens (header and auth_token), JWT (header, query,
// connect token), expiry (109 at connect, 3005 when it passes mid-session), refresh, and tenant isolation
// between tokens of different orgs.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { nowSeconds, signJwt } from '../auth/sign-jwt.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { postJson, startHub, type TestHub } from '../helpers/hub.js';

const SECRET = 'integration-test-hmac-secret-0123456789abcdef';

function hs256(claims: Record<string, unknown>): string {
  return signJwt({ alg: 'HS256', typ: 'JWT' }, { iat: nowSeconds(), exp: nowSeconds() + 600, ...claims }, SECRET);
}

describe('authentication and tenants', () => {
  let server: TestHub;
  let org1Editor: string;
  let org2Viewer: string;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livehub-auth-'));
    const file = join(dir, 'tokens.json');
    const store = new ApiTokenStore(file);
    org1Editor = store.create({ name: 'editor1', orgId: 1, role: 'Editor' }).token;
    org2Viewer = store.create({ name: 'viewer2', orgId: 2, role: 'Viewer' }).token;
    server = await startHub({
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_AUTH_API_TOKENS_FILE: file,
      GF_AUTH_JWT_ENABLED: 'true',
      GF_AUTH_JWT_HMAC_SECRET: SECRET,
    });
  });
  after(() => server.stop());

  test('without anonymous access, a credential-less connect closes 3500 and HTTP answers 401', async () => {
    const raw = await RawClient.open(server.wsUrl);
    raw.send({ id: 1, connect: {} });
    assert.deepEqual((await raw.reply(1))['error'], { code: 101, message: 'unauthorized' });
    assert.equal((await raw.closed).code, 3500);
    const res = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/x', data: {} });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, { message: 'Unauthorized' });
  });

  test('an invalid Authorization header fails the upgrade with 401', async () => {
    await assert.rejects(RawClient.open(server.wsUrl, { headers: { Authorization: 'Bearer glh_not-a-real-token' } }), (err: { status: number }) => err.status === 401);
    await assert.rejects(RawClient.open(server.wsUrl, { headers: { Authorization: 'Bearer not.a.jwt' } }), (err: { status: number }) => err.status === 401);
  });

  test('API tokens: the header and the auth_token parameter both authenticate', async () => {
    const viaHeader = await RawClient.open(server.wsUrl, { headers: { Authorization: `Bearer ${org1Editor}` } });
    await viaHeader.connect();
    viaHeader.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/tok' } });
    assert.deepEqual((await viaHeader.reply(2))['subscribe'], {});
    viaHeader.close();
    const viaQuery = await RawClient.open(`${server.wsUrl}?auth_token=${org1Editor}`);
    await viaQuery.connect();
    viaQuery.close();
    const res = await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/tok', data: { ok: true } }, { Authorization: `Bearer ${org1Editor}` });
    assert.equal(res.status, 200);
  });

  test('a token of org 2 sees org 2 only, in both tenant forms, and nothing of org 1', async () => {
    const org2 = newClient(`${server.wsUrl}?auth_token=${org2Viewer}`);
    const org1 = newClient(`${server.wsUrl}?auth_token=${org1Editor}`);
    await Promise.all([connected(org1), connected(org2)]);
    const own = org2.newSubscription('org-2/grafana/broadcast/shared');
    const ownNumeric = org2.newSubscription('2/grafana/broadcast/shared');
    const foreign = org2.newSubscription('1/grafana/broadcast/shared');
    const foreignNamed = org2.newSubscription('default/grafana/broadcast/shared');
    const got2 = collect(own);
    await Promise.all([subscribed(own), subscribed(ownNumeric)]);
    await assert.rejects(subscribed(foreign), (err: { code: number }) => err.code === 103);
    await assert.rejects(subscribed(foreignNamed), (err: { code: number }) => err.code === 103);

    const org1Sub = org1.newSubscription('1/grafana/broadcast/shared');
    const got1 = collect(org1Sub);
    await subscribed(org1Sub);
    await org1Sub.publish({ secret: 'org1' });
    await own.publish({ hello: 'org2' });
    await waitUntil(() => got1.length === 1 && got2.length === 1, 'own-tenant publications', 5000, 10);
    assert.deepEqual(got1[0]!.data, { secret: 'org1' });
    assert.deepEqual(got2[0]!.data, { hello: 'org2' });
    // The HTTP publish API publishes into the caller's tenant only.
    await postJson(`${server.httpUrl}/api/live/publish`, { channel: 'grafana/broadcast/shared', data: { via: 'http-org2' } }, { Authorization: `Bearer ${org2Viewer}` });
    await waitUntil(() => got2.length === 2, 'org 2 http publish', 5000, 10);
    assert.equal(got1.length, 1, 'org 1 never sees org 2 traffic');
    org1.disconnect();
    org2.disconnect();
  });

  test('JWT in the connect token: claims give org and role; user shows in presence', async () => {
    const client = newClient(server.wsUrl, { token: hs256({ sub: '42', org_id: 3, role: 'Admin', login: 'alice' }) });
    await connected(client);
    const sub = client.newSubscription('3/grafana/broadcast/jwt');
    await subscribed(sub);
    const presence = await sub.presence();
    assert.deepEqual(Object.values(presence.clients).map((c) => c.user), ['42']);
    const denied = client.newSubscription('1/grafana/broadcast/jwt');
    await assert.rejects(subscribed(denied), (err: { code: number }) => err.code === 103);
    client.disconnect();
  });

  test('JWT in the header and in auth_token', async () => {
    const token = hs256({ sub: '7', org_id: 1, role: 'Viewer' });
    const viaHeader = await RawClient.open(server.wsUrl, { headers: { Authorization: `Bearer ${token}` } });
    await viaHeader.connect();
    viaHeader.close();
    const viaQuery = await RawClient.open(`${server.wsUrl}?auth_token=${token}`);
    await viaQuery.connect();
    viaQuery.close();
  });

  test('an expired connect token answers 109; a forged one closes 3500', async () => {
    const expired = signJwt({ alg: 'HS256' }, { sub: '1', org_id: 1, exp: nowSeconds() - 10 }, SECRET);
    const a = await RawClient.open(server.wsUrl);
    a.send({ id: 1, connect: { token: expired } });
    assert.deepEqual((await a.reply(1))['error'], { code: 109, message: 'token expired' });
    const forged = signJwt({ alg: 'HS256' }, { sub: '1', org_id: 1, exp: nowSeconds() + 60 }, 'wrong-secret-wrong-secret-wrong-secret');
    const b = await RawClient.open(server.wsUrl);
    b.send({ id: 1, connect: { token: forged } });
    assert.equal((await b.closed).code, 3500);
    const none = signJwt({ alg: 'none' }, { sub: '1', org_id: 1 }, null);
    const c = await RawClient.open(server.wsUrl);
    c.send({ id: 1, connect: { token: none } });
    assert.equal((await c.closed).code, 3500);
  });

  test('a session whose JWT expires is closed 3005 without sending anything', async () => {
    const shortLived = signJwt({ alg: 'HS256' }, { sub: '9', org_id: 1, exp: nowSeconds() + 2 }, SECRET);
    const c = await RawClient.open(server.wsUrl);
    await c.connect(shortLived);
    c.send({ id: 2, subscribe: { channel: '1/grafana/broadcast/exp' } });
    assert.deepEqual((await c.reply(2))['subscribe'], {});
    assert.deepEqual(await c.closed, { code: 3005, reason: 'connection expired' });
    assert.equal(c.frames.length, 0, 'nothing but the close after the subscribe reply');
  });

  test('refresh extends the same user and refuses another user', async () => {
    const c = await RawClient.open(server.wsUrl);
    await c.connect(hs256({ sub: '11', org_id: 1 }));
    c.send({ id: 2, refresh: { token: hs256({ sub: '11', org_id: 1 }) } });
    const refresh = (await c.reply(2))['refresh'] as Record<string, unknown>;
    assert.equal(refresh['expires'], true);
    assert.ok(Number(refresh['ttl']) > 500);
    c.send({ id: 3, refresh: { token: hs256({ sub: '12', org_id: 1 }) } });
    assert.equal((await c.closed).code, 3500);
  });
});
