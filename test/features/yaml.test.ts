// Provisioning YAML is read by the `yaml` library: the shapes Grafana's provisioning docs show
// (comments, block scalars for certificates, anchors and merge keys, several documents) parse to the
// values Grafana gets, and both syntax errors and livehub's own validation name the line.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readProvisioning } from '../../src/features/plugins/datasources/provisioning.js';
import { parseYaml, parseYamlDocuments, YamlError } from '../../src/features/plugins/datasources/yaml.js';

/** Writes `text` as a provisioning file in a fresh folder and reads it as livehub does at start. */
function provision(text: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof readProvisioning> {
  const dir = mkdtempSync(join(tmpdir(), 'livehub-yaml-'));
  writeFileSync(join(dir, 'datasources.yaml'), text);
  return readProvisioning([dir], env);
}

test("Grafana's documented example file, with comments and empty values", () => {
  const doc = parseYaml(`# Configuration file version
apiVersion: 1

# List of data sources to delete from the database.
deleteDatasources:
  - name: Graphite
    orgId: 1

# List of data sources to insert/update depending on what's
# available in the database.
datasources:
  # <string, required> Sets the name you use to refer to
  # the data source in panels and queries.
  - name: "Graphite #1"   # quoted: the hash is not a comment
    type: graphite
    access: proxy
    orgId: 1
    uid: my_unique_uid
    url: http://localhost:8080
    user:
    isDefault: true
    jsonData:
      graphiteVersion: '1.1'
      tlsAuth: true
      tlsAuthWithCACert: true
      tags: [a, 'b c', 3]
    secureJsonData:
      password: "p@ss\\"word"
    version: 1
    editable: false
`);
  assert.deepEqual(doc, {
    apiVersion: 1,
    deleteDatasources: [{ name: 'Graphite', orgId: 1 }],
    datasources: [{
      name: 'Graphite #1', type: 'graphite', access: 'proxy', orgId: 1, uid: 'my_unique_uid', url: 'http://localhost:8080', user: null,
      isDefault: true, jsonData: { graphiteVersion: '1.1', tlsAuth: true, tlsAuthWithCACert: true, tags: ['a', 'b c', 3] },
      secureJsonData: { password: 'p@ss"word' }, version: 1, editable: false,
    }],
  });
});

test('block scalars: a literal certificate keeps its lines, a folded one joins them', () => {
  const result = provision(`apiVersion: 1
datasources:
  - name: Prometheus
    type: prometheus
    uid: prom
    url: https://prometheus:9090
    jsonData:
      tlsAuth: true
      tlsAuthWithCACert: true
      description: >
        Production Prometheus,
        scraped every 15s.
    secureJsonData:
      tlsCACert: |
        -----BEGIN CERTIFICATE-----
        MIIDXTCCAkWgAwIBAgIJAJC1HiIAZAiIMA0GCSqGSIb3Df
        -----END CERTIFICATE-----
      tlsClientKey: |-
        -----BEGIN PRIVATE KEY-----
        MIIEvQIBADANBgkqhkiG9w0BAQEFAASC
        -----END PRIVATE KEY-----
`);
  assert.deepEqual(result.warnings, []);
  const [ds] = result.dataSources;
  assert.equal(ds?.secureJsonData['tlsCACert'], '-----BEGIN CERTIFICATE-----\nMIIDXTCCAkWgAwIBAgIJAJC1HiIAZAiIMA0GCSqGSIb3Df\n-----END CERTIFICATE-----\n');
  assert.equal(ds?.secureJsonData['tlsClientKey'], '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----');
  assert.equal(ds?.jsonData['description'], 'Production Prometheus, scraped every 15s.\n');
});

test('anchors, aliases and merge keys share settings between data sources', () => {
  const result = provision(`apiVersion: 1
x-common: &common
  type: prometheus
  access: proxy
  jsonData: &json
    httpMethod: POST
    timeInterval: 15s
datasources:
  - <<: *common
    name: Prometheus EU
    uid: prom-eu
    url: http://eu:9090
  - <<: *common
    name: Prometheus US
    uid: prom-us
    url: $US_URL
    jsonData:
      <<: *json
      timeInterval: 30s
`, { US_URL: 'http://us:9090' });
  assert.deepEqual(result.dataSources.map((d) => [d.uid, d.type, d.url, d.jsonData]), [
    ['prom-eu', 'prometheus', 'http://eu:9090', { httpMethod: 'POST', timeInterval: '15s' }],
    ['prom-us', 'prometheus', 'http://us:9090', { httpMethod: 'POST', timeInterval: '30s' }],
  ]);
});

test('several documents in one file are all read', () => {
  const docs = parseYamlDocuments('---\napiVersion: 1\ndatasources:\n  - {name: A, type: t, uid: a}\n---\n# empty\n---\ndatasources:\n  - {name: B, type: t, uid: b}\n...\n');
  assert.equal(docs.length, 2);
  const result = provision('apiVersion: 1\ndatasources:\n  - {name: A, type: t, uid: a}\n---\ndatasources:\n  - {name: B, type: t, uid: b, orgId: 2}\n');
  assert.deepEqual(result.dataSources.map((d) => [d.uid, d.orgId]), [['a', 1], ['b', 2]]);
  assert.throws(() => parseYaml('a: 1\n---\nb: 2\n'), (err: unknown) => err instanceof YamlError && err.line === 3);
});

test('scalars: YAML 1.2 core schema, big integers keep their digits', () => {
  assert.deepEqual(parseYaml("a: 'it''s'\nb: 12345678901234567890\nc: FALSE\nd: \"\\u00e9\\n\"\ne: ~\nf: 0x1F\ng: 1e3\nh: 'yes'\n"), {
    a: "it's", b: '12345678901234567890', c: false, d: 'é\n', e: null, f: 31, g: 1000, h: 'yes',
  });
  assert.equal(parseYaml('# only a comment\n'), null);
  assert.equal(parseYaml(''), null);
});

test('syntax errors name the line', () => {
  const cases: [string, number][] = [
    ['a: 1\n\tb: 2\n', 2],
    ['a: 1\na: 2\n', 2],
    ['a:\n  b: 1\n    c: 2\n', 2],
    ['a:\n  - b\n  c: 2\n', 3],
    ['a: 1\nb: "open\n', 3], // the library reports where the quote was due
    ['a: *nowhere\n', 1],
  ];
  for (const [source, line] of cases) {
    assert.throws(() => parseYaml(source), (err: unknown) => err instanceof YamlError && err.line === line, JSON.stringify(source));
  }
  // A billion-laughs document is refused instead of expanded.
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
  assert.throws(() => parseYaml(bomb), YamlError);
});

test("livehub's validation names the file and the entry's line", () => {
  assert.throws(
    () => provision('apiVersion: 1\ndatasources:\n  - name: A\n    type: t\n    uid: a\n  - name: B\n    uid: b\n'),
    /datasources\.yaml datasources\[1\] \(line 6\): a data source needs "name" and "type"/,
  );
  assert.throws(() => provision('apiVersion: 2\ndatasources: []\n'), /datasources\.yaml line 1: unsupported apiVersion 2/);
  assert.throws(() => provision('apiVersion: 1\n\ndatasources:\n  name: A\n'), /datasources\.yaml line 4: "datasources" must be a list/);
  assert.throws(() => provision('datasources:\n  - name: |\n  bad\n'), /datasources\.yaml: line \d+:/);
  const skipped = provision('datasources:\n  - name: A\n    type: t\n');
  assert.match(skipped.warnings[0] ?? '', /datasources\[0\] \(line 2\): data source "A" has no "uid"/);
});
