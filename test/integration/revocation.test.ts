// Revocation: `livehub token delete` (a separate process editing the token file, as an operator
// runs it) closes every open Live socket and push socket using the token within 2 s — 3500 "token
// revoked", terminal for centrifuge-js — and on every node: in Redis mode the revocation travels
// over the engine, so a second node whose own token file still holds the token closes its sessions
// too. A token whose role changes closes its sockets with 3011 "credential changed": the client
// reconnects with what the token grants now. Delays are printed; the 2 s bound is asserted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { LIVEHUB_CLI } from '../../harness/livehub.js';
import { startRedisServer, type RedisServer } from '../../harness/redis.js';
import { waitUntil } from '../../harness/wait.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { startHub, type TestHub } from '../helpers/hub.js';

const WITHIN_MS = 2000;
const ADMIN = 'glh_revocation-test-admin-token-0123456789';
const EDITOR = 'glh_revocation-test-editor-token-0123456789';
const OTHER = 'glh_revocation-test-bystander-token-012345';

/** A token file with provisioned plain tokens, so several nodes' own files can hold the same tokens. */
function tokenFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'livehub-revocation-')), 'api-tokens.json');
  writeFileSync(file, JSON.stringify({
    tokens: [
      { name: 'admin', orgId: 1, role: 'Admin', token: ADMIN },
      { name: 'editor', orgId: 1, role: 'Editor', token: EDITOR },
      { name: 'bystander', orgId: 1, role: 'Admin', token: OTHER },
    ],
  }), { mode: 0o600 });
  return file;
}

/** `livehub token <args>` against `file`, as its own process; resolves with when the file was written. */
async function tokenCommand(file: string, ...args: string[]): Promise<number> {
  const child = spawn(process.execPath, [LIVEHUB_CLI, 'token', ...args], {
    env: { PATH: process.env['PATH'] ?? '', GF_AUTH_API_TOKENS_FILE: file, GF_PATHS_DATA: tmpdir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, output.join(''));
  return statSync(file).mtimeMs;
}

interface Closed {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
}

async function openPush(port: number, token: string, stream: string): Promise<{ ws: WebSocket; closed: Promise<Closed> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/live/push/${stream}`, { headers: { Authorization: `Bearer ${token}` } });
  const closed = new Promise<Closed>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), at: Date.now() })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, closed };
}

function pushRefused(port: number, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/live/push/again`, { headers: { Authorization: `Bearer ${token}` } });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('open', () => reject(new Error('push socket accepted')));
    ws.once('error', () => undefined);
  });
}

/** A centrifuge client on the token (as `auth_token`), connected and subscribed; `ended` = its first close by the server. */
async function liveClient(hub: TestHub, token: string, channel: string) {
  const client = newClient(`${hub.wsUrl}?auth_token=${token}`);
  await connected(client);
  const sub = client.newSubscription(channel);
  const got = collect(sub);
  await subscribed(sub);
  const ended = new Promise<Closed>((resolve) => {
    client.once('disconnected', (ctx) => resolve({ code: ctx.code, reason: ctx.reason, at: Date.now() }));
    client.once('connecting', (ctx) => resolve({ code: ctx.code, reason: ctx.reason, at: Date.now() }));
  });
  return { client, got, ended };
}

function report(what: string, writtenAt: number, closes: Record<string, Closed>): void {
  const parts = Object.entries(closes).map(([name, c]) => `${name} ${c.code} after ${(c.at - writtenAt).toFixed(0)} ms`);
  process.stdout.write(`${what}: ${parts.join(', ')}\n`);
}

function assertWithin(writtenAt: number, closed: Closed, what: string): void {
  const delay = closed.at - writtenAt;
  assert.ok(delay >= 0 && delay < WITHIN_MS, `${what} closed ${delay.toFixed(0)} ms after the file was written`);
}

