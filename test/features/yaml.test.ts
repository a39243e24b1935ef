// The YAML subset reader for provisioning files: Grafana's documented shapes parse to the same
// values a YAML library gives; unsupported syntax fails with the line number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseYaml, YamlError } from '../../src/features/plugins/datasources/yaml.js';

test('a Grafana data-source provisioning file', () => {
  const doc = parseYaml(`---
# config file version
apiVersion: 1

deleteDatasources:
  - name: Graphite
    orgId: 1

datasources:
  - name: "Graphite #1"   # quoted: the hash is not a comment
    type: graphite
    access: proxy
    orgId: 1
    uid: my_unique_uid
    url: http://localhost:8080
    isDefault: true
    version: 1
    editable: false
    jsonData:
      graphiteVersion: '1.1'
      tlsAuth: true
      timeInterval: 10s
      tags: [a, 'b c', 3]
      empty: {}
      nothing:
    secureJsonData:
      password: "p@ss\\"word"
`);
  assert.deepEqual(doc, {
    apiVersion: 1,
    deleteDatasources: [{ name: 'Graphite', orgId: 1 }],
    datasources: [{
      name: 'Graphite #1', type: 'graphite', access: 'proxy', orgId: 1, uid: 'my_unique_uid', url: 'http://localhost:8080',
      isDefault: true, version: 1, editable: false,
      jsonData: { graphiteVersion: '1.1', tlsAuth: true, timeInterval: '10s', tags: ['a', 'b c', 3], empty: {}, nothing: null },
      secureJsonData: { password: 'p@ss"word' },
    }],
  });
});

test('sequences at the parent key\'s indentation, nested lists, scalars', () => {
  assert.deepEqual(parseYaml('datasources:\n- name: a\n  type: t\n- name: b\nnext: ~\n'), { datasources: [{ name: 'a', type: 't' }, { name: 'b' }], next: null });
  assert.deepEqual(parseYaml('list:\n  -\n    - 1\n    - 2.5\n  - -3\n  - 1e3\n  - "x: y"\n  - it\'s\n'), { list: [[1, 2.5], -3, 1000, 'x: y', "it's"] });
  assert.deepEqual(parseYaml("a: 'it''s'\nb: 12345678901234567890\nc: FALSE\nd: \"\\u00e9\\n\"\n"), { a: "it's", b: '12345678901234567890', c: false, d: 'é\n' });
  assert.equal(parseYaml('# only a comment\n'), null);
});

test('unsupported or malformed input names the line', () => {
  const cases: [string, number, RegExp][] = [
    ['a: 1\nb: &anchor 2\n', 2, /anchors/],
    ['a: |\n  text\n', 1, /block scalars/],
    ['a: 1\n\tb: 2\n', 2, /tabs/],
    ['a: 1\na: 2\n', 2, /duplicate key/],
    ['a:\n  b: 1\n    c: 2\n', 3, /indentation/],
    ['a: "open\n', 1, /unterminated/],
    ['a: 1\n---\nb: 2\n', 2, /one YAML document/],
    ['a: [[1]]\n', 1, /nested flow/],
  ];
  for (const [source, line, message] of cases) {
    assert.throws(() => parseYaml(source), (err: unknown) => err instanceof YamlError && err.line === line && message.test(err.message), JSON.stringify(source));
  }
});
