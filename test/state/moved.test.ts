import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openFileStore } from '../../src/state/file-store.js';
import {
  clearMoved,
  readMoved,
  recordMoved,
  refuseMoved,
  StateMoved,
} from '../../src/state/moved.js';
import { refuseMovedElsewhere } from '../../src/state/moved-elsewhere.js';
import { openStateStore } from '../../src/state/open.js';
import { tempDir } from './helpers.js';

const PUSHED = new Date('2026-11-24T10:00:00.000Z');
const LATER = new Date('2026-11-25T08:00:00.000Z');

test('a push starts the record; each command after it counts, the last one timed', async () => {
  const stateDir = join(await tempDir(), '.callops');
  await recordMoved(stateDir, 's11', { pushed: true, now: PUSHED });
  await recordMoved(stateDir, 's11', { now: new Date('2026-11-24T11:00:00.000Z') });
  await recordMoved(stateDir, 's11', { now: LATER });
  expect(await readMoved(stateDir)).toEqual({
    schema: 's11',
    pushedAt: PUSHED.toISOString(),
    since: PUSHED.toISOString(),
    commands: 2,
    lastAt: LATER.toISOString(),
  });
  // It ignores itself, as everything in `.callops/` does.
  expect(await readFile(join(stateDir, '.gitignore'), 'utf8')).toBe('*\n');
  await expect(refuseMoved(stateDir, 'callops.lock', 'send')).rejects.toThrow(
    'the state of this project moved to PostgreSQL (schema s11) at 2026-11-24T10:00:00.000Z (callops state push, and 2 commands since, last at 2026-11-25T08:00:00.000Z); callops.lock does not hold what was placed there, and going on would place those calls again, so nothing was sent.',
  );
});

test('without a push it says since when the database was used; another schema starts again', async () => {
  const stateDir = join(await tempDir(), '.callops');
  await recordMoved(stateDir, 'a1', { now: PUSHED });
  await recordMoved(stateDir, 'b2', { now: LATER });
  await expect(refuseMoved(stateDir, 'callops.lock', 'read')).rejects.toThrow(
    'the state of this project is kept in PostgreSQL (schema b2): 1 command used it here since 2026-11-25T08:00:00.000Z, last at 2026-11-25T08:00:00.000Z; callops.lock does not hold what was placed there, and an apply would place those calls again.',
  );
});

test('a marker that cannot be read still stands; clearing it lets the file store open', async () => {
  const root = await tempDir();
  const stateDir = join(root, '.callops');
  await mkdir(stateDir);
  await writeFile(join(stateDir, 'moved-to-postgres.json'), '{ not json');
  const site = {
    stateDir,
    lockPath: join(root, 'callops.lock'),
    lockName: 'callops.lock',
    command: 'callops apply',
    use: 'send' as const,
  };
  await expect(openStateStore({ backend: 'file' }, site)).rejects.toThrow(
    /moved to PostgreSQL \(\.callops\/moved-to-postgres\.json says so, but cannot be read\).*so nothing was sent.*remove \.callops\/moved-to-postgres\.json\./,
  );
  // `state push` reads the file store to import it: not stopped.
  const pushing = await openStateStore({ backend: 'file' }, { ...site, pushing: true });
  await pushing.close();
  await clearMoved(stateDir);
  await clearMoved(stateDir);
  const store = await openStateStore({ backend: 'file' }, site);
  await store.close();
});

test('the record names the state its schema holds; one of an earlier release is taken on', async () => {
  const stateDir = join(await tempDir(), '.callops');
  await recordMoved(stateDir, 's1', { now: PUSHED });
  expect(await readMoved(stateDir)).not.toHaveProperty('stateId');
  // An earlier release's record, then this one's: the count goes on.
  await recordMoved(stateDir, 's1', { now: LATER, stateId: '0123456789abcdef' });
  expect(await readMoved(stateDir)).toMatchObject({ stateId: '0123456789abcdef', commands: 2 });
  // Another state of that name (a state pushed there anew) starts again.
  await recordMoved(stateDir, 's1', { now: LATER, stateId: 'fedcba9876543210' });
  expect(await readMoved(stateDir)).toMatchObject({ stateId: 'fedcba9876543210', commands: 1 });
});

const here = (schema: string, stateId: string, entries = true) => ({
  schema,
  stateId,
  stateIdOf: async (name: string) => (name === 's1' ? '0123456789abcdef' : undefined),
  holdsEntries: async () => entries,
});

test('a database store at another schema or state than the record is refused', async () => {
  const stateDir = join(await tempDir(), '.callops');
  await recordMoved(stateDir, 's1', { now: PUSHED, stateId: '0123456789abcdef' });
  await expect(
    refuseMovedElsewhere(stateDir, 'callops.lock', here('s1', '0123456789abcdef'), 'send'),
  ).resolves.toBeUndefined();
  await expect(
    refuseMovedElsewhere(stateDir, 'callops.lock', here('s2', 'aaaaaaaaaaaaaaaa'), 'send'),
  ).rejects.toThrow(
    'the state of this project is kept in PostgreSQL under schema s1 (.callops/moved-to-postgres.json: 1 command used it from here since 2026-11-24T10:00:00.000Z, last at 2026-11-24T10:00:00.000Z), but callops.yaml now names schema s2, which does not hold what was placed under s1: going on would place those calls again, so nothing was sent. To move the state: set `state.schema` back to s1 and run `callops state pull`',
  );
  await expect(
    refuseMovedElsewhere(stateDir, 'callops.lock', here('s1', 'bbbbbbbbbbbbbbbb'), 'read'),
  ).rejects.toThrow(
    /under schema s1 of another database .*an apply would place those calls again\. To move the state: set `state\.url` back/,
  );
  // An earlier release's record: this database's while the schema holds entries.
  await writeFile(
    join(stateDir, 'moved-to-postgres.json'),
    JSON.stringify({ schema: 's1', since: PUSHED.toISOString(), commands: 3 }),
  );
  await expect(
    refuseMovedElsewhere(stateDir, 'callops.lock', here('s1', 'cccccccccccccccc'), 'send'),
  ).resolves.toBeUndefined();
  await expect(
    refuseMovedElsewhere(stateDir, 'callops.lock', here('s1', 'cccccccccccccccc', false), 'send'),
  ).rejects.toThrow(/^schema s1 holds no entries, but .*written by an earlier callops/);
});

test('a file store opened before the state moved refuses its run lock after it, writing nothing', async () => {
  const root = await tempDir();
  const stateDir = join(root, '.callops');
  const store = openFileStore({
    stateDir,
    lockPath: join(root, 'callops.lock'),
    lockName: 'callops.lock',
    use: 'record',
  });
  const now = new Date();
  const first = await store.lock({ command: 'callops receive', now });
  expect(first.ok).toBe(true);
  if (first.ok) await first.release();
  // `state push` writes the marker under the run lock: a receiver opened before takes it next.
  await recordMoved(stateDir, 's21', { pushed: true, now: PUSHED });
  const refused = store.lock({ command: 'callops receive', now });
  await expect(refused).rejects.toBeInstanceOf(StateMoved);
  await expect(store.lock({ command: 'callops receive', now })).rejects.toThrow(
    /^the state of this project moved to PostgreSQL \(schema s21\).*so nothing was recorded/,
  );
  // The lock was let go: the push's own store still takes it.
  const pushing = openFileStore({ stateDir, lockPath: join(root, 'callops.lock'), pushing: true });
  const taken = await pushing.lock({ command: 'callops state push', now });
  expect(taken.ok).toBe(true);
  if (taken.ok) await taken.release();
  await store.close();
});
