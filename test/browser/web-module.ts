// Loads a pure module of the browser code (web/src) in Node without Vite: the root tsconfig must
// not compile web/ (its output would land in dist/web, which Vite owns), so the sources are
// transpiled here with TypeScript's transpileModule into a temp folder and imported from there.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { projectRoot } from '../../harness/project-root.js';

let outDir: string | undefined;

function transpileAll(): string {
  if (outDir !== undefined) return outDir;
  const srcDir = join(projectRoot(), 'web', 'src');
  const dir = mkdtempSync(join(tmpdir(), 'livehub-web-'));
  for (const name of readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
    const { outputText } = ts.transpileModule(readFileSync(join(srcDir, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      fileName: name,
    });
    // The browser code imports siblings as `./x.js`, so the emitted names line up as they are.
    writeFileSync(join(dir, name.replace(/\.ts$/, '.js')), outputText);
  }
  // An ESM marker so Node treats the .js files as modules whatever the temp folder's parents say.
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  outDir = dir;
  return dir;
}

/** Imports web/src/<name>.ts (only modules without DOM or package imports work in Node). */
export async function importWebModule<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(join(transpileAll(), `${name}.js`)).href)) as T;
}
