// Pure dashboard rules: Grafana's save decision (id/uid lookup, version check, overwrite), uid and
// slug rules, the save-request validation, and the event JSON shape.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Identity } from '../../src/auth/identity.js';
import { DashboardError } from '../../src/features/dashboards/errors.js';
import { encodeEvent, eventUser } from '../../src/features/dashboards/events.js';
import type { SaveCommand, StoredDashboard } from '../../src/features/dashboards/model.js';
import { parseSaveRequest } from '../../src/features/dashboards/save-request.js';
import { planSave } from '../../src/features/dashboards/save-rules.js';
import { checkUid, generateUid, slugify } from '../../src/features/dashboards/uid.js';

const editor: Identity = { userId: '7', login: 'ed', name: 'Ed', orgId: 3, role: 'Editor', authMethod: 'jwt' };

function stored(id: number, uid: string, version: number): StoredDashboard {
  return { id, orgId: 1, uid, title: 't', slug: 't', folderUid: '', version, tags: [], data: {}, created: 0, updated: 0, createdBy: 'a', updatedBy: 'a' };
}

function command(overrides: Partial<SaveCommand>): SaveCommand {
  return { orgId: 1, id: 0, uid: '', title: 't', version: 0, overwrite: false, folderUid: '', tags: [], data: {}, actor: 'a', now: 0, ...overrides };
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DashboardError ? err.httpStatus : -1;
  }
}

test('planSave: insert, update, version mismatch, overwrite, unknown id, uid clash', () => {
  assert.deepEqual(planSave(command({ uid: 'new' }), undefined, undefined, () => 'gen'), { kind: 'insert', uid: 'new' });
  assert.deepEqual(planSave(command({}), undefined, undefined, () => 'gen'), { kind: 'insert', uid: 'gen' });
  const row = stored(5, 'u', 3);
  assert.deepEqual(planSave(command({ uid: 'u', version: 3 }), undefined, row, () => 'gen'), { kind: 'update', existing: row, expectVersion: 3 });
  assert.deepEqual(planSave(command({ id: 5, version: 3 }), row, undefined, () => 'gen'), { kind: 'update', existing: row, expectVersion: 3 });
  assert.equal(status(() => planSave(command({ uid: 'u', version: 2 }), undefined, row, () => 'gen')), 412);
  assert.equal(status(() => planSave(command({ uid: 'u' }), undefined, row, () => 'gen')), 412, 'no version on an existing dashboard');
  assert.deepEqual(planSave(command({ uid: 'u', version: 1, overwrite: true }), undefined, row, () => 'gen'), { kind: 'update', existing: row, expectVersion: undefined });
  assert.equal(status(() => planSave(command({ id: 9 }), undefined, undefined, () => 'gen')), 404);
  assert.equal(status(() => planSave(command({ id: 5, uid: 'v', version: 3 }), row, stored(6, 'v', 1), () => 'gen')), 400);
});

test('uids and slugs', () => {
  assert.equal(status(() => checkUid('ok_UID-1')), undefined);
  assert.equal(status(() => checkUid('')), undefined);
  assert.equal(status(() => checkUid('a/b')), 400);
  assert.equal(status(() => checkUid('x'.repeat(41))), 400);
  for (let i = 0; i < 50; i++) assert.match(generateUid(), /^[a-z][a-z0-9]{13}$/);
  assert.equal(slugify('Production Overview (EU)'), 'production-overview-eu');
  assert.equal(slugify('  Café — Ünïcode  '), 'cafe-unicode');
  assert.equal(slugify('***'), '');
});

test('parseSaveRequest: columns out of the JSON model, types checked', () => {
  const { command: cmd, message } = parseSaveRequest(
    { dashboard: { id: 4, uid: 'abc', title: 'T', version: 2, tags: ['a', 1, 'b'], panels: [] }, overwrite: true, message: 'm', folderUid: 'f1' },
    editor,
    1234,
  );
  assert.deepEqual(cmd, { orgId: 3, id: 4, uid: 'abc', title: 'T', version: 2, overwrite: true, folderUid: 'f1', tags: ['a', 'b'], data: { title: 'T', tags: ['a', 1, 'b'], panels: [] }, actor: 'ed', now: 1234 });
  assert.equal(message, 'm');
  assert.equal(status(() => parseSaveRequest({ dashboard: { title: 'T', id: -1 } }, editor, 0)), 400);
  assert.equal(status(() => parseSaveRequest({ dashboard: { title: 'T', uid: 5 } }, editor, 0)), 400);
  assert.equal(status(() => parseSaveRequest({ dashboard: { title: 'T' }, message: {} }, editor, 0)), 400);
  assert.equal(status(() => parseSaveRequest({ dashboard: {} }, editor, 0)), 400);
  assert.equal(status(() => parseSaveRequest(null, editor, 0)), 400);
});

test('event JSON: Grafana\'s keys and order, empty keys omitted', () => {
  assert.equal(
    encodeEvent({ uid: 'u', action: 'saved', user: eventUser(editor), sessionId: '', message: 'msg', rv: '3' }),
    '{"uid":"u","action":"saved","user":{"id":7,"name":"Ed","login":"ed"},"message":"msg","rv":"3"}',
  );
  assert.equal(encodeEvent({ uid: 'u', action: 'deleted' }), '{"uid":"u","action":"deleted"}');
});
