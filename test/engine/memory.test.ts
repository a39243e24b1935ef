import { MemoryEngine } from '../../src/engine/memory/memory-engine.js';
import { engineContract } from './contract.js';

engineContract('memory', {
  create: async () => new MemoryEngine({ id: 'node-a', name: 'test', version: '0' }),
});
