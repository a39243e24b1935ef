// The authorization matrix against a running node: every scope (dashboard, broadcast, stream,
// testdata plugin, provisioned data source) × operation (subscribe, WS publish, presence, history,
// HTTP and WS push, /api/live/list, POST /api/live/publish) × role (anonymous, Viewer, Editor,
// Admin, an Admin of another org) × tenant form (`1/…`, `default/…`). Expected outcomes come from
// authz-table.ts, which also renders docs/authorization.md (checked to be in sync). Successful
// publishes and pushes must reach org-1 subscribers in both prefix forms; the other tenant's
// accepted calls must never reach them. Then JWT attacks at the upgrade, the connect token and the
// HTTP API.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { projectRoot } from '../../harness/project-root.js';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { makeKeys, nowSeconds, signJwt, writeKeyFiles, type TestKeys } from '../auth/sign-jwt.js';
import { startHub, type TestHub } from '../helpers/hub.js';
import {
  CHANNELS, EXPECTED, extractMatrix, JWT_ATTACKS, LISTED_CHANNELS, OPERATIONS, renderMatrix, ROLES, SCOPES, TENANT_FORMS,
  type JwtAttack, type Operation, type Outcome, type Role, type Scope, type TenantForm,
} from './authz-table.js';

const HMAC_SECRET = 'authz-matrix-hmac-secret-0123456789abcdef';
const ISS = 'https://idp.authz.example';
const AUD = 'livehub-authz';
const WS_OPERATIONS: ReadonlySet<Operation> = new Set(['subscribe', 'publish (WS)', 'presence', 'history']);

type Frame = Record<string, unknown>;

