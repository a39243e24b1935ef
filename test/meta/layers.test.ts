// The layers of src/ are locked: rules generated from the Layers table of docs/architecture.md run
// over the real import graph (dependency-cruiser, type-only imports included). A probe tree proves
// the rules bite: an upward import, an import around the node's facade, a circle, an import of
// benchmark code and a file outside every layer each fail. The per-file table and the committed
// import picture (docs/imports.dot → imports.svg) are checked against the same table and the code.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, describe, test } from 'node:test';
import { projectRoot } from '../../harness/project-root.js';
import { checkLayers, importPictureDot, readLayers, readLayerTable, unitGraph, unitOf, type Layer, type LayerCheck } from './layers.js';

const root = projectRoot();

function described(check: LayerCheck): string {
  return check.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`).join('\n');
}

describe('layers of src/', () => {
  let layers: Layer[];
  let check: LayerCheck;
  before(async () => {
    layers = readLayers(root);
    check = await checkLayers(root, layers);
  });

  test('every import points down the Layers table, no circle, every file in a layer', () => {
    // The cruise really read the TypeScript sources (without `typescript` it silently sees none).
    assert.ok(check.modules.length > 150, `cruised ${check.modules.length} modules of src/`);
    assert.ok(check.modules.every((m) => m.dependencies.every((d) => !d.couldNotResolve || !d.module.startsWith('.'))), 'every relative import resolved');
    assert.equal(described(check), '', 'imports the Layers table of docs/architecture.md does not allow');
    assert.deepEqual(check.unassigned, [], 'files of src/ no row of the Layers table covers');
  });

  test('the per-file table names existing files, each in its row\'s layer, and covers all of src/', () => {
    const text = readFileSync(join(root, 'docs/architecture.md'), 'utf8').split('\n');
    const start = text.findIndex((l) => /^\|\s*Layer\s*\|\s*Folder \/ file\s*\|\s*Job\s*\|\s*$/.test(l));
    assert.ok(start >= 0, 'the "| Layer | Folder / file | Job |" table');
    const covered = new Set<string>();
    let layer = '';
    for (const line of text.slice(start + 2)) {
      if (!line.startsWith('|')) break;
      const [layerCell, files] = line.slice(1).split('|').map((c) => c.trim()) as [string, string];
      if (layerCell !== '') layer = layerCell;
      assert.ok(layers.some((l) => l.name === layer), `"${layer}" is a row of the Layers table`);
      for (const entry of [...files.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)) {
        if (entry.startsWith('web/') || entry.startsWith('bench/')) continue;
        const path = join(root, 'src', entry.replace(/\/\*$/, ''));
        const sources = statSync(path, { throwIfNoEntry: false })?.isDirectory() ? listTs(path) : [path];
        for (const source of sources) {
          const file = source.slice(root.length + 1);
          assert.ok(statSync(source, { throwIfNoEntry: false }) !== undefined, `${entry} exists`);
          assert.equal(unitOf(layers, file)?.layer.name, layer, `${file} is in layer ${layer}, as the table says`);
          covered.add(file);
        }
      }
    }
    const missing = check.modules.map((m) => m.source).filter((f) => !covered.has(f));
    assert.deepEqual(missing, [], 'files of src/ the per-file table does not name');
  });

  test('the committed import picture is the code\'s, with no circle and no upward arrow', () => {
    const edges = unitGraph(layers, check.modules);
    const rank = (name: string): number => layers.findIndex((l) => l.name === name);
    for (const edge of edges) {
      assert.ok(rank(edge.to.layer.name) <= rank(edge.from.layer.name), `${edge.from.entry} → ${edge.to.entry} points up`);
    }
    assert.deepEqual(circles(edges.map((e) => [e.from.entry, e.to.entry])), [], 'circles between the entries of the table');
    const committed = readFileSync(join(root, 'docs/imports.dot'), 'utf8');
    assert.equal(committed, importPictureDot(layers, edges), 'docs/imports.dot is out of date: run `npm run docs:imports` and commit docs/imports.{dot,svg}');
  });
});

describe('the layer rules bite (a probe tree checked with the real Layers table)', () => {
  test('an upward import, an import around the facade, a circle, bench code and an unlayered file all fail', async () => {
    const layers = readLayers(root);
    const dir = mkdtempSync(join(tmpdir(), 'livehub-layers-'));
    try {
      const files: Record<string, string> = {
        'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src/**/*.ts', 'bench/**/*.ts'] }),
        // Node → Features: upward.
        'src/live/node.ts': "import { feature } from '../features/feature.js';\nexport const node = feature;\n",
        // Features → live/node.ts, around the facade (live/ is the Node layer; only the facade is allowed).
        'src/features/feature.ts': "import type { node } from '../live/node.js';\nexport const feature = 1;\nexport type Node = typeof node;\n",
        'src/features/around.ts': "import { node } from '../live/node.js';\nexport const around = node;\n",
        'src/live/live-facade.ts': 'export interface LiveFacade { readonly nodeId: string }\n',
        'src/features/fine.ts': "import type { LiveFacade } from '../live/live-facade.js';\nexport type Fine = LiveFacade;\n",
        // Core (live/tenant.ts inside the Node's folder) → Node: upward within one folder.
        'src/live/tenant.ts': "import { node } from './node.js';\nexport const tenant = node;\n",
        // A circle inside one layer, closed by a type-only import.
        'src/protocol/a.ts': "import { b } from './b.js';\nexport const a = (): number => b;\n",
        'src/protocol/b.ts': "import type { a } from './a.js';\nexport const b = 1;\nexport type A = typeof a;\n",
        // Production code importing benchmark code.
        'src/server.ts': "import { hook } from '../bench/hook.js';\nexport const server = hook;\n",
        'bench/hook.ts': 'export const hook = 1;\n',
        // A folder no row of the table covers.
        'src/gadgets/thing.ts': "import { b } from '../protocol/b.js';\nexport const thing = b;\n",
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), text);
      }
      const probe = await checkLayers(dir, layers);
      assert.equal(probe.modules.length, 10, 'the probe tree was read (its src/ modules)');
      const found = probe.violations.filter((v) => v.cycle === undefined).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
      assert.deepEqual(found, [
        'layer: Core: src/live/tenant.ts → src/live/node.ts',
        'layer: Features: src/features/around.ts → src/live/node.ts',
        'layer: Features: src/features/feature.ts → src/live/node.ts',
        'layer: Node: src/live/node.ts → src/features/feature.ts',
        'src-stays-in-src: src/server.ts → bench/hook.ts',
      ]);
      // One violation per circle, naming every module on it.
      const circled = probe.violations.filter((v) => v.cycle !== undefined).map((v) => `${v.rule.name}: ${[...new Set(v.cycle!.map((c) => c.name))].sort().join(' ')}`).sort();
      assert.deepEqual(circled, [
        'no-circular: src/features/feature.ts src/live/node.ts',
        'no-circular: src/protocol/a.ts src/protocol/b.ts',
      ]);
      assert.deepEqual(probe.unassigned, ['src/gadgets/thing.ts']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the Layers table itself may not point up, name an unknown layer or give a path twice', () => {
    const table = (rows: string): string => `| Layer | Paths | May import |\n|---|---|---|\n${rows}\n`;
    assert.equal(readLayerTable(table('| A | `a/` | — |\n| B | `b/`, `a/x.ts` | A |')).length, 2);
    assert.throws(() => readLayerTable(table('| A | `a/` | B |\n| B | `b/` | — |')), /upward/);
    assert.throws(() => readLayerTable(table('| A | `a/` | C |')), /no layer/);
    assert.throws(() => readLayerTable(table('| A | `a/` | — |\n| B | `a/` | A |')), /in layers "A" and "B"/);
    assert.throws(() => readLayerTable('no table here'), /no "\| Layer \| Paths \| May import \|" table/);
  });
});

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listTs(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Every circle of a directed graph, as the sorted list of its nodes (Tarjan's strongly connected components). */
function circles(edges: readonly (readonly [string, string])[]): string[][] {
  const next = new Map<string, string[]>();
  for (const [from, to] of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (stack.includes(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (let top = stack.pop()!; ; top = stack.pop()!) {
      component.push(top);
      if (top === node) break;
    }
    if (component.length > 1) out.push(component.sort());
  };
  for (const [from] of edges) if (!index.has(from)) visit(from);
  return out;
}
