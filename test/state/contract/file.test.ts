import { join } from 'node:path';
import { openFileStore } from '../../../src/state/file-store.js';
import { tempDir } from '../helpers.js';
import { describeStoreContract } from './contract.js';

describeStoreContract({
  name: 'file',
  concurrentRunners: false,
  project: async () => {
    const root = await tempDir();
    const spec = {
      backend: 'file',
      stateDir: join(root, '.callops'),
      lockPath: join(root, 'callops.lock'),
    };
    return { spec, open: async (options = {}) => openFileStore({ ...spec, ...options }) };
  },
});
