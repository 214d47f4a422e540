import { cp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import { openFileStore } from '../../src/state/file-store.js';
import { layersOf } from '../../src/state/layered.js';
import { writeLockfileAtomic } from '../../src/state/lockfile.js';
import { packPlacedEntries } from '../../src/state/packed-entry.js';
import type { DefinitionMeta } from '../../src/state/record.js';
import type { Claim, StateStore } from '../../src/state/store.js';
import { entry, lockOf, tempDir } from './helpers.js';

/*
 * A large run of the file store keeps its placed entries in a spool in `.callops/` until the
 * lockfile is written (spool.ts): the lockfile it writes is the one a run holding them in
 * memory writes, byte for byte, and the journal alone still gives it after a crash.
 */

afterEach(() => packPlacedEntries(false));

/** Rows enough for a lockfile above the index's 1 MiB, and spool pieces of 64 KiB many times. */
const ROWS = 4000;
const key = (i: number) => `sim/remind/r${i}`;
const hex = (i: number, width: number) => i.toString(16).padStart(width, '0');
const sidOf = (i: number, round = 0) => `0ca110b5-${hex(round, 4)}-4000-8000-${hex(i, 12)}`;
const DEFINITION = `sha256:${'5b'.repeat(32)}`;
const meta = (i: number): DefinitionMeta => ({
  definition: DEFINITION,
  file: 'lists/people.csv',
  number: `sha256:${hex(i, 16)}`,
});
const claimOf = (i: number, fields: Partial<Claim> = {}): Claim => ({
  key: key(i),
  target: 'sim',
  attempt: 1,
  at: '2026-12-03T08:00:00.000Z',
  ...meta(i),
  ...fields,
});
const placed = (i: number, round = 0): Outcome & DefinitionMeta => ({
  key: key(i),
  status: 'placed',
  sid: sidOf(i, round),
  callId: sidOf(i, round + 1),
  at: new Date(Date.UTC(2026, 11, 3, 8, 0, 1, i)).toISOString(),
  attempts: 1,
  ...meta(i),
});

const projectIn = async () => {
  const root = await tempDir();
  const site = { stateDir: join(root, '.callops'), lockPath: join(root, 'callops.lock') };
  // An earlier run left row 1 failed and row 2 placed: retried and kept, in this run.
  await writeLockfileAtomic(
    site.lockPath,
    lockOf({
      [key(1)]: entry({ status: 'failed', message: 'busy', ...meta(1) }),
      [key(2)]: { ...placed(2, 9), attempts: undefined, key: undefined } as never,
    }),
  );
  return { root, site };
};

/** Claims and records every row (a few of them twice), as a run of `apply` does. */
const placeRows = async (store: StateStore): Promise<void> => {
  for (let from = 0; from < ROWS; from += 200) {
    const rows = Array.from({ length: 200 }, (_, j) => from + j);
    const claimed = await Promise.all(rows.map((i) => store.claim(claimOf(i))));
    await Promise.all(
      rows.filter((_, j) => claimed[j] === true).map((i) => store.record(placed(i))),
    );
  }
  // A row placed in this run, replaced in it (`--replace`): its first sid goes to its history.
  expect(await store.claim(claimOf(5, { replace: true, replaces: sidOf(5) }))).toBe(true);
  await store.record({ ...placed(5, 2), replace: true });
};

const run = async (site: { stateDir: string; lockPath: string }, spooled: boolean) => {
  packPlacedEntries(spooled);
  const store = openFileStore(site);
  expect((await store.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  await placeRows(store);
  return store;
};

test('a large run spools its placed entries and writes the lockfile a run holding them writes', async () => {
  const held = await projectIn();
  const inMemory = await run(held.site, false);
  await inMemory.close();
  const expected = await readFile(held.site.lockPath, 'utf8');

  const spooled = await projectIn();
  const store = await run(spooled.site, true);
  // The view holds the placed entries in the spool, not in memory, and reads each of them.
  const { lock } = await store.read();
  const layers = layersOf(lock.calls);
  expect(layers?.spooled?.count).toBeGreaterThanOrEqual(ROWS - 2);
  expect(layers?.changes.size).toBeLessThan(4);
  expect(lock.calls[key(7)]).toEqual({ ...placed(7), key: undefined, attempts: undefined });
  expect(lock.calls[key(5)]?.history).toEqual([
    { sid: sidOf(5), callId: sidOf(5, 1), at: placed(5).at, number: meta(5).number },
  ]);
  expect(lock.calls[key(2)]?.sid).toBe(sidOf(2, 9));
  expect(Object.keys(lock.calls)).toHaveLength(ROWS);
  // Placed is final: a row placed in this run is not claimed again.
  expect(await store.claim(claimOf(7))).toEqual({ recorded: 'placed' });
  // No file is left for it: the spool is removed as soon as it is opened.
  expect((await readdir(spooled.site.stateDir)).filter((f) => f.startsWith('spool.'))).toEqual([]);

  // Killed here (before the lockfile is written), the journal alone gives the same lockfile.
  const crashed = await tempDir();
  await cp(spooled.root, crashed, { recursive: true });
  await rm(join(crashed, '.callops', 'run.lock'));

  await store.close();
  expect(await readFile(spooled.site.lockPath, 'utf8')).toBe(expected);

  const after = openFileStore({
    stateDir: join(crashed, '.callops'),
    lockPath: join(crashed, 'callops.lock'),
  });
  const taken = await after.lock({ command: 'callops apply', now: new Date() });
  expect(taken.ok && taken.recovered?.placed).toBeGreaterThan(0);
  await after.close();
  expect(await readFile(join(crashed, 'callops.lock'), 'utf8')).toBe(expected);
});
