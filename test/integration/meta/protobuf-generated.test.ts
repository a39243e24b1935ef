// The committed protobuf code (src/protocol/protobuf/client.pb.ts, client.pb-types.d.ts) is what
// protobufjs-cli generates from client.proto now (pbts runs jsdoc in a child process: an integration test).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../../../harness/project-root.js';

test('the generated protobuf code is up to date with client.proto', () => {
  const root = projectRoot();
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'gen-protobuf.mjs'), '--check'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  assert.match(result.stdout, /up to date/);
});
