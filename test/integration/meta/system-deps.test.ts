// Every external program that the harness, a test, benchmark or script starts must be in scripts/system-deps.json,
// the list scripts/ensure-system-deps.mjs installs from. The check reads the sources (TypeScript's
// parser), so it fails on a machine that already has the new program installed by hand, where the
// tests themselves would pass. It follows a program name through wrapper functions: a `spawn`
// whose command is a parameter makes that function a wrapper, and its callers are checked in turn.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { projectRoot } from '../../../harness/project-root.js';

const root = projectRoot();
/** Functions of node:child_process (and playwright's launch option) whose first argument is the program. */
const STARTERS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync']);
const SCANNED = ['harness', 'test', 'bench', 'scripts'];

interface SystemDeps {
  tools: { command: string; package: string }[];
  base: { commands: string[] };
}

interface Source {
  readonly file: string;
  readonly ast: ts.SourceFile;
}

interface Wrapper {
  readonly name: string;
  readonly argIndex: number;
  readonly where: string;
  readonly file: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'results') continue;
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function loadSources(): Source[] {
  return SCANNED.flatMap((dir) => sourceFiles(join(root, dir))).map((file) => ({
    file: relative(root, file),
    ast: ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, file.endsWith('.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS),
  }));
}

/** The called function's name when it is a plain identifier (`spawn(…)`, not `re.exec(…)`). */
function calleeName(call: ts.CallExpression): string | undefined {
  return ts.isIdentifier(call.expression) ? call.expression.text : undefined;
}

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  node.forEachChild((child) => visit(child, fn));
}

/** The named functions around `node` (declarations, methods, consts holding a function), innermost first. */
function enclosingFunctions(node: ts.Node): { name: string; params: string[] }[] {
  const out: { name: string; params: string[] }[] = [];
  for (let n: ts.Node | undefined = node.parent; n !== undefined; n = n.parent) {
    const params = (): string[] => (n as ts.SignatureDeclaration).parameters.map((p) => p.name.getText());
    if (ts.isFunctionDeclaration(n) && n.name !== undefined) out.push({ name: n.name.text, params: params() });
    else if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) {
      out.push({ name: n.parent.name.text, params: params() });
    } else if (ts.isMethodDeclaration(n) && ts.isIdentifier(n.name)) out.push({ name: n.name.text, params: params() });
  }
  return out;
}

/** A `const name = 'literal'` in the same file, if `id` names one. */
function constString(id: ts.Identifier, ast: ts.SourceFile): string | undefined {
  let found: string | undefined;
  visit(ast, (n) => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === id.text && n.initializer !== undefined && ts.isStringLiteralLike(n.initializer)) {
      found = n.initializer.text;
    }
  });
  return found;
}

type Resolved = { kind: 'program'; name: string } | { kind: 'node' } | { kind: 'parameter'; wrapper: Wrapper } | { kind: 'unknown'; text: string };

/** What program an expression in command position names. */
function resolveCommand(expr: ts.Expression, at: ts.Node, src: Source): Resolved {
  if (ts.isStringLiteralLike(expr)) return { kind: 'program', name: expr.text };
  const text = expr.getText();
  if (text === 'process.execPath') return { kind: 'node' };
  // join(bin, 'initdb') and the like: the last literal part is the program.
  if (ts.isCallExpression(expr) && calleeName(expr) === 'join') {
    const last = expr.arguments[expr.arguments.length - 1];
    if (last !== undefined && ts.isStringLiteralLike(last)) return { kind: 'program', name: last.text };
  }
  if (ts.isIdentifier(expr)) {
    const literal = constString(expr, src.ast);
    if (literal !== undefined) return { kind: 'program', name: literal };
    const fn = enclosingFunctions(at).find((f) => f.params.includes(expr.text));
    const index = fn?.params.indexOf(expr.text) ?? -1;
    if (fn !== undefined && index >= 0) return { kind: 'parameter', wrapper: { name: fn.name, argIndex: index, where: `${src.file}: ${fn.name}()`, file: src.file } };
  }
  return { kind: 'unknown', text };
}

/** True when `src` imports the wrapper by name from the wrapper's module. */
function imports(src: Source, wrapper: Wrapper): boolean {
  const module = basename(wrapper.file).replace(/\.(ts|mts|mjs|js)$/, '');
  return src.ast.statements.some(
    (s) =>
      ts.isImportDeclaration(s) &&
      ts.isStringLiteral(s.moduleSpecifier) &&
      basename(s.moduleSpecifier.text).replace(/\.(js|mjs|ts)$/, '') === module &&
      s.importClause?.namedBindings !== undefined &&
      ts.isNamedImports(s.importClause.namedBindings) &&
      s.importClause.namedBindings.elements.some((e) => e.name.text === wrapper.name),
  );
}

interface Use {
  readonly program: string;
  readonly where: string;
}

