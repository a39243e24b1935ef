// The layer rules of src/, read from the "Layers" table of docs/architecture.md: the table IS the
// rule list (dependency-cruiser rules are generated from it), so the docs and the check cannot
// drift. Also groups the import graph into the table's entries for the picture (docs/imports.svg).
//
// A table row: | Layer | Paths | May import |, paths in backticks relative to src/ (`live/` a folder,
// `live/node.ts` a file), May import a comma-separated list of layers named in earlier rows ("—"
// none, "all" every earlier one). A file belongs to the layer of its longest matching path. A layer
// may import itself and the layers it names; anything else under src/ is a violation, and so is a
// circle of any length (type-only imports count: they tie modules together just the same).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cruise, type ICruiseResult, type IForbiddenRuleType, type IModule, type IViolation } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export interface Layer {
  readonly name: string;
  /** Entries relative to src/: a folder ends with "/". */
  readonly paths: readonly string[];
  /** Names of the layers this one may import (besides itself). */
  readonly mayImport: readonly string[];
}

const LAYERS_HEADER = /^\|\s*Layer\s*\|\s*Paths\s*\|\s*May import\s*\|\s*$/;

function cells(line: string): string[] {
  return line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

function backticked(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The Layers table of a markdown text, checked: known names only, each may import only earlier rows. */
export function readLayerTable(markdown: string): Layer[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => LAYERS_HEADER.test(l));
  if (start < 0) throw new Error('no "| Layer | Paths | May import |" table');
  const rows: [string, string, string][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.trim().startsWith('|')) break;
    rows.push(cells(line) as [string, string, string]);
  }
  const names = rows.map(([name]) => name);
  const layers: Layer[] = [];
  rows.forEach(([name, pathCell, importCell], index) => {
    if (names.indexOf(name) !== index) throw new Error(`layer "${name}" is named twice`);
    const paths = backticked(pathCell);
    if (paths.length === 0) throw new Error(`layer "${name}" has no paths`);
    for (const path of paths) {
      if (path.startsWith('/') || path.includes('*')) throw new Error(`layer "${name}": ${path} must be a folder ("x/") or a file under src/`);
      const owner = layers.find((l) => l.paths.includes(path));
      if (owner !== undefined) throw new Error(`${path} is in layers "${owner.name}" and "${name}"`);
    }
    const earlier = names.slice(0, index);
    const mayImport = importCell === '—' || importCell === '' ? [] : importCell === 'all' ? earlier : importCell.split(',').map((n) => n.trim());
    for (const target of mayImport) {
      if (!names.includes(target)) throw new Error(`layer "${name}" may import "${target}", which is no layer`);
      if (!earlier.includes(target)) throw new Error(`layer "${name}" may import "${target}", a row at or below it: an upward import`);
    }
    layers.push({ name, paths, mayImport });
  });
  return layers;
}

export function readLayers(root: string): Layer[] {
  return readLayerTable(readFileSync(join(root, 'docs/architecture.md'), 'utf8'));
}

/** `src/live/` → ^src/live/ ; `src/live/node.ts` → ^src/live/node\.ts$ */
function pattern(path: string): string {
  const escaped = `src/${path}`.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  return path.endsWith('/') ? `^${escaped}` : `^${escaped}$`;
}

function covers(entry: string, path: string): boolean {
  return entry.endsWith('/') ? path.startsWith(entry) && path !== entry : path === entry;
}

export interface Unit {
  readonly layer: Layer;
  /** The table entry the file falls under (the longest match). */
  readonly entry: string;
}

/** Where a file (`src/...`) belongs, or undefined when no entry covers it. */
export function unitOf(layers: readonly Layer[], file: string): Unit | undefined {
  if (!file.startsWith('src/')) return undefined;
  const path = file.slice(4);
  let best: Unit | undefined;
  for (const layer of layers) {
    for (const entry of layer.paths) {
      if (covers(entry, path) && (best === undefined || entry.length > best.entry.length)) best = { layer, entry };
    }
  }
  return best;
}

/** Entries of other layers that lie inside one of `entries` (a folder) and so are carved out of it. */
function carvedOut(layers: readonly Layer[], entries: readonly string[], except: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const layer of layers) {
    if (except.has(layer.name)) continue;
    for (const entry of layer.paths) if (entries.some((outer) => outer !== entry && covers(outer, entry))) out.push(entry);
  }
  return out;
}