describe('revocation on one node', () => {
  let file: string;
  let hub: TestHub;

  before(async () => {
    file = tokenFile();
    hub = await startHub({ GF_AUTH_API_TOKENS_FILE: file, GF_AUTH_ANONYMOUS_ENABLED: 'false', GF_LOG_LEVEL: 'warn' });
  });
  after(() => hub.stop());

  test('token delete closes the open Live socket and push socket of the token within 2 s; others are untouched', async () => {
    const channel = '1/grafana/broadcast/revoked';
    const admin = await liveClient(hub, ADMIN, channel);
    const bystander = await liveClient(hub, OTHER, channel);
    const push = await openPush(hub.port, ADMIN, 'revoked');
    const writtenAt = await tokenCommand(file, 'delete', '--name', 'admin');

    const [live, pushed] = await Promise.all([admin.ended, push.closed]);
    report('token delete, one node', writtenAt, { 'Live socket': live, 'push socket': pushed });
    assert.deepEqual({ code: live.code, reason: live.reason }, { code: 3500, reason: 'token revoked' });
    assert.equal(admin.client.state, 'disconnected', '3500 is terminal: centrifuge-js does not come back');
    assert.deepEqual({ code: pushed.code, reason: pushed.reason }, { code: 3500, reason: 'token revoked' });
    assertWithin(writtenAt, live, 'the Live socket');
    assertWithin(writtenAt, pushed, 'the push socket');

    // The bystander still receives; the deleted token no longer opens anything.
    await hub.hub.node.publish(channel, '{"after":"revocation"}');
    await waitUntil(() => bystander.got.length === 1, 'the bystander to receive', 3000, 10);
    assert.equal(admin.got.length, 0);
    assert.equal(await pushRefused(hub.port, ADMIN), 401);
    assert.equal(hub.hub.node.counters.credentialChanges.get('local'), 1);
    assert.ok(hub.logs.some((l) => l['msg'] === 'API tokens revoked or changed: their sessions are closed' && l['closed'] === 1));
    bystander.client.disconnect();
  });

  test('a role change closes with 3011: the Live client reconnects with the new role, the push socket is refused', async () => {
    const channel = '1/grafana/broadcast/rerole';
    const editor = await liveClient(hub, EDITOR, channel);
    // The bystander (Admin) becomes an Editor: its push socket (Admin only) must not survive.
    const push = await openPush(hub.port, OTHER, 'rerole');
    const content = JSON.parse(readFileSync(file, 'utf8')) as { tokens: Array<Record<string, unknown>> };
    for (const entry of content.tokens) if (entry['name'] === 'editor') entry['role'] = 'Viewer';
    for (const entry of content.tokens) if (entry['name'] === 'bystander') entry['role'] = 'Editor';
    writeFileSync(file, JSON.stringify(content));
    const writtenAt = statSync(file).mtimeMs;

    const [live, pushed] = await Promise.all([editor.ended, push.closed]);
    report('role change, one node', writtenAt, { 'Live socket': live, 'push socket': pushed });
    assert.deepEqual({ code: live.code, reason: live.reason }, { code: 3011, reason: 'credential changed' });
    assert.deepEqual({ code: pushed.code, reason: pushed.reason }, { code: 3011, reason: 'credential changed' });
    assertWithin(writtenAt, live, 'the Live socket');
    assertWithin(writtenAt, pushed, 'the push socket');
    // centrifuge-js reconnects by itself and resubscribes, now as a Viewer; an Editor may not open the push socket.
    await waitUntil(() => editor.client.state === 'connected', 'the client to reconnect', 5000, 10);
    assert.equal(await pushRefused(hub.port, OTHER), 403);
    editor.client.disconnect();
  });
});

describe('revocation across nodes (Redis)', () => {
  let redis: RedisServer;
  let fileA: string;
  let fileB: string;
  let a: TestHub;
  let b: TestHub;

  before(async () => {
    redis = await startRedisServer();
    // Each node has its own token file with the same tokens: only the engine can tell B about a deletion on A.
    fileA = tokenFile();
    fileB = tokenFile();
    const env = { GF_LIVE_HA_ENGINE: 'redis', GF_LIVE_HA_ENGINE_ADDRESS: `127.0.0.1:${redis.port}`, GF_AUTH_ANONYMOUS_ENABLED: 'false', GF_LOG_LEVEL: 'warn' };
    a = await startHub({ ...env, GF_AUTH_API_TOKENS_FILE: fileA });
    b = await startHub({ ...env, GF_AUTH_API_TOKENS_FILE: fileB });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.kill('SIGKILL');
  });

  test('token delete on node A closes the sockets using it on node B within 2 s, through the engine', async () => {
    const channel = '1/grafana/broadcast/ha-revoked';
    const onA = await liveClient(a, ADMIN, channel);
    const onB = await liveClient(b, ADMIN, channel);
    const pushB = await openPush(b.port, ADMIN, 'ha-revoked');
    const writtenAt = await tokenCommand(fileA, 'delete', '--name', 'admin');

    const [liveA, liveB, pushed] = await Promise.all([onA.ended, onB.ended, pushB.closed]);
    report('token delete on A, Redis', writtenAt, { 'Live socket on A': liveA, 'Live socket on B': liveB, 'push socket on B': pushed });
    for (const [what, closed] of [['A', liveA], ['B', liveB], ['B push', pushed]] as const) {
      assert.deepEqual({ code: closed.code, reason: closed.reason }, { code: 3500, reason: 'token revoked' }, what);
      assertWithin(writtenAt, closed, what);
    }
    assert.equal(b.hub.node.counters.credentialChanges.get('remote'), 1, 'B acted on A\'s message');
    assert.equal(b.hub.node.counters.credentialChanges.get('local'), undefined, 'B\'s own file did not change');
    assert.ok(readFileSync(fileB, 'utf8').includes(ADMIN), 'B\'s file still holds the token');
  });
});