function findUses(sources: Source[]): { uses: Use[]; unresolved: string[] } {
  const uses: Use[] = [];
  const unresolved: string[] = [];
  const wrappers: Wrapper[] = [];
  const seen = new Set<string>();
  const record = (r: Resolved, where: string): void => {
    if (r.kind === 'program') uses.push({ program: r.name, where });
    else if (r.kind === 'unknown') unresolved.push(`${where}: cannot tell which program \`${r.text}\` is`);
    else if (r.kind === 'parameter' && !seen.has(`${r.wrapper.name}/${r.wrapper.argIndex}`)) {
      seen.add(`${r.wrapper.name}/${r.wrapper.argIndex}`);
      wrappers.push(r.wrapper);
    }
  };
  const line = (src: Source, n: ts.Node): string => `${src.file}:${src.ast.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;

  for (const src of sources) {
    visit(src.ast, (n) => {
      if (ts.isCallExpression(n) && STARTERS.has(calleeName(n) ?? '') && n.arguments[0] !== undefined) {
        record(resolveCommand(n.arguments[0], n, src), line(src, n));
      }
      if (ts.isPropertyAssignment(n) && n.name.getText() === 'executablePath') record(resolveCommand(n.initializer, n, src), line(src, n));
    });
  }
  // Callers of wrappers, followed until no new wrapper appears.
  for (let i = 0; i < wrappers.length; i++) {
    const wrapper = wrappers[i]!;
    let callers = 0;
    for (const src of sources) {
      if (src.file !== wrapper.file && !imports(src, wrapper)) continue;
      visit(src.ast, (n) => {
        if (!ts.isCallExpression(n) || calleeName(n) !== wrapper.name) return;
        const arg = n.arguments[wrapper.argIndex];
        if (arg === undefined) return;
        callers++;
        record(resolveCommand(arg, n, src), `${line(src, n)} (through ${wrapper.where})`);
      });
    }
    if (callers === 0) unresolved.push(`${wrapper.where} starts a program given by its callers, but no caller was found`);
  }
  return { uses, unresolved };
}

function listed(deps: SystemDeps): Set<string> {
  const names = new Set(deps.base.commands);
  for (const { command } of deps.tools) {
    names.add(command);
    names.add(basename(command));
  }
  return names;
}

const deps = JSON.parse(readFileSync(join(root, 'scripts', 'system-deps.json'), 'utf8')) as SystemDeps;

test('every program the tests, benchmarks and scripts start is in the install list', () => {
  const { uses, unresolved } = findUses(loadSources());
  assert.deepEqual(unresolved, [], 'every started program can be named');
  const known = listed(deps);
  const missing = uses.filter((u) => !known.has(u.program) && !known.has(basename(u.program)));
  assert.deepEqual(missing, [], 'add these to scripts/system-deps.json (with their Debian package)');
  // The scan does find what the suite is known to start, so it cannot pass by finding nothing.
  const found = new Set(uses.map((u) => basename(u.program)));
  for (const program of ['redis-server', 'redis-sentinel', 'haproxy', 'chromium', 'initdb', 'postgres']) {
    assert.ok(found.has(program), `the scan finds ${program}`);
  }
});

test('the scan catches a program that is not listed, also behind a wrapper', () => {
  const probe = (code: string): Source => ({ file: 'probe.ts', ast: ts.createSourceFile('probe.ts', code, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS) });
  const direct = findUses([probe("spawn('memcached', ['-p', '1']);")]);
  assert.deepEqual(direct.uses.map((u) => u.program), ['memcached']);
  const wrapped = findUses([probe("function launch(name: string, cmd: string) { return spawn(cmd, []); }\nlaunch('x', 'nginx');")]);
  assert.deepEqual(wrapped.uses.map((u) => u.program), ['nginx']);
  const browser = findUses([probe("chromium.launch({ executablePath: '/usr/bin/firefox' });")]);
  assert.deepEqual(browser.uses.map((u) => u.program), ['/usr/bin/firefox']);
  const otherFile = findUses([probe("function run(cmd: string) { return spawn(cmd, []); }\nrun('sh');"), { ...probe("run('redis');"), file: 'other.ts' }]);
  assert.deepEqual(otherFile.uses.map((u) => u.program), ['sh'], 'a same-named function elsewhere is not a caller');
  const opaque = findUses([probe('spawn(pick(), []);')]);
  assert.equal(opaque.unresolved.length, 1);
  assert.ok(!listed(deps).has('nginx'));
});

test('each listed tool names a Debian package, and none reads outside the repository', () => {
  for (const tool of deps.tools) assert.match(tool.package, /^[a-z0-9][a-z0-9.+-]+$/, tool.command);
  // Test data lives in the repository: no source reaches for the folder next to it.
  for (const src of loadSources()) {
    if (src.file === relative(root, join(root, 'test', 'integration', 'meta', 'system-deps.test.ts'))) continue;
    assert.doesNotMatch(src.ast.text, /\.\.\/shared\/|shared\/testdata/, `${src.file} reads outside the repository`);
  }
});

test('every listed tool is present after scripts/ensure-system-deps.mjs ran (npm test runs it first)', { skip: process.env['LIVEHUB_SKIP_SYSTEM_DEPS'] === '1' }, async () => {
  const { hasTool } = (await import(join(root, 'scripts', 'ensure-system-deps.mjs'))) as { hasTool: (command: string) => boolean };
  const absent = deps.tools.filter((t) => !hasTool(t.command)).map((t) => `${t.command} (package ${t.package})`);
  assert.deepEqual(absent, []);
});
