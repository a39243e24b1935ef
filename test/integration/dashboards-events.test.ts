// Dashboard change notifications over Live with real centrifuge clients: saved / deleted from the API,
// editing-started from editors (WS and HTTP publish), editing-cancelled answered without publishing,
// permission and tenant denials, unknown dashboards and paths, and presence of the watchers.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Centrifuge, PublicationContext } from 'centrifuge';
import { waitUntil } from '../../harness/wait.js';
import { installDashboards, type DashboardsFeature } from '../../src/features/dashboards/index.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { logsWith, request, startFeatureHub, type FeatureHub } from '../helpers/feature-hub.js';

type Body = Record<string, unknown>;

describe('dashboard events on grafana/dashboard/uid/<uid>', () => {
  let server: FeatureHub<DashboardsFeature>;
  const clients: Centrifuge[] = [];

  async function client(token: string): Promise<Centrifuge> {
    const c = newClient(`${server.wsUrl}?auth_token=${token}`);
    clients.push(c);
    await connected(c);
    return c;
  }

  async function watch(c: Centrifuge, uid: string): Promise<PublicationContext[]> {
    const sub = c.newSubscription(`1/grafana/dashboard/uid/${uid}`);
    const got = collect(sub);
    await subscribed(sub);
    return got;
  }

  function save(body: unknown, token = server.tokens.editor) {
    return request('POST', `${server.httpUrl}/api/dashboards/db`, { token, body });
  }

  function livePublish(channel: string, data: unknown, token: string) {
    return request('POST', `${server.httpUrl}/api/live/publish`, { token, body: { channel, data } });
  }

  /** The user object the server fills in for an API token named `name`. */
  function userOf(name: string): { id: number; name: string; login: string } {
    return { id: NaN, name, login: `sa-${name}` };
  }

  function withoutId(data: unknown): Body {
    const event = data as Body;
    const user = event['user'] as Body | undefined;
    if (user !== undefined) assert.equal(typeof user['id'], 'number', 'user.id is a number, as in Grafana');
    return user === undefined ? event : { ...event, user: { ...user, id: NaN } };
  }

  before(async () => {
    server = await startFeatureHub(installDashboards);
    for (const uid of ['ev-save', 'ev-edit', 'ev-presence']) assert.equal((await save({ dashboard: { uid, title: uid } })).status, 200);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  test('a watcher receives saved (with message and rv) and deleted events from the API', async () => {
    const viewer = await client(server.tokens.viewer);
    const got = await watch(viewer, 'ev-save');
    assert.equal((await save({ dashboard: { uid: 'ev-save', title: 'Saved again', version: 1 }, message: 'tweak thresholds' })).status, 200);
    await waitUntil(() => got.length === 1, 'saved event', 5000, 10);
    assert.deepEqual(withoutId(got[0]!.data), { uid: 'ev-save', action: 'saved', user: userOf('editor'), message: 'tweak thresholds', rv: '2' });

    assert.equal((await request('DELETE', `${server.httpUrl}/api/dashboards/uid/ev-save`, { token: server.tokens.admin })).status, 200);
    await waitUntil(() => got.length === 2, 'deleted event', 5000, 10);
    assert.deepEqual(withoutId(got[1]!.data), { uid: 'ev-save', action: 'deleted', user: userOf('admin') });
  });

  test('editors announce editing-started over WebSocket and HTTP; the server fills user and drops unknown keys', async () => {
    const watcher = await client(server.tokens.viewer);
    const got = await watch(watcher, 'ev-edit');
    const editor = await client(server.tokens.editor);
    const sub = editor.newSubscription('1/grafana/dashboard/uid/ev-edit');
    await subscribed(sub);
    await sub.publish({ uid: 'ev-edit', action: 'editing-started', sessionId: 'tab-1', timestamp: 123, user: { id: 99, login: 'forged' } });
    await waitUntil(() => got.length === 1, 'editing-started over WS', 5000, 10);
    assert.deepEqual(withoutId(got[0]!.data), { uid: 'ev-edit', action: 'editing-started', user: userOf('editor'), sessionId: 'tab-1' });

    const http = await livePublish('grafana/dashboard/uid/ev-edit', { uid: 'ev-edit', action: 'editing-started', sessionId: 'tab-2', timestamp: 1 }, server.tokens.admin);
    assert.deepEqual([http.status, http.body], [200, {}]);
    await waitUntil(() => got.length === 2, 'editing-started over HTTP', 5000, 10);
    assert.deepEqual(withoutId(got[1]!.data), { uid: 'ev-edit', action: 'editing-started', user: userOf('admin'), sessionId: 'tab-2' });

    // editing-cancelled: 200 {} (Grafana errors) and nothing is published.
    const cancelled = await livePublish('grafana/dashboard/uid/ev-edit', { uid: 'ev-edit', action: 'editing-cancelled', sessionId: 'tab-2' }, server.tokens.editor);
    assert.deepEqual([cancelled.status, cancelled.body], [200, {}]);
    await sub.publish({ uid: 'ev-edit', action: 'editing-cancelled' });
    // A marker published afterwards arrives next: nothing came in between.
    await sub.publish({ uid: 'ev-edit', action: 'editing-started', sessionId: 'marker' });
    await waitUntil(() => got.length === 3, 'marker', 5000, 10);
    assert.equal((got[2]!.data as Body)['sessionId'], 'marker');
  });

  test('rejected events: a Viewer gets 403, a wrong uid or action 400 (WS and HTTP)', async () => {
    const viewer = await client(server.tokens.viewer);
    const sub = viewer.newSubscription('1/grafana/dashboard/uid/ev-edit');
    await subscribed(sub);
    await assert.rejects(sub.publish({ uid: 'ev-edit', action: 'editing-started' }), (err: { code: number }) => err.code === 403);
    const http = await livePublish('grafana/dashboard/uid/ev-edit', { uid: 'ev-edit', action: 'editing-started' }, server.tokens.viewer);
    assert.deepEqual([http.status, http.body], [403, { message: 'Forbidden' }]);

    const editor = await client(server.tokens.editor);
    const esub = editor.newSubscription('1/grafana/dashboard/uid/ev-edit');
    await subscribed(esub);
    for (const bad of [{ uid: 'other', action: 'editing-started' }, { uid: 'ev-edit', action: 'saved' }, { uid: 'ev-edit' }, 'text']) {
      await assert.rejects(esub.publish(bad), (err: { code: number; message: string }) => err.code === 400 && err.message === 'Bad Request', JSON.stringify(bad));
      const res = await livePublish('grafana/dashboard/uid/ev-edit', bad, server.tokens.editor);
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(typeof (res.body as Body)['message'], 'string');
    }
    // Publishing to a dashboard that does not exist.
    const missing = await livePublish('grafana/dashboard/uid/nope', { uid: 'nope', action: 'editing-started' }, server.tokens.editor);
    assert.deepEqual([missing.status, missing.body], [404, { message: 'Not Found' }]);
  });

  test('subscribe denials: another org 103, unknown dashboard 404, other paths 404', async () => {
    const foreign = await client(server.tokens.otherOrgEditor);
    await assert.rejects(subscribed(foreign.newSubscription('1/grafana/dashboard/uid/ev-edit')), (err: { code: number }) => err.code === 103);
    // In its own org the dashboard does not exist.
    await assert.rejects(subscribed(foreign.newSubscription('2/grafana/dashboard/uid/ev-edit')), (err: { code: number }) => err.code === 404);
    const viewer = await client(server.tokens.viewer);
    await assert.rejects(subscribed(viewer.newSubscription('1/grafana/dashboard/uid/does-not-exist')), (err: { code: number }) => err.code === 404);
    await assert.rejects(subscribed(viewer.newSubscription('1/grafana/dashboard/gitops')), (err: { code: number }) => err.code === 404);
    await assert.rejects(subscribed(viewer.newSubscription('1/grafana/dashboard/uid/a/b')), (err: { code: number }) => err.code === 404);
    assert.ok(logsWith(server.logs, 'Unknown dashboard channel').some((l) => l['path'] === 'gitops'));
  });

  test('presence lists the watchers and join/leave reach the others', async () => {
    const a = await client(server.tokens.viewer);
    const b = await client(server.tokens.editor);
    const subA = a.newSubscription('1/grafana/dashboard/uid/ev-presence');
    const joins: string[] = [];
    const leaves: string[] = [];
    subA.on('join', (ctx) => joins.push(ctx.info.user));
    subA.on('leave', (ctx) => leaves.push(ctx.info.user));
    await subscribed(subA);
    const subB = b.newSubscription('1/grafana/dashboard/uid/ev-presence');
    await subscribed(subB);
    const presence = await subA.presence();
    const users = Object.values(presence.clients).map((c) => c.user).sort();
    assert.equal(users.length, 2);
    await waitUntil(() => joins.length === 1, 'join push', 5000, 10);
    assert.equal(users.includes(joins[0]!), true);
    subB.unsubscribe();
    await waitUntil(() => leaves.length === 1, 'leave push', 5000, 10);
    assert.equal(leaves[0], joins[0]);
    const stats = await subA.presenceStats();
    assert.equal(stats.numClients, 1);
  });
});
