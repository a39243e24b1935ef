// The dashboard HTTP API (create/update with version checks, get, delete, search, every status code)
// on the embedded SQLite file and on a real PostgreSQL started for the test, plus persistence across
// a hub restart and idempotent migrations.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startPostgres, type PostgresServer } from '../../harness/postgres.js';
import { installDashboards, type DashboardsFeature } from '../../src/features/dashboards/index.js';
import { logsWith, request, startFeatureHub, type FeatureHub } from '../helpers/feature-hub.js';

type Body = Record<string, unknown>;

for (const backend of ['sqlite3', 'postgres'] as const) {
  describe(`dashboard API on ${backend}`, () => {
    let pg: PostgresServer | undefined;
    let env: Record<string, string> = {};
    let server: FeatureHub<DashboardsFeature>;
    const url = (path: string): string => `${server.httpUrl}${path}`;
    const save = (body: unknown, token = server.tokens.editor) => request('POST', url('/api/dashboards/db'), { token, body });

    before(async () => {
      if (backend === 'postgres') {
        pg = await startPostgres();
        env = pg.env;
      }
      server = await startFeatureHub(installDashboards, { env: { ...env, GF_AUTH_ANONYMOUS_ENABLED: 'false' } });
    });
    after(async () => {
      await server?.stop();
      await pg?.stop();
    });

    test('every endpoint answers 401 without credentials', async () => {
      for (const [method, path] of [['POST', '/api/dashboards/db'], ['GET', '/api/dashboards/uid/x'], ['DELETE', '/api/dashboards/uid/x'], ['GET', '/api/search']] as const) {
        const res = await request(method, url(path), method === 'POST' ? { body: { dashboard: { title: 't' } } } : {});
        assert.deepEqual([res.status, res.body], [401, { message: 'Unauthorized' }], `${method} ${path}`);
      }
    });

    test('create: 200 with id, uid, url, status, version and slug; uid generated when absent', async () => {
      const created = await save({ dashboard: { uid: 'api-create', title: 'Production Overview', panels: [{ id: 1 }] }, message: 'first' });
      assert.equal(created.status, 200);
      const body = created.body as Body;
      assert.deepEqual(Object.keys(body).sort(), ['id', 'slug', 'status', 'uid', 'url', 'version']);
      assert.equal(typeof body['id'], 'number');
      assert.deepEqual({ ...body, id: 0 }, { id: 0, uid: 'api-create', url: '/d/api-create/production-overview', status: 'success', version: 1, slug: 'production-overview' });

      const generated = await save({ dashboard: { title: 'No uid', id: null } }, server.tokens.admin);
      assert.equal(generated.status, 200);
      assert.match(String((generated.body as Body)['uid']), /^[a-z][a-z0-9]{13}$/);
    });

    test('create errors: title, malformed JSON, wrong types, bad uid, unknown id, Viewer', async () => {
      assert.deepEqual(pick(await save({ dashboard: { uid: 'no-title' } })), [400, { status: 'empty-name', message: 'Dashboard title cannot be empty' }]);
      assert.deepEqual(pick(await save({ dashboard: { title: '   ' } })), [400, { status: 'empty-name', message: 'Dashboard title cannot be empty' }]);
      assert.deepEqual(pick(await save('{"dashboard": {"title": ')), [400, { message: 'bad request data' }]);
      for (const bad of [[], 'x', { dashboard: 'x' }, { dashboard: { title: 't', version: 'one' } }, { dashboard: { title: 5 } }, { dashboard: { title: 't' }, overwrite: 'yes' }]) {
        const res = await save(bad);
        assert.equal(res.status, 400, JSON.stringify(bad));
        assert.match(String((res.body as Body)['message']), /^bad request data/);
      }
      assert.deepEqual(pick(await save({ dashboard: { uid: 'has space', title: 't' } })), [400, { message: 'uid contains illegal characters' }]);
      assert.deepEqual(pick(await save({ dashboard: { uid: 'u'.repeat(41), title: 't' } })), [400, { message: 'uid too long, max 40 characters' }]);
      assert.deepEqual(pick(await save({ dashboard: { id: 987654, title: 't' } })), [404, { status: 'not-found', message: 'Dashboard not found' }]);
      assert.deepEqual(pick(await save({ dashboard: { uid: 'viewer-save', title: 't' } }, server.tokens.viewer)), [403, { message: 'Access denied to save dashboard' }]);
      assert.equal((await request('GET', url('/api/dashboards/uid/viewer-save'), { token: server.tokens.viewer })).status, 404, 'nothing was saved');
    });

    test('get: dashboard with id, uid, version and meta; Viewer may read; 404 otherwise', async () => {
      await save({ dashboard: { uid: 'api-get', title: 'Get Me', tags: ['a', 'b'], schemaVersion: 39 } });
      const res = await request('GET', url('/api/dashboards/uid/api-get'), { token: server.tokens.viewer });
      assert.equal(res.status, 200);
      const { dashboard, meta } = res.body as { dashboard: Body; meta: Body };
      assert.deepEqual({ ...dashboard, id: 0 }, { id: 0, uid: 'api-get', title: 'Get Me', tags: ['a', 'b'], schemaVersion: 39, version: 1 });
      assert.equal(meta['slug'], 'get-me');
      assert.equal(meta['url'], '/d/api-get/get-me');
      assert.equal(meta['version'], 1);
      assert.equal(meta['createdBy'], 'sa-editor');
      assert.equal(meta['updatedBy'], 'sa-editor');
      assert.equal(meta['canSave'], false, 'a Viewer cannot save');
      assert.equal(meta['canEdit'], false);
      assert.ok(!Number.isNaN(Date.parse(String(meta['created']))) && !Number.isNaN(Date.parse(String(meta['updated']))));
      const asEditor = (await request('GET', url('/api/dashboards/uid/api-get'), { token: server.tokens.editor })).body as { meta: Body };
      assert.equal(asEditor.meta['canSave'], true);
      assert.deepEqual(pick(await request('GET', url('/api/dashboards/uid/missing'), { token: server.tokens.viewer })), [404, { message: 'Dashboard not found' }]);
      // Tenant scoping: org 2 does not see org 1's dashboards.
      assert.deepEqual(pick(await request('GET', url('/api/dashboards/uid/api-get'), { token: server.tokens.otherOrgEditor })), [404, { message: 'Dashboard not found' }]);
    });

    test('update: version check → 412 unless overwrite; versions increase', async () => {
      await save({ dashboard: { uid: 'api-ver', title: 'Versions' } });
      const v2 = await save({ dashboard: { uid: 'api-ver', title: 'Versions 2', version: 1 } });
      assert.deepEqual([v2.status, (v2.body as Body)['version'], (v2.body as Body)['slug']], [200, 2, 'versions-2']);
      const mismatch = { status: 'version-mismatch', message: 'The dashboard has been changed by someone else' };
      assert.deepEqual(pick(await save({ dashboard: { uid: 'api-ver', title: 'Stale', version: 1 } })), [412, mismatch]);
      assert.deepEqual(pick(await save({ dashboard: { uid: 'api-ver', title: 'No version' } })), [412, mismatch]);
      const forced = await save({ dashboard: { uid: 'api-ver', title: 'Forced', version: 1 }, overwrite: true }, server.tokens.admin);
      assert.deepEqual([forced.status, (forced.body as Body)['version']], [200, 3]);
      // Update by id keeps the uid.
      const id = (forced.body as Body)['id'];
      const byId = await save({ dashboard: { id, title: 'By id', version: 3 } });
      assert.deepEqual([byId.status, (byId.body as Body)['uid'], (byId.body as Body)['version']], [200, 'api-ver', 4]);
      const got = (await request('GET', url('/api/dashboards/uid/api-ver'), { token: server.tokens.viewer })).body as { dashboard: Body; meta: Body };
      assert.equal(got.dashboard['title'], 'By id');
      assert.equal(got.dashboard['version'], 4);
      assert.equal(got.meta['updatedBy'], 'sa-editor');
      // id and uid naming two different dashboards.
      await save({ dashboard: { uid: 'api-other', title: 'Other' } });
      assert.deepEqual(pick(await save({ dashboard: { id, uid: 'api-other', title: 'x', version: 4 } })), [400, { message: 'A dashboard with the same uid already exists' }]);
    });

    test('concurrent saves of one version: exactly one wins, the others get 412', async () => {
      await save({ dashboard: { uid: 'api-race', title: 'Race' } });
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => save({ dashboard: { uid: 'api-race', title: `Race ${i}`, version: 1 } })));
      const statuses = results.map((r) => r.status).sort();
      assert.deepEqual(statuses, [200, 412, 412, 412, 412, 412]);
      const got = (await request('GET', url('/api/dashboards/uid/api-race'), { token: server.tokens.viewer })).body as { dashboard: Body };
      assert.equal(got.dashboard['version'], 2);
      // The same race straight on the repository, where the transactions surely overlap.
      const repository = server.feature.repository()!;
      const command = (i: number) => ({
        orgId: 1, id: 0, uid: 'api-race', title: `Direct ${i}`, version: 2, overwrite: false, folderUid: '', tags: [], data: { title: `Direct ${i}` }, actor: 'test', now: Date.now(),
      });
      const direct = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => repository.save(command(i))));
      assert.equal(direct.filter((r) => r.status === 'fulfilled').length, 1, 'one save wins');
      for (const r of direct) if (r.status === 'rejected') assert.equal((r.reason as { httpStatus: number }).httpStatus, 412);
      assert.equal((await repository.get(1, 'api-race'))?.version, 3);
    });

    test('search: query, type, limit, page, tenant; hits in Grafana\'s shape sorted by title', async () => {
      for (const title of ['Search Beta', 'search alpha', 'Search Gamma 100%']) await save({ dashboard: { title, uid: `s-${title.length}-${title[7]}`, tags: ['s'] } });
      const res = await request('GET', url('/api/search?query=SEARCH&type=dash-db'), { token: server.tokens.viewer });
      assert.equal(res.status, 200);
      const hits = res.body as Body[];
      assert.deepEqual(hits.map((h) => h['title']), ['search alpha', 'Search Beta', 'Search Gamma 100%']);
      const first = hits[0]!;
      assert.deepEqual({ ...first, id: 0 }, {
        id: 0, uid: first['uid'], title: 'search alpha', uri: 'db/search-alpha', url: `/d/${String(first['uid'])}/search-alpha`,
        slug: 'search-alpha', type: 'dash-db', tags: ['s'], isStarred: false,
      });
      const limited = (await request('GET', url('/api/search?query=search&limit=2&page=2'), { token: server.tokens.viewer })).body as Body[];
      assert.deepEqual(limited.map((h) => h['title']), ['Search Gamma 100%']);
      const wildcard = (await request('GET', url('/api/search?query=100%25'), { token: server.tokens.viewer })).body as Body[];
      assert.deepEqual(wildcard.map((h) => h['title']), ['Search Gamma 100%'], '% is matched literally');
      assert.deepEqual((await request('GET', url('/api/search?query=search&type=dash-folder'), { token: server.tokens.viewer })).body, []);
      assert.deepEqual((await request('GET', url('/api/search?query=search'), { token: server.tokens.otherOrgEditor })).body, []);
      const all = (await request('GET', url('/api/search'), { token: server.tokens.viewer })).body as Body[];
      assert.ok(all.length >= 5);
    });

    test('bad input is a 400 with a message, never a 500: paging out of range, JSON nested too deeply', async () => {
      const search = (query: string) => request('GET', url(`/api/search?${query}`), { token: server.tokens.viewer });
      for (const [query, name] of [
        ['page=9007199254740991&limit=5000', 'page'], ['page=1000001', 'page'], ['page=0', 'page'], ['page=-1', 'page'], ['page=1.5', 'page'],
        ['page=abc', 'page'], ['page=1e3', 'page'], ['limit=5001', 'limit'], ['limit=0', 'limit'], ['limit=99999999999999999999', 'limit'],
        ['limit=5001&type=dash-folder', 'limit'],
      ] as const) {
        const res = await search(query);
        assert.equal(res.status, 400, query);
        assert.match(String((res.body as Body)['message']), new RegExp(`"${name}" must be an integer from 1 to`), query);
      }
      assert.equal((await search('page=1000000&limit=5000')).status, 200, 'the largest page is an empty page');
      assert.equal((await search('page=&limit=')).status, 200, 'empty means the default');
      // 100,000 levels (the case) and one level over the default limit of 128.
      for (const depth of [100_000, 129]) {
        const nested = `{"dashboard":{"title":"deep","panels":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
        const res = await save(nested);
        assert.equal(res.status, 400, `depth ${depth}`);
        assert.match(String((res.body as Body)['message']), /nested \d+ levels deep, more than the limit of 128 \(\[server\] max_json_depth\)/);
      }
      assert.equal((await save(`{"dashboard":{"title":"deep enough","uid":"deep-ok","x":${'['.repeat(126)}${']'.repeat(126)}}}`)).status, 200, '128 levels in all');
    });

    test('delete: Editor+ only, Grafana\'s body, then 404', async () => {
      const created = (await save({ dashboard: { uid: 'api-del', title: 'Delete Me' } })).body as Body;
      assert.deepEqual(pick(await request('DELETE', url('/api/dashboards/uid/api-del'), { token: server.tokens.viewer })), [403, { message: 'Access denied to delete dashboard' }]);
      assert.deepEqual(pick(await request('DELETE', url('/api/dashboards/uid/api-del'), { token: server.tokens.otherOrgEditor })), [404, { message: 'Dashboard not found' }]);
      assert.deepEqual(pick(await request('DELETE', url('/api/dashboards/uid/api-del'), { token: server.tokens.editor })), [200, { title: 'Delete Me', message: 'Dashboard Delete Me deleted', id: created['id'] }]);
      assert.equal((await request('GET', url('/api/dashboards/uid/api-del'), { token: server.tokens.editor })).status, 404);
      assert.deepEqual(pick(await request('DELETE', url('/api/dashboards/uid/api-del'), { token: server.tokens.editor })), [404, { message: 'Dashboard not found' }]);
    });

    test('nothing is lost across a restart, and migrations run once', async () => {
      await save({ dashboard: { uid: 'api-persist', title: 'Persistent', panels: [{ id: 7, type: 'timeseries' }] } });
      await save({ dashboard: { uid: 'api-persist', title: 'Persistent', version: 1, panels: [{ id: 7, type: 'stat' }] } });
      assert.equal(logsWith(server.logs, 'database migrations applied').length, 1, 'first start migrates');
      await server.stop();
      server = await startFeatureHub(installDashboards, { dataDir: server.dataDir, env: { ...env, GF_AUTH_ANONYMOUS_ENABLED: 'false' } });
      assert.equal(logsWith(server.logs, 'database migrations applied').length, 0, 'a restart applies nothing');
      assert.equal(logsWith(server.logs, 'dashboard storage ready').length, 1);
      const got = (await request('GET', url('/api/dashboards/uid/api-persist'), { token: server.tokens.viewer })).body as { dashboard: Body };
      assert.deepEqual(got.dashboard['panels'], [{ id: 7, type: 'stat' }]);
      assert.equal(got.dashboard['version'], 2);
      const next = await save({ dashboard: { uid: 'api-persist', title: 'Persistent', version: 2 } });
      assert.deepEqual([next.status, (next.body as Body)['version']], [200, 3]);
    });
  });
}

function pick(res: { status: number; body: unknown }): [number, unknown] {
  return [res.status, res.body];
}
