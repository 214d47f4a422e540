import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openStateStore } from '../../src/state/open.js';
import { tempDir } from './helpers.js';

const siteIn = (root: string) => ({
  stateDir: join(root, '.callops'),
  lockPath: join(root, 'callops.lock'),
  lockName: 'callops.lock',
  command: 'callops apply',
});

test('backend file opens the file store on the project lockfile', async () => {
  const root = await tempDir();
  const store = await openStateStore({ backend: 'file' }, siteIn(root));
  expect(store.concurrentRunners).toBe(false);
  expect(await store.export()).toEqual({ lockfileVersion: 1, calls: {} });
  await store.close();
});

test('backend postgres checks the schema name before it connects', async () => {
  const root = await tempDir();
  // Port 1 on loopback: were it contacted, the error would be ECONNREFUSED instead.
  const opening = openStateStore(
    { backend: 'postgres', url: 'postgres://u:p@127.0.0.1:1/db', schema: 'no-dash' },
    siteIn(root),
  );
  await expect(opening).rejects.toThrow(/state.schema "no-dash" is not a schema name/);
});
