// Data-source provisioning: entries, defaults, env expansion, skipped entries, errors; and the
// registry's change stamps (a changed definition gets a new `updated`, an unchanged one keeps it).

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { expandEnv, ProvisioningError, readProvisioning, readProvisioningDocument } from '../../src/features/plugins/datasources/provisioning.js';
import { DataSourceRegistry } from '../../src/features/plugins/datasources/registry.js';
import { createLogger } from '../../src/log/logger.js';

const quiet = createLogger('error', () => undefined);

test('environment expansion like Grafana provisioning: $VAR, ${VAR}, $$', () => {
  const env = { HOST: 'db', PORT: '5432' };
  assert.equal(expandEnv('$HOST:${PORT}/x $$HOME $MISSING.', env), 'db:5432/x $HOME .');
});

test('entries: defaults, expansion in nested values, skipped and invalid entries', () => {
  const doc = {
    apiVersion: 1,
    datasources: [
      { name: 'A', type: 'testdata', uid: 'a', jsonData: { url: '${BASE}/api', list: ['$BASE'] }, secureJsonData: { key: 42 } },
      { name: 'No uid', type: 'testdata' },
    ],
  };
  const result = readProvisioningDocument(doc, 'f.yaml', { BASE: 'http://x' });
  assert.deepEqual(result.dataSources, [
    { name: 'A', type: 'testdata', uid: 'a', orgId: 1, url: '', jsonData: { url: 'http://x/api', list: ['http://x'] }, secureJsonData: { key: '42' }, source: 'f.yaml datasources[0]' },
  ]);
  assert.equal(result.warnings.length, 1);
  assert.match(result.warnings[0]!, /no "uid"/);
  assert.throws(() => readProvisioningDocument({ apiVersion: 2, datasources: [] }, 'f'), /apiVersion/);
  assert.throws(() => readProvisioningDocument({ datasources: {} }, 'f'), /must be a list/);
  assert.throws(() => readProvisioningDocument({ datasources: [{ name: 'x' }] }, 'f'), /"name" and "type"/);
  assert.throws(() => readProvisioningDocument({ datasources: [{ name: 'x', type: 't', uid: 'u', orgId: 0 }] }, 'f'), /orgId/);
  assert.deepEqual(readProvisioningDocument(null, 'empty.yaml').dataSources, []);
});

test('files and directories: YAML and JSON, sorted; unreadable paths and bad syntax are errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-prov-'));
  writeFileSync(join(dir, 'b.json'), JSON.stringify({ apiVersion: 1, datasources: [{ name: 'B', type: 't', uid: 'b' }] }));
  writeFileSync(join(dir, 'a.yml'), 'apiVersion: 1\ndatasources:\n  - name: A\n    type: t\n    uid: a\n    orgId: 2\n');
  writeFileSync(join(dir, 'ignored.txt'), 'not provisioning');
  assert.deepEqual(readProvisioning([dir]).dataSources.map((d) => [d.uid, d.orgId]), [['a', 2], ['b', 1]]);
  assert.throws(() => readProvisioning([join(dir, 'missing.yaml')]), ProvisioningError);
  writeFileSync(join(dir, 'c.yaml'), 'datasources:\n  - name: "open\n');
  assert.throws(() => readProvisioning([dir]), /c\.yaml: line 3: Missing closing "quote/);
});

test('the registry keeps `updated` for unchanged definitions and renews it on change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-prov-'));
  const file = join(dir, 'ds.yaml');
  let clock = 1000;
  const registry = new DataSourceRegistry([file], quiet, {}, () => clock);
  writeFileSync(file, 'datasources:\n  - name: A\n    type: t\n    uid: a\n');
  assert.equal(registry.load(), 1);
  assert.equal(registry.get(1, 'a')?.updated, 1000);
  assert.equal(registry.hasUid('a'), true);
  assert.equal(registry.get(2, 'a'), undefined, 'data sources belong to one org');
  clock = 2000;
  registry.reload();
  assert.equal(registry.get(1, 'a')?.updated, 1000, 'unchanged');
  writeFileSync(file, 'datasources:\n  - name: A\n    type: t\n    uid: a\n    url: http://new\n');
  clock = 3000;
  registry.reload();
  assert.equal(registry.get(1, 'a')?.updated, 3000, 'changed');
  writeFileSync(file, 'datasources:\n  - name: [broken\n');
  registry.reload();
  assert.equal(registry.get(1, 'a')?.url, 'http://new', 'a failed reload keeps the previous set');
  writeFileSync(file, 'datasources: []\n');
  registry.reload();
  assert.equal(registry.hasUid('a'), false);
});
