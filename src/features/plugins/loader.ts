// Loads stream plugins from JavaScript module files ([live] plugin_paths): the default export is one
// plugin or an array of them. A file that cannot be loaded is a startup error naming the file.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StreamPlugin } from './api.js';
import { isStreamPlugin } from './registry.js';

export async function loadPluginModule(file: string): Promise<StreamPlugin[]> {
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(file)).href)) as { default?: unknown };
  } catch (err) {
    throw new Error(`cannot load stream plugin module ${file}: ${(err as Error).message}`, { cause: err });
  }
  const exported = module.default;
  const list = Array.isArray(exported) ? exported : [exported];
  if (list.length === 0 || !list.every(isStreamPlugin)) {
    throw new Error(`stream plugin module ${file}: the default export must be a stream plugin (id, subscribeStream, runStream, publishStream) or an array of them`);
  }
  return list;
}
