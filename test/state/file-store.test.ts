import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openFileStore } from '../../src/state/file-store.js';
import { serializeLockfile, writeLockfileAtomic } from '../../src/state/lockfile.js';
import type { Retention } from '../../src/state/store.js';
import { writeCopy, writtenPath } from '../../src/state/written.js';
import { entry, lockOf, tempDir } from './helpers.js';

const siteIn = async () => {
  const root = await tempDir();
  return { stateDir: join(root, '.callops'), lockPath: join(root, 'callops.lock') };
};

/** A file store holding the run lock, with key `a` claimed and recorded placed. */
const placedA = async (site: Awaited<ReturnType<typeof siteIn>>) => {
  const store = openFileStore(site);
  expect((await store.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  await store.claim({ key: 'a', target: 'default', attempt: 1, definition: 'sha256:d', file: 'f' });
  await store.record({
    key: 'a',
    status: 'placed',
    sid: 'sid-a',
    at: '2026-11-24T10:00:00.000Z',
    attempts: 1,
    definition: 'sha256:d',
    file: 'f',
  });
  return store;
};

const fileTimes = async (path: string) => {
  const s = await stat(path, { bigint: true });
  return { ino: s.ino, mtime: s.mtimeNs, ctime: s.ctimeNs };
};

test('a persist that changes nothing rewrites neither callops.lock nor its copy', async () => {
  const site = await siteIn();
  const first = await placedA(site);
  await first.close();
  const [lockBefore, copyBefore] = [
    await fileTimes(site.lockPath),
    await fileTimes(writtenPath(site.stateDir)),
  ];
  const second = openFileStore(site);
  expect((await second.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  await second.remember(undefined);
  await second.persist();
  await second.close();
  expect(await fileTimes(site.lockPath)).toEqual(lockBefore);
  expect(await fileTimes(writtenPath(site.stateDir))).toEqual(copyBefore);
});

test('state.keep: the pruned lock is written to both files, and is not taken for a regression', async () => {
  const site = await siteIn();
  const old = 'default/daily@2020-01-01T09:00:00.000Z';
  const welcome = entry({ status: 'placed', sid: 'sid-w' });
  const full = lockOf({
    [old]: entry({ status: 'placed', sid: 'sid-old' }),
    'default/welcome': welcome,
  });
  // As an earlier run without retention left them: the lockfile and its copy alike.
  await writeLockfileAtomic(site.lockPath, full);
  await writeCopy(site.stateDir, full);
  const retention: Retention = {
    calls: () => [{ name: 'daily', schedule: { deadlineMs: 60_000 } }],
    keepMs: 24 * 60 * 60 * 1000,
  };
  const store = openFileStore({ ...site, retention });
  expect((await store.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  await store.close();
  // What the dropped entry said stays as the call's prunedThrough.
  const memory = {
    since: '2020-01-01T09:00:00.000Z',
    prunedThrough: '2020-01-01T09:00:00.000Z',
    rang: { numbers: {} },
  };
  const pruned = serializeLockfile({
    ...lockOf({ 'default/welcome': welcome }),
    schedules: { 'default/daily': memory },
  });
  expect(await readFile(site.lockPath, 'utf8')).toBe(pruned);
  expect(await readFile(writtenPath(site.stateDir), 'utf8')).toBe(pruned);
  // A crash between the two writes leaves the copy unpruned: its expired entry is not missing.
  await writeCopy(site.stateDir, full);
  const next = openFileStore({ ...site, retention });
  expect((await next.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  expect(Object.keys((await next.read()).lock.calls)).toEqual(['default/welcome']);
  await next.close();
  // Without retention (a keep that no longer lets it go) the lockfile's memory says the entry
  // was let go through its slot: not missing. One that lacks the memory too moved backwards.
  await writeCopy(site.stateDir, full);
  const strict = openFileStore(site);
  expect((await strict.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  await strict.close();
  await writeLockfileAtomic(site.lockPath, lockOf({ 'default/welcome': welcome }));
  await writeCopy(site.stateDir, full);
  const lost = openFileStore(site);
  await expect(lost.lock({ command: 'callops apply', now: new Date() })).rejects.toThrow(
    /moved backwards/,
  );
});

test('state.keep: a lockfile put back without the memory of what was let go is refused; one holding its entry is not', async () => {
  const site = await siteIn();
  const old = 'default/daily@2020-01-01T09:00:00.000Z';
  const welcome = entry({ status: 'placed', sid: 'sid-w' });
  const full = lockOf({
    [old]: entry({ status: 'placed', sid: 'sid-old' }),
    'default/welcome': welcome,
  });
  const retention: Retention = {
    calls: () => [{ name: 'daily', schedule: { deadlineMs: 60_000 } }],
    keepMs: 24 * 60 * 60 * 1000,
  };
  await writeLockfileAtomic(site.lockPath, full);
  const store = openFileStore({ ...site, retention });
  expect((await store.lock({ command: 'callops apply', now: new Date() })).ok).toBe(true);
  await store.close();
  const pruned = await readFile(site.lockPath, 'utf8');
  expect(pruned).toContain('"prunedThrough": "2020-01-01T09:00:00.000Z"');
  // Put back from before the entry was let go: it still holds it, which becomes the memory.
  await writeLockfileAtomic(site.lockPath, full);
  expect(Object.keys((await openFileStore({ ...site, retention }).read()).lock.calls)).toEqual([
    'default/welcome',
  ]);
  // Put back as another copy left it, with neither the entry nor its memory: the slot let go
  // would be due again (a deadline raised later), as if it were never placed.
  const forgot = serializeLockfile(lockOf({ 'default/welcome': welcome }));
  await writeFile(site.lockPath, forgot);
  const refused = openFileStore({ ...site, retention, use: 'send' });
  await expect(refused.lock({ command: 'callops apply', now: new Date() })).rejects.toThrow(
    /^callops\.lock has moved backwards: the schedule memory recorded in \.callops\/ of 1 call is missing from callops\.lock or older there \(default\/daily\): .* so nothing was sent\. `callops state pull` writes it back into callops\.lock/,
  );
  await expect(openFileStore({ ...site, retention }).read()).rejects.toThrow(
    /an apply would forget calls whose entries were let go/,
  );
  expect(await readFile(site.lockPath, 'utf8')).toBe(forgot);
  expect(await readFile(writtenPath(site.stateDir), 'utf8')).toBe(pruned);
});

test('a run lock the system cannot write (a read-only file system) is one line naming it: nothing was sent', async () => {
  const root = await tempDir();
  // A file where the project's folder should be: creating `.callops/` in it fails (ENOTDIR).
  await writeFile(join(root, 'project'), '');
  const site = {
    stateDir: join(root, 'project', '.callops'),
    lockPath: join(root, 'project', 'callops.lock'),
  };
  const store = openFileStore({ ...site, use: 'send' });
  await expect(store.lock({ command: 'callops apply', now: new Date() })).rejects.toThrow(
    /^cannot take the run lock \.callops\/run\.lock: .*ENOTDIR.*; nothing was sent$/,
  );
  // A command that sends nothing says what it did not do.
  const resolve = openFileStore({ ...site, use: 'record' });
  await expect(resolve.lock({ command: 'callops resolve', now: new Date() })).rejects.toThrow(
    /^cannot take the run lock \.callops\/run\.lock: .*ENOTDIR.*; nothing was recorded$/,
  );
});

test('a journal that cannot be removed once the lockfile is written: said so, nothing lost', async () => {
  const site = await siteIn();
  const store = await placedA(site);
  // `.callops/` turned unwritable for the journal's removal: a directory in its place.
  const journal = join(site.stateDir, 'journal.jsonl');
  await rm(journal);
  await mkdir(journal);
  await writeFile(join(journal, 'x'), '');
  await expect(store.persist()).rejects.toThrow(
    /^cannot remove the journal \.callops\/journal\.jsonl: a directory is in its place \(EISDIR\); callops\.lock holds every placement/,
  );
  // The lockfile was written first: the placement is there.
  expect(JSON.parse(await readFile(site.lockPath, 'utf8')).calls.a).toMatchObject({
    status: 'placed',
    sid: 'sid-a',
  });
  await rm(journal, { recursive: true });
  await store.close();
});
