// API token store: format, create/lookup/delete, provisioned plain tokens, hashing on disk,
// reloading when the file changes, and strict validation at startup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiTokenStore, ApiTokenFileError, generateApiToken, hashApiToken } from '../../src/auth/api-tokens.js';
import type { CredentialChange } from '../../src/auth/identity.js';
import { DERIVED_ID_BASE } from '../../src/auth/stable-id.js';
import { tempDir } from './helpers.js';

const tokenFile = () => join(tempDir(), 'nested', 'api-tokens.json');

test('generated tokens have the glh_ format and are unique', () => {
  const a = generateApiToken();
  assert.match(a, /^glh_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, generateApiToken());
  assert.match(hashApiToken(a), /^sha256:[0-9a-f]{64}$/);
});

test('create stores only the hash; lookup finds the identity; delete revokes', () => {
  const file = tokenFile();
  const store = new ApiTokenStore(file);
  const { token, info } = store.create({ name: 'telegraf', orgId: 2, role: 'Editor' });
  assert.equal(info.provisioned, false);

  const onDisk = readFileSync(file, 'utf8');
  assert.ok(!onDisk.includes(token), 'plain token never written');
  const entry = JSON.parse(onDisk).tokens[0];
  assert.equal(entry.hash, hashApiToken(token));
  assert.deepEqual(Object.keys(entry).sort(), ['createdAt', 'hash', 'name', 'orgId', 'role']);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  const identity = store.lookup(token);
  assert.ok(identity);
  assert.equal(identity.login, 'sa-telegraf');
  assert.equal(identity.name, 'telegraf');
  assert.equal(identity.orgId, 2);
  assert.equal(identity.role, 'Editor');
  assert.equal(identity.authMethod, 'api_token');
  assert.match(identity.userId, /^\d+$/);
  assert.ok(Number(identity.userId) >= DERIVED_ID_BASE);

  assert.equal(store.lookup(generateApiToken()), undefined, 'wrong token');
  assert.equal(store.lookup(token.slice(0, -1)), undefined, 'truncated token');
  assert.equal(store.lookup(`${token}x`), undefined, 'extended token');

  assert.equal(store.delete('telegraf'), true);
  assert.equal(store.lookup(token), undefined);
  assert.equal(store.delete('telegraf'), false);
});

test('names are unique and validated', () => {
  const store = new ApiTokenStore(tokenFile());
  store.create({ name: 'a', orgId: 1, role: 'Viewer' });
  assert.throws(() => store.create({ name: 'a', orgId: 1, role: 'Viewer' }), /already exists/);
  assert.throws(() => store.create({ name: 'bad name', orgId: 1, role: 'Viewer' }), /invalid token name/);
  assert.throws(() => store.create({ name: 'b', orgId: 0, role: 'Viewer' }), /org id/);
});

test('provisioned plain tokens are hashed at load and survive rewrites unchanged', () => {
  const file = join(tempDir(), 'api-tokens.json');
  const plain = 'glh_provisioned-token-for-ci-0001';
  writeFileSync(file, JSON.stringify({ tokens: [{ name: 'ci', orgId: 3, role: 'admin', token: plain, comment: 'kept' }] }));

  const store = new ApiTokenStore(file);
  const identity = store.lookup(plain);
  assert.ok(identity && identity.orgId === 3 && identity.role === 'Admin' && identity.login === 'sa-ci');
  assert.deepEqual(store.list(), [{ name: 'ci', orgId: 3, role: 'Admin', provisioned: true }]);

  store.create({ name: 'other', orgId: 1, role: 'Viewer' });
  const rewritten = JSON.parse(readFileSync(file, 'utf8')).tokens;
  assert.deepEqual(rewritten[0], { name: 'ci', orgId: 3, role: 'admin', token: plain, comment: 'kept' });
  assert.ok(store.lookup(plain));
});

test('a bare JSON array is accepted too', () => {
  const file = join(tempDir(), 'api-tokens.json');
  assert.deepEqual(new ApiTokenStore(file).list(), [], 'missing file: empty store');
  writeFileSync(file, JSON.stringify([{ name: 'x', orgId: 1, role: 'Viewer', token: 'glh_0123456789abcdef' }]));
  assert.ok(new ApiTokenStore(file).lookup('glh_0123456789abcdef'));
});

