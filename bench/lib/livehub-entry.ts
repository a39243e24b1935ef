// Starts one livehub node exactly like `dist/src/cli.js` (GF_* environment, same createLiveHub),
// plus the benchmark memory hook when LIVEHUB_BENCH_HOOKS=1. The runner uses this only while
// src/server.ts does not install the hook itself (see docs/performance.md); otherwise it runs the
// CLI directly.

import { loadConfig } from '../../src/config/load.js';
import { installBenchHooks } from '../../src/http/routes/bench-memory.js';
import { createLogger } from '../../src/log/logger.js';
import { createLiveHub } from '../../src/server.js';

const { config, warnings } = loadConfig({ env: process.env });
const logger = createLogger(config.log.level);
for (const warning of warnings) logger.warn(warning);
const hub = createLiveHub({ config, logger });
installBenchHooks(hub.router);
await hub.start();
const stop = (): void => {
  hub.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
