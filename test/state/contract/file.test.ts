import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import { openFileStore } from '../../../src/state/file-store.js';
import { emptyLockfile, readLockfile, writeLockfileAtomic } from '../../../src/state/lockfile.js';
import { packPlacedEntries } from '../../../src/state/packed-entry.js';
import { tempDir } from '../helpers.js';
import { describeStoreContract, type StoreHarness } from './contract.js';

const harness = (name: string): StoreHarness => ({
  name,
  concurrentRunners: false,
  project: async () => {
    const root = await tempDir();
    const spec = {
      backend: 'file',
      stateDir: join(root, '.callops'),
      lockPath: join(root, 'callops.lock'),
    };
    return {
      spec,
      open: async (options = {}) => openFileStore({ ...spec, ...options }),
      // As `git pull` does it: a new callops.lock beside the run, holding the entry too.
      placeElsewhere: async (key, sid) => {
        const read = existsSync(spec.lockPath) ? await readLockfile(spec.lockPath) : undefined;
        if (read !== undefined && 'error' in read) throw new Error(read.error.message);
        const lock = read?.lock ?? emptyLockfile();
        const at = '2026-11-24T09:00:00.000Z';
        const entry = { status: 'placed' as const, sid, callId: `call-${key}`, at };
        const placed = { ...entry, definition: 'sha256:def', file: 'calls/welcome.yaml' };
        await writeLockfileAtomic(spec.lockPath, {
          ...lock,
          calls: { ...lock.calls, [key]: placed },
        });
      },
    };
  },
});

describeStoreContract(harness('file'));

// A run of many calls keeps its placed entries in a spool in `.callops/` until the lockfile is
// written (spool.ts): the same contract holds.
describe('a large run', () => {
  beforeEach(() => packPlacedEntries(true));
  afterEach(() => packPlacedEntries(false));
  describeStoreContract(harness('file, placed entries spooled,'));
});