test('invalid files fail at startup with the entry at fault', () => {
  const cases: [unknown, RegExp][] = [
    [{ tokens: [{ name: 'x', orgId: 1, role: 'Viewer' }] }, /exactly one of "hash" or "token"/],
    [{ tokens: [{ name: 'x', orgId: 1, role: 'Viewer', token: 'short' }] }, /"token" must be/],
    [{ tokens: [{ name: 'x', orgId: 1, role: 'Viewer', hash: 'md5:abc' }] }, /"hash" must be/],
    [{ tokens: [{ name: 'x', orgId: 1, role: 'Root', hash: hashApiToken('glh_a') }] }, /"role"/],
    [{ tokens: [{ name: 'x', orgId: '1', role: 'Viewer', hash: hashApiToken('glh_a') }] }, /"orgId"/],
    [{ tokens: [{ name: '', orgId: 1, role: 'Viewer', hash: hashApiToken('glh_a') }] }, /"name"/],
    [
      { tokens: [{ name: 'x', orgId: 1, role: 'Viewer', hash: hashApiToken('glh_a') }, { name: 'x', orgId: 1, role: 'Viewer', hash: hashApiToken('glh_b') }] },
      /tokens\[1\]: duplicate name/,
    ],
    [{ nope: [] }, /expected \{"tokens"/],
  ];
  for (const [content, pattern] of cases) {
    const file = join(tempDir(), 'tokens.json');
    writeFileSync(file, JSON.stringify(content));
    assert.throws(() => new ApiTokenStore(file), (e: unknown) => e instanceof ApiTokenFileError && pattern.test(e.message) && e.message.includes(file));
  }
});

test('changes made by another writer are picked up on lookup; broken edits keep the old tokens', () => {
  const file = tokenFile();
  let now = 0;
  const warnings: string[] = [];
  const server = new ApiTokenStore(file, { reloadCheckIntervalMs: 1000, now: () => now, onWarning: (w) => warnings.push(w) });
  const cli = new ApiTokenStore(file);
  const { token } = cli.create({ name: 'late', orgId: 1, role: 'Editor' });

  assert.equal(server.lookup(token), undefined, 'within the check interval the old state is served');
  now += 1000;
  assert.ok(server.lookup(token), 'picked up after the interval');

  writeFileSync(file, '{ broken');
  now += 1000;
  assert.ok(server.lookup(token), 'previous tokens kept');
  assert.equal(warnings.length, 1);
  now += 1000;
  server.lookup(token);
  assert.equal(warnings.length, 1, 'warned once per broken version');

  rmSync(file);
  now += 1000;
  assert.equal(server.lookup(token), undefined, 'deleting the file revokes everything');
});

test('lookup ignores absurd input without throwing', () => {
  const store = new ApiTokenStore(tokenFile());
  assert.equal(store.lookup(''), undefined);
  assert.equal(store.lookup(`glh_${'a'.repeat(10_000)}`), undefined);
});

test('every change is reported as credential ids: deleted or replaced tokens revoked, renamed/re-roled ones changed', () => {
  const file = tokenFile();
  const watched = new ApiTokenStore(file, { reloadCheckIntervalMs: 0 });
  const changes: CredentialChange[] = [];
  watched.onChange((change) => changes.push(change));
  const writer = new ApiTokenStore(file);
  const a = writer.create({ name: 'a', orgId: 1, role: 'Admin' }).token;
  const b = writer.create({ name: 'b', orgId: 1, role: 'Editor' }).token;
  const c = writer.create({ name: 'c', orgId: 1, role: 'Viewer' }).token;
  watched.checkNow();
  assert.equal(changes.length, 0, 'new tokens end nothing');
  const [idA, idB, idC] = [a, b, c].map((t) => watched.lookup(t)!.credentialId!);
  assert.match(idA!, /^glh:[A-Za-z0-9_-]{16}$/);
  assert.ok(![a, b, c].some((t) => idA!.includes(t.slice(4, 20))), 'the id is not a piece of the token');
  assert.equal(watched.lookup(a), watched.lookup(a), 'one identity object per token, shared by its sessions');

  // b becomes a Viewer, c is deleted, a is untouched (createdAt rewritten: not a change).
  const entries = JSON.parse(readFileSync(file, 'utf8')).tokens as Array<Record<string, unknown>>;
  entries[0]!['createdAt'] = '2020-01-01T00:00:00.000Z';
  entries[1]!['role'] = 'Viewer';
  writeFileSync(file, JSON.stringify({ tokens: entries.slice(0, 2) }));
  watched.checkNow();
  assert.deepEqual(changes, [{ revoked: [idC], changed: [idB] }]);
  assert.equal(watched.lookup(b)?.role, 'Viewer');

  // Same name, new secret: the old secret is revoked.
  entries[0]!['hash'] = hashApiToken(generateApiToken());
  writeFileSync(file, JSON.stringify({ tokens: entries.slice(0, 2) }));
  watched.checkNow();
  assert.deepEqual(changes[1], { revoked: [idA], changed: [] });

  writeFileSync(file, '{ broken');
  watched.checkNow();
  assert.equal(changes.length, 2, 'a broken edit keeps the tokens and ends nothing');
  rmSync(file);
  watched.checkNow();
  assert.equal(changes[2]!.revoked.length, 2, 'deleting the file revokes every token');
  assert.ok(changes[2]!.revoked.includes(idB!) && !changes[2]!.revoked.includes(idA!), 'a\'s new secret and b');
});

test('watch() notices a deletion without any lookup', async () => {
  const file = tokenFile();
  const watched = new ApiTokenStore(file);
  const writer = new ApiTokenStore(file);
  const token = writer.create({ name: 'gone', orgId: 1, role: 'Editor' }).token;
  watched.checkNow();
  const id = watched.lookup(token)!.credentialId;
  const changes: CredentialChange[] = [];
  watched.onChange((change) => changes.push(change));
  watched.watch(50);
  try {
    writer.delete('gone');
    const deadline = Date.now() + 2000;
    while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(changes, [{ revoked: [id], changed: [] }]);
  } finally {
    watched.stopWatching();
  }
});
