// Preloaded by scripts/run-tests.mjs (`node --import`) into each unit test process: see
// unit-isolation.ts. The test runner process itself (`node --test`) starts those processes, so it is
// never guarded (Node 20 does not run preloads there; later versions may).

import { installUnitIsolation } from './unit-isolation.js';

if (!process.execArgv.includes('--test')) installUnitIsolation();
