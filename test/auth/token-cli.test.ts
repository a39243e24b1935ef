// `livehub token …`: create prints the token once, list shows metadata only, delete revokes;
// usage errors return 2, operational errors 1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { runTokenCommand } from '../../src/auth/token-cli.js';
import { ApiTokenStore } from '../../src/auth/api-tokens.js';
import { testConfig } from './helpers.js';

async function run(args: string[], config = testConfig()): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runTokenCommand(args, config, (line) => lines.push(line));
  return { code, lines };
}

test('create, list, use, delete', async () => {
  const config = testConfig();
  const created = await run(['token', 'create', '--name', 'telegraf', '--org', '1', '--role', 'Editor'], config);
  assert.equal(created.code, 0);
  const token = created.lines.at(-1)!;
  assert.match(token, /^glh_[A-Za-z0-9_-]{43}$/);
  assert.equal(created.lines.filter((l) => l.includes(token)).length, 1, 'printed once');

  const identity = new ApiTokenStore(config.apiTokens.file).lookup(token);
  assert.ok(identity && identity.role === 'Editor' && identity.orgId === 1 && identity.login === 'sa-telegraf');

  const listed = await run(['token', 'list'], config);
  assert.equal(listed.code, 0);
  assert.match(listed.lines[0]!, /^NAME\s+ORG\s+ROLE\s+CREATED\s+SOURCE$/);
  assert.match(listed.lines[1]!, /^telegraf\s+1\s+Editor\s+\d{4}-\d\d-\d\dT\S+\s+created$/);
  assert.ok(!listed.lines.join('\n').includes(token), 'list never shows tokens');

  const deleted = await run(['token', 'delete', '--name=telegraf'], config);
  assert.equal(deleted.code, 0);
  assert.equal(new ApiTokenStore(config.apiTokens.file).lookup(token), undefined);
  assert.match((await run(['list'], config)).lines[0]!, /No API tokens/);
});

test('defaults: org 1, role Viewer; subcommand without the "token" word works', async () => {
  const config = testConfig();
  const { code, lines } = await run(['create', '--name', 'reader'], config);
  assert.equal(code, 0);
  const identity = new ApiTokenStore(config.apiTokens.file).lookup(lines.at(-1)!);
  assert.ok(identity && identity.role === 'Viewer' && identity.orgId === 1);
});

test('usage errors exit 2 and print usage', async () => {
  for (const args of [
    ['token'],
    ['token', 'frobnicate'],
    ['token', 'create'],
    ['token', 'create', '--name', 'x', '--role', 'Owner'],
    ['token', 'create', '--name', 'x', '--org', 'zero'],
    ['token', 'create', '--name', 'x', '--colour', 'red'],
    ['token', 'create', '--name'],
    ['token', 'delete', 'x'],
  ]) {
    const { code, lines } = await run(args);
    assert.equal(code, 2, args.join(' '));
    assert.ok(lines.some((l) => l.startsWith('Usage:')), args.join(' '));
  }
  assert.equal((await run(['token', 'help'])).code, 0);
});

test('operational errors exit 1 with a message', async () => {
  const config = testConfig();
  assert.equal((await run(['token', 'create', '--name', 'dup'], config)).code, 0);
  const dup = await run(['token', 'create', '--name', 'dup'], config);
  assert.equal(dup.code, 1);
  assert.match(dup.lines[0]!, /^error: .*already exists/);

  const missing = await run(['token', 'delete', '--name', 'ghost'], config);
  assert.equal(missing.code, 1);
  assert.match(missing.lines[0]!, /no API token named "ghost"/);

  writeFileSync(config.apiTokens.file, 'not json');
  const broken = await run(['token', 'list'], config);
  assert.equal(broken.code, 1);
  assert.match(broken.lines[0]!, /not valid JSON/);
});
