// Sockets without a credential cannot take the slots of those with one. With the default caps
// (max_unauthenticated_connections = 90% of max_connections, 16 pending per client address):
// 200 sockets that never authenticate — never sending connect, or connecting anonymously and
// idling — hold at most 90 of 100 slots, the rest are closed 3504 or refused with HTTP 429, and an
// Admin with a token connects at once; pending sockets are cut at connect_timeout (3502) and every
// count comes back to zero. Client addresses are spread over 127.0.0.0/8 with localAddress.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { RawClient } from '../../harness/raw-client.js';
import { waitUntil } from '../../harness/wait.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { collect, connected, newClient, subscribed } from '../helpers/centrifuge.js';
import { startHub, type TestHub } from '../helpers/hub.js';

interface Attempt {
  readonly ws: WebSocket;
  /** HTTP status when the upgrade was refused, undefined when it was accepted. */
  readonly status: number | undefined;
  readonly retryAfter: string | undefined;
  /** The close code (1006 for a refused upgrade). */
  readonly closed: Promise<number>;
}

/** Opens a socket from `localAddress`; `connect` sends an anonymous connect right away. */
function attempt(url: string, localAddress: string, connect = false): Promise<Attempt> {
  const ws = new WebSocket(url, { localAddress });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => undefined);
  return new Promise((resolve) => {
    ws.once('open', () => {
      if (connect) ws.send('{"id":1,"connect":{}}');
      resolve({ ws, status: undefined, retryAfter: undefined, closed });
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ ws, status: res.statusCode, retryAfter: res.headers['retry-after'], closed });
      res.resume();
      ws.terminate();
    });
  });
}

/** 200 sockets from 20 addresses (10 each), all at once. */
function flood(hub: TestHub, connect: boolean): Promise<Attempt[]> {
  return Promise.all(Array.from({ length: 200 }, (_, i) => attempt(hub.wsUrl, `127.0.0.${10 + (i % 20)}`, connect)));
}

function adminToken(): { file: string; admin: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'livehub-unauth-')), 'tokens.json');
  return { file, admin: new ApiTokenStore(file).create({ name: 'admin', orgId: 1, role: 'Admin' }).token };
}

/** The Admin connects with the real client and a token; returns how long it took. */
async function adminConnects(hub: TestHub, token: string): Promise<number> {
  const startedAt = Date.now();
  const client = newClient(`${hub.wsUrl}?auth_token=${token}`);
  await connected(client);
  const tookMs = Date.now() - startedAt;
  const sub = client.newSubscription('1/grafana/broadcast/admin');
  const got = collect(sub);
  await subscribed(sub);
  await hub.hub.node.publish('1/grafana/broadcast/admin', '{"hello":"admin"}');
  await waitUntil(() => got.length === 1, 'the admin to receive', 3000, 10);
  client.disconnect();
  return tookMs;
}

async function closeAll(attempts: readonly Attempt[]): Promise<void> {
  for (const a of attempts) if (a.ws.readyState === WebSocket.OPEN) a.ws.close();
  await Promise.all(attempts.map((a) => a.closed));
}

