// Writes docs/imports.dot, the import graph of src/ collapsed to the entries of the Layers table of
// docs/architecture.md (test/meta/layers.test.ts fails when the committed file is out of date).
// Run by hand: `npm run docs:imports`, which also renders docs/imports.svg with Graphviz's `dot`
// (Debian package `graphviz`).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../harness/project-root.js';
import { checkLayers, importPictureDot, readLayers, unitGraph } from './layers.js';

const root = projectRoot();
const layers = readLayers(root);
const check = await checkLayers(root, layers);
if (check.violations.length > 0 || check.unassigned.length > 0) {
  process.stderr.write('src/ breaks its layers; fix that first (node --test dist/test/meta/layers.test.js)\n');
  process.exit(1);
}
const edges = unitGraph(layers, check.modules);
writeFileSync(join(root, 'docs/imports.dot'), importPictureDot(layers, edges));
process.stdout.write(`docs/imports.dot: ${edges.length} arrows between ${layers.flatMap((l) => l.paths).length} entries of ${layers.length} layers\n`);