/** dependency-cruiser rules: per layer "imports nothing it may not", plus no circles and nothing outside src/. */
export function layerRules(layers: readonly Layer[]): IForbiddenRuleType[] {
  const rules: IForbiddenRuleType[] = [];
  for (const layer of layers) {
    const allowedNames = new Set([layer.name, ...layer.mayImport]);
    const allowed = layers.filter((l) => allowedNames.has(l.name)).flatMap((l) => l.paths);
    const from = { path: layer.paths.map(pattern), pathNot: carvedOut(layers, layer.paths, new Set([layer.name])).map(pattern) };
    const comment = `${layer.name} may import ${layer.mayImport.length === 0 ? 'only itself' : `itself, ${layer.mayImport.join(', ')}`} (docs/architecture.md, Layers)`;
    rules.push({ name: `layer: ${layer.name}`, severity: 'error', comment, from, to: { path: '^src/', pathNot: allowed.map(pattern) } });
    // Inside an allowed folder, the entries of a layer that is not allowed (e.g. live/node.ts within live/).
    const exceptions = carvedOut(layers, allowed, allowedNames);
    if (exceptions.length > 0) rules.push({ name: `layer: ${layer.name}`, severity: 'error', comment, from, to: { path: exceptions.map(pattern) } });
  }
  rules.push({ name: 'no-circular', severity: 'error', comment: 'no import circle, of any length', from: { path: '^src/' }, to: { circular: true } });
  rules.push({ name: 'src-stays-in-src', severity: 'error', comment: 'production code imports no benchmark, test or script code', from: { path: '^src/' }, to: { path: '^(bench|test|scripts|web)/' } });
  return rules;
}

export interface LayerCheck {
  /** Modules under src/ the cruise saw. */
  readonly modules: readonly IModule[];
  readonly violations: readonly IViolation[];
  /** Modules no table entry covers. */
  readonly unassigned: readonly string[];
}

/** Cruises `dirs` (relative to `root`, which has a tsconfig.json) against the layer rules. */
export async function checkLayers(root: string, layers: readonly Layer[], dirs: readonly string[] = ['src']): Promise<LayerCheck> {
  const tsConfigFile = join(root, 'tsconfig.json');
  const result = await cruise([...dirs], {
    baseDir: root,
    ruleSet: { forbidden: layerRules(layers) },
    validate: true,
    tsPreCompilationDeps: true,
    tsConfig: { fileName: tsConfigFile },
    doNotFollow: { path: 'node_modules' },
    outputType: 'json',
  }, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  const output: ICruiseResult = typeof result.output === 'string' ? JSON.parse(result.output) as ICruiseResult : result.output;
  const modules = output.modules.filter((m) => m.source.startsWith('src/'));
  return {
    modules,
    violations: output.summary.violations,
    unassigned: modules.map((m) => m.source).filter((source) => unitOf(layers, source) === undefined),
  };
}

export interface UnitEdge {
  readonly from: Unit;
  readonly to: Unit;
  readonly imports: number;
}

/** The import graph collapsed to the table's entries (self-imports of an entry dropped). */
export function unitGraph(layers: readonly Layer[], modules: readonly IModule[]): UnitEdge[] {
  const edges = new Map<string, { from: Unit; to: Unit; imports: number }>();
  for (const module of modules) {
    const from = unitOf(layers, module.source);
    if (from === undefined) continue;
    for (const dependency of module.dependencies) {
      const to = unitOf(layers, dependency.resolved);
      if (to === undefined || to.entry === from.entry) continue;
      const key = `${from.entry} ${to.entry}`;
      const edge = edges.get(key) ?? { from, to, imports: 0 };
      edge.imports++;
      edges.set(key, edge);
    }
  }
  return [...edges.values()].sort((a, b) => `${a.from.entry} ${a.to.entry}`.localeCompare(`${b.from.entry} ${b.to.entry}`));
}

/** Graphviz text of the unit graph: one row per layer, the last row of the table on top, so every arrow points down. */
export function importPictureDot(layers: readonly Layer[], edges: readonly UnitEdge[]): string {
  const id = (entry: string): string => JSON.stringify(entry);
  const lines = [
    '// Generated by `npm run docs:imports` (test/meta/import-picture.ts) from the import graph and the',
    '// Layers table of docs/architecture.md; test/meta/layers.test.ts fails when it is out of date.',
    'digraph imports {',
    '  rankdir=TB; newrank=true; ranksep=0.45; nodesep=0.25;',
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=11, height=0.3];',
    '  edge [color="#55555588", arrowsize=0.5];',
  ];
  const top = [...layers].reverse();
  top.forEach((layer, i) => {
    lines.push(`  subgraph cluster_${i} {`, `    label=${JSON.stringify(layer.name)}; labeljust=l; style="rounded,filled"; fillcolor="#f2f2f2"; color="#bbbbbb"; fontname="Helvetica"; fontsize=12;`);
    lines.push(`    { rank=same; ${layer.paths.map(id).join('; ')}; }`);
    lines.push('  }');
  });
  // Invisible links keep the layers in the table's order, one row each.
  for (let i = 1; i < top.length; i++) lines.push(`  ${id(top[i - 1]!.paths[0]!)} -> ${id(top[i]!.paths[0]!)} [style=invis, weight=10];`);
  for (const edge of edges) lines.push(`  ${id(edge.from.entry)} -> ${id(edge.to.entry)} [penwidth=${Math.min(3, 0.6 + Math.log2(edge.imports) / 2).toFixed(1)}];`);
  lines.push('}', '');
  return lines.join('\n');
}
