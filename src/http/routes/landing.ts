// GET /: kept only so the composition root's `landingRoute(node)` keeps working until it calls
// installConsole(router, …) instead. It now serves the Live console (or, when dist/web was not
// built, the fallback page telling the operator to run `npm run build`). Delete once unused.

import type { LiveNode } from '../../live/node.js';
import { consoleIndexRoute } from './console.js';

export function landingRoute(node: LiveNode) {
  return consoleIndexRoute({ version: node.options.version });
}