describe('authorization matrix', () => {
  let dir: string;
  let server: TestHub;
  let keys: TestKeys;
  let rsaPem: string;
  const tokens = {} as Record<Exclude<Role, 'anonymous'>, string>;
  /** Org-1 subscribers of the broadcast and stream channels, one per tenant form. */
  const observers = {} as Record<TenantForm, RawClient>;
  let marker = 900_000;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livehub-authz-'));
    const tokenFile = join(dir, 'tokens.json');
    const store = new ApiTokenStore(tokenFile);
    tokens.Viewer = store.create({ name: 'viewer', orgId: 1, role: 'Viewer' }).token;
    tokens.Editor = store.create({ name: 'editor', orgId: 1, role: 'Editor' }).token;
    tokens.Admin = store.create({ name: 'admin', orgId: 1, role: 'Admin' }).token;
    tokens['other tenant'] = store.create({ name: 'admin-org2', orgId: 2, role: 'Admin' }).token;
    writeFileSync(join(dir, 'datasources.yaml'), 'apiVersion: 1\ndatasources:\n  - name: TestData\n    type: grafana-testdata-datasource\n    uid: td-1\n    orgId: 1\n');
    keys = makeKeys();
    rsaPem = writeKeyFiles(dir, keys).rsaPem;
    server = await startHub({
      GF_AUTH_API_TOKENS_FILE: tokenFile,
      GF_LIVE_DATASOURCE_PROVISIONING: join(dir, 'datasources.yaml'),
      GF_AUTH_JWT_ENABLED: 'true',
      GF_AUTH_JWT_KEY_FILE: rsaPem,
      GF_AUTH_JWT_HMAC_SECRET: HMAC_SECRET,
      GF_AUTH_JWT_EXPECT_CLAIMS: JSON.stringify({ iss: ISS, aud: AUD }),
      GF_LIVE_CLIENT_COMMAND_RATE: '0',
      GF_LOG_LEVEL: 'error',
    });
    const saved = await http('POST', '/api/dashboards/db', 'Admin', { dashboard: { uid: 'authz', title: 'Authz' }, overwrite: true });
    assert.equal(saved.status, 200, saved.text);
    assert.equal((await pushHttp('Editor', 'cpu v=1')).status, 200, 'a first frame so the stream is cached');
    const listed = await http('POST', `/api/live/push/${LISTED_CHANNELS.stream!.split('/')[1]}`, 'Editor', 'cpu v=1');
    assert.equal(listed.status, 200, 'an org-1-only stream for the list checks');
    for (const form of TENANT_FORMS) {
      const o = await RawClient.open(`${server.wsUrl}?auth_token=${tokens.Viewer}`, { maxPayload: 0 });
      await o.connect();
      o.send({ id: 2, subscribe: { channel: `${form}/${CHANNELS['grafana/broadcast']}` } }, { id: 3, subscribe: { channel: `${form}/${CHANNELS.stream}` } });
      await o.reply(2);
      await o.reply(3);
      observers[form] = o;
    }
  });

  after(async () => {
    for (const o of Object.values(observers)) o.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function headers(role: Role | 'none', token?: string): Record<string, string> {
    const t = token ?? (role === 'anonymous' || role === 'none' ? undefined : tokens[role]);
    return t === undefined ? {} : { Authorization: `Bearer ${t}` };
  }

  async function http(method: string, path: string, role: Role, body?: unknown, token?: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.httpUrl}${path}`, {
      method,
      headers: { ...headers(role, token), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: res.status, text: await res.text() };
  }

  function pushHttp(role: Role, body: string): Promise<{ status: number; text: string }> {
    return http('POST', '/api/live/push/authz', role, body);
  }

  /** Waits until every observer saw `value`, or checks none did (after a later org-1 sentinel arrived). */
  async function delivered(value: number, expected: boolean): Promise<void> {
    const seen = (o: RawClient): Frame | undefined => o.frames.find((f) => f['push'] !== undefined && JSON.stringify(f).includes(String(value)));
    if (expected) {
      for (const form of TENANT_FORMS) await observers[form].next((f) => f['push'] !== undefined && JSON.stringify(f).includes(String(value)), 5000);
      return;
    }
    const sentinel = ++marker;
    assert.equal((await http('POST', '/api/live/publish', 'Admin', { channel: CHANNELS['grafana/broadcast'], data: { sentinel } })).status, 200);
    for (const form of TENANT_FORMS) {
      await observers[form].next((f) => JSON.stringify(f).includes(`"sentinel":${sentinel}`), 5000);
      assert.equal(seen(observers[form]), undefined, `org-1 subscriber (${form}/…) received another org's ${value}`);
      observers[form].frames.length = 0;
    }
  }

  function wsOutcome(frame: Frame): Outcome {
    const error = frame['error'] as { code: number } | undefined;
    return error === undefined ? 'ok' : `err ${error.code}`;
  }

  test('docs/authorization.md carries the generated matrix', () => {
    const doc = readFileSync(join(projectRoot(), 'docs', 'authorization.md'), 'utf8');
    assert.equal(extractMatrix(doc), renderMatrix().trim(), 'regenerate: node dist/test/integration/authz-table.js --write docs/authorization.md');
  });

  test('every scope × operation × role × tenant form gives the expected outcome', async () => {
    const mismatches: string[] = [];
    let cells = 0;
    const check = (scope: Scope, op: Operation, role: Role, form: TenantForm, actual: Outcome): void => {
      cells++;
      const expected = EXPECTED[scope][op][role];
      if (actual !== expected) mismatches.push(`${scope} | ${op} | ${role} | ${form}/: expected ${expected}, got ${actual}`);
    };

    for (const role of ROLES) {
      const token = role === 'anonymous' ? undefined : tokens[role];
      const ws = await RawClient.open(token === undefined ? server.wsUrl : `${server.wsUrl}?auth_token=${token}`, { maxPayload: 0 });
      await ws.connect();
      let id = 10;
      for (const form of TENANT_FORMS) {
        for (const scope of SCOPES) {
          const channel = `${form}/${CHANNELS[scope]}`;
          // subscribe (then leave again)
          const sub = await (ws.send({ id: ++id, subscribe: { channel } }), ws.reply(id));
          check(scope, 'subscribe', role, form, wsOutcome(sub));
          if (sub['error'] === undefined) await (ws.send({ id: ++id, unsubscribe: { channel } }), ws.reply(id));
          // publish over the socket
          const value = ++marker;
          const data = scope === 'grafana/dashboard' ? { uid: 'authz', action: 'editing-started', sessionId: `s${value}` } : { value };
          const pub = wsOutcome(await (ws.send({ id: ++id, publish: { channel, data } }), ws.reply(id)));
          check(scope, 'publish (WS)', role, form, pub);
          if (scope === 'grafana/broadcast' && pub === 'ok') await delivered(value, true);
          check(scope, 'presence', role, form, wsOutcome(await (ws.send({ id: ++id, presence: { channel } }), ws.reply(id))));
          check(scope, 'history', role, form, wsOutcome(await (ws.send({ id: ++id, history: { channel, limit: 1 } }), ws.reply(id))));
          ws.frames.length = 0;

          // HTTP publish (the tenant is the caller's; the observer of this form checks where it went)
          for (const op of OPERATIONS) {
            if (WS_OPERATIONS.has(op) || EXPECTED[scope][op][role] === 'n/a') {
              if (!WS_OPERATIONS.has(op)) cells++;
              continue;
            }
            check(scope, op, role, form, await httpOperation(scope, op, role, form));
          }
        }
      }
      ws.close();
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${cells} cells differ:\n${mismatches.join('\n')}`);
    assert.equal(cells, SCOPES.length * OPERATIONS.length * ROLES.length * TENANT_FORMS.length);
  });

  async function httpOperation(scope: Scope, op: Operation, role: Role, form: TenantForm): Promise<Outcome> {
    const value = ++marker;
    const ownOrg = role === 'other tenant';
    switch (op) {
      case 'POST /api/live/publish': {
        const data = scope === 'grafana/dashboard' ? { uid: 'authz', action: 'editing-started', sessionId: `s${value}` } : { value };
        const res = await http('POST', '/api/live/publish', role, { channel: CHANNELS[scope], data });
        if (res.status === 200 && scope === 'grafana/broadcast') {
          await delivered(value, !ownOrg);
          if (ownOrg) return 'http 200 own org';
        }
        return `http ${res.status}`;
      }
      case 'push (HTTP)': {
        const res = await pushHttp(role, `cpu v=${value}`);
        if (res.status !== 200) return `http ${res.status}`;
        await delivered(value, !ownOrg);
        return ownOrg ? 'http 200 own org' : 'http 200';
      }
      case 'push (WS)': {
        const opened = await new Promise<WebSocket | number>((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/live/push/authz`, { headers: headers(role) });
          ws.once('open', () => resolve(ws));
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.once('error', () => resolve(0));
        });
        if (typeof opened === 'number') return `http ${opened}`;
        opened.send(`cpu v=${value}`);
        await delivered(value, !ownOrg);
        opened.close();
        return ownOrg ? 'upgrade own org' : 'upgrade';
      }
      case 'GET /api/live/list': {
        const res = await http('GET', '/api/live/list', role);
        if (res.status !== 200) return `http ${res.status}`;
        const channels = (JSON.parse(res.text) as { channels: { channel: string }[] }).channels.map((c) => c.channel);
        void form;
        return channels.includes(LISTED_CHANNELS[scope]!) ? 'listed' : 'not listed';
      }
      default:
        throw new Error(`not an HTTP operation: ${op}`);
    }
  }

  // ---- JWT attacks ---------------------------------------------------------------------------

  function b64(value: unknown): string {
    return Buffer.from(JSON.stringify(value)).toString('base64url');
  }

  function attackToken(attack: JwtAttack, other: TestKeys): string {
    const claims = { sub: 'mallory', iss: ISS, aud: AUD, exp: nowSeconds() + 600, role: 'Viewer', org_id: 1 };
    const rs = (c: Record<string, unknown>): string => signJwt({ alg: 'RS256', typ: 'JWT' }, c, keys.rsa.privateKey);
    switch (attack) {
      case 'alg-none':
        return signJwt({ alg: 'none', typ: 'JWT' }, claims, null);
      case 'alg-none-case':
        return `${b64({ alg: 'None' })}.${b64(claims)}.`;
      case 'hmac-public-key':
        return signJwt({ alg: 'HS256', typ: 'JWT' }, claims, keys.rsa.publicPem);
      case 'hmac-wrong-secret':
        return signJwt({ alg: 'HS256', typ: 'JWT' }, claims, `${HMAC_SECRET}-not`);
      case 'foreign-key':
        return signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims, other.rsa.privateKey);
      case 'no-signature': {
        const [h, p] = rs(claims).split('.');
        return `${h}.${p}.`;
      }
      case 'expired':
        return rs({ ...claims, exp: nowSeconds() - 5 });
      case 'wrong-iss':
        return rs({ ...claims, iss: 'https://evil.example' });
      case 'wrong-aud':
        return rs({ ...claims, aud: 'someone-else' });
      case 'no-iss-aud': {
        const { iss: _iss, aud: _aud, ...rest } = claims;
        return rs(rest);
      }
      case 'tampered-role': {
        const [h, , s] = rs(claims).split('.');
        return `${h}.${b64({ ...claims, role: 'Admin' })}.${s}`;
      }
      case 'tampered-org': {
        const [h, , s] = rs(claims).split('.');
        return `${h}.${b64({ ...claims, org_id: 2 })}.${s}`;
      }
    }
  }

  async function upgradeStatus(url: string, hdrs: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { headers: hdrs });
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });
  }

  test('JWT attacks are refused at the WebSocket upgrade, in the connect token and on the HTTP API', async () => {
    const other = makeKeys();
    const valid = signJwt({ alg: 'RS256', kid: 'rsa-1' }, { sub: 'alice', iss: ISS, aud: AUD, exp: nowSeconds() + 600, role: 'Editor', org_id: 1 }, keys.rsa.privateKey);
    const validHs = signJwt({ alg: 'HS256' }, { sub: 'bob', iss: ISS, aud: AUD, exp: nowSeconds() + 600 }, HMAC_SECRET);
    // Controls: the real tokens work everywhere.
    for (const t of [valid, validHs]) {
      assert.equal(await upgradeStatus(server.wsUrl, { Authorization: `Bearer ${t}` }), 101);
      assert.equal(await upgradeStatus(`${server.wsUrl}?auth_token=${t}`, {}), 101);
      const c = await RawClient.open(server.wsUrl);
      const reply = await c.connect(t);
      assert.ok(reply['connect'] !== undefined, JSON.stringify(reply));
      c.close();
      assert.equal((await http('GET', '/api/live/list', 'Viewer', undefined, t)).status, 200);
    }

    const failures: string[] = [];
    for (const [label, attack] of JWT_ATTACKS) {
      const token = attackToken(attack, other);
      const viaHeader = await upgradeStatus(server.wsUrl, { Authorization: `Bearer ${token}` });
      const viaQuery = await upgradeStatus(`${server.wsUrl}?auth_token=${encodeURIComponent(token)}`, {});
      if (viaHeader !== 401 || viaQuery !== 401) failures.push(`${label}: upgrade ${viaHeader}/${viaQuery}`);
      const c = await RawClient.open(server.wsUrl);
      c.send({ id: 1, connect: { token } });
      const closed = await c.closed;
      if (attack === 'expired') {
        const reply = c.frames.find((f) => f['id'] === 1);
        if ((reply?.['error'] as { code?: number } | undefined)?.code !== 109 || closed.code !== 3005) failures.push(`${label}: connect ${JSON.stringify(reply)} close ${closed.code}`);
      } else if (closed.code !== 3500 || c.frames.some((f) => f['connect'] !== undefined)) {
        failures.push(`${label}: connect close ${closed.code}`);
      }
      const publish = await http('POST', '/api/live/publish', 'Viewer', { channel: CHANNELS['grafana/broadcast'], data: {} }, token);
      const list = await http('GET', '/api/live/list', 'Viewer', undefined, token);
      const pushed = await http('POST', '/api/live/push/authz', 'Viewer', 'cpu v=1', token);
      if (publish.status !== 401 || list.status !== 401 || pushed.status !== 401) failures.push(`${label}: HTTP ${publish.status}/${list.status}/${pushed.status}`);
    }
    assert.deepEqual(failures, []);
    await waitUntil(() => server.hub.node.numClients === TENANT_FORMS.length, 'attack connections released', 5000, 10);
  });
});