describe('abuse: unauthenticated connections', () => {
  test('200 sockets that never send connect cannot lock out an Admin; they are cut at connect_timeout', async () => {
    const { file, admin } = adminToken();
    const hub = await startHub({
      // connect_timeout leaves room for the whole sequence below on a loaded host: the returning
      // attackers must meet the 90 held sockets, not the slots they free at the timeout.
      GF_LIVE_MAX_CONNECTIONS: '100', GF_LIVE_CONNECT_TIMEOUT: '10', GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_AUTH_API_TOKENS_FILE: file, GF_LOG_LEVEL: 'error',
    });
    try {
      const attackers = await flood(hub, false);
      assert.equal(attackers.filter((a) => a.status !== undefined).length, 0, 'ten per address: no address over its cap');
      await waitUntil(() => hub.hub.node.unauthenticated.rejectedByNodeLimit === 110, 'the flood to be sorted out', 5000, 10);
      const codes = await Promise.all(attackers.filter((a) => a.ws.readyState !== WebSocket.OPEN).map((a) => a.closed));
      assert.deepEqual([codes.length, codes.every((c) => c === 3504)], [110, true], 'everything over 90 closed 3504');
      assert.equal(hub.hub.node.unauthenticated.count, 90);
      assert.equal(hub.hub.node.numClients, 90);

      const tookMs = await adminConnects(hub, admin);
      process.stdout.write(`Admin connected in ${tookMs} ms next to 90 held unauthenticated sockets\n`);
      assert.ok(tookMs < 2000, `the Admin connected in ${tookMs} ms`);
      // The attackers come back at will: still refused, the Admin's room stays.
      const again = await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(hub.wsUrl, `127.0.0.${40 + (i % 5)}`)));
      assert.deepEqual(await Promise.all(again.map((a) => a.closed)), Array(50).fill(3504));
      await adminConnects(hub, admin);

      // connect_timeout (10 s) cuts the pending ones; every count comes back.
      const held = attackers.filter((a) => a.ws.readyState === WebSocket.OPEN);
      assert.deepEqual(await Promise.all(held.map((a) => a.closed)), Array(90).fill(3502));
      await waitUntil(() => hub.hub.node.numClients === 0, 'slots released', 3000, 10);
      assert.equal(hub.hub.node.unauthenticated.count, 0);
      assert.equal(hub.hub.node.unauthenticated.addresses, 0, 'no per-address entry left behind');
    } finally {
      await hub.stop();
    }
  });

  test('with anonymous access, 200 idle anonymous sessions hold at most 90 of 100 slots and an Admin connects at once', async () => {
    const { file, admin } = adminToken();
    const hub = await startHub({ GF_LIVE_MAX_CONNECTIONS: '100', GF_AUTH_API_TOKENS_FILE: file, GF_LOG_LEVEL: 'error' });
    try {
      const sessions = await flood(hub, true);
      await waitUntil(() => hub.hub.node.unauthenticated.rejectedByNodeLimit === 110, 'the flood to be sorted out', 5000, 10);
      await waitUntil(() => hub.hub.node.unauthenticated.addresses === 0, 'the admitted ones to connect anonymously', 5000, 10);
      assert.equal(hub.hub.node.unauthenticated.count, 90, 'anonymous sessions keep counting once connected');
      const tookMs = await adminConnects(hub, admin);
      process.stdout.write(`Admin connected in ${tookMs} ms next to 90 anonymous sessions\n`);
      assert.ok(tookMs < 2000, `the Admin connected in ${tookMs} ms`);
      // An anonymous newcomer finds no room; once the flood leaves, it does.
      const late = await RawClient.open(hub.wsUrl);
      assert.equal((await late.closed).code, 3504);
      await closeAll(sessions);
      await waitUntil(() => hub.hub.node.unauthenticated.count === 0, 'counts to come back', 3000, 10);
      const welcome = await RawClient.open(hub.wsUrl);
      assert.ok((await welcome.connect())['connect'], 'an anonymous client connects again');
      welcome.close();
    } finally {
      await hub.stop();
    }
  });

  test('one address gets 16 pending sockets, then HTTP 429 with Retry-After; credentials and other addresses are not limited', async () => {
    const { file, admin } = adminToken();
    const hub = await startHub({ GF_LIVE_MAX_CONNECTIONS: '100', GF_AUTH_API_TOKENS_FILE: file, GF_LOG_LEVEL: 'warn' });
    try {
      const burst = await Promise.all(Array.from({ length: 30 }, () => attempt(hub.wsUrl, '127.0.0.50')));
      const refused = burst.filter((a) => a.status !== undefined);
      assert.equal(burst.length - refused.length, 16);
      assert.deepEqual(refused.map((a) => [a.status, a.retryAfter]), Array(14).fill([429, '1']));
      assert.ok(hub.logs.some((l) => String(l['msg']).startsWith('too many unauthenticated Live connections from one address') && l['address'] === '127.0.0.50' && l['limit'] === 16));
      const other = await attempt(hub.wsUrl, '127.0.0.51');
      assert.equal(other.status, undefined, 'another address is not affected');
      const withToken = await RawClient.open(`${hub.wsUrl}?auth_token=${admin}`, { localAddress: '127.0.0.50' });
      assert.ok((await withToken.connect())['connect'], 'a credential at the upgrade does not count');

      // Pending sockets that connect (anonymously) free their address's budget.
      for (const a of burst.filter((x) => x.status === undefined)) a.ws.send('{"id":1,"connect":{}}');
      await waitUntil(() => hub.hub.node.unauthenticated.addresses === 1, 'the pending ones to connect', 3000, 10);
      const next = await attempt(hub.wsUrl, '127.0.0.50');
      assert.equal(next.status, undefined);

      const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
      assert.match(metrics, /livehub_unauthenticated_rejections_total\{limit="address"[^}]*\} 14/);
      assert.match(metrics, /livehub_unauthenticated_connections\{[^}]*\} 18/);
      await closeAll([...burst, other, next]);
      withToken.close();
    } finally {
      await hub.stop();
    }
  });
});
