import { MemoryEngine } from '../../src/engine/memory/memory-engine.js';
import { engineContract } from './contract.js';

engineContract('memory', {
  create: async (options = {}) => new MemoryEngine({ id: 'node-a', name: 'test', version: '0' }, options),
  stored: async (engine) => {
    const memory = engine as MemoryEngine;
    const counts = memory.counts();
    return memory.retention.stats().items + counts.historyStreams + counts.values + counts.frames + counts.presenceChannels;
  },
});
