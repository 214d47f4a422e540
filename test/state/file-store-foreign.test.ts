import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import { HOLD_SYNC_ENV } from '../../src/state/failpoint.js';
import { openFileStore } from '../../src/state/file-store.js';
import { INDEX_MIN_BYTES } from '../../src/state/lock-index.js';
import {
  type LockfileWrite,
  readLockfile,
  serializeLockfile,
  writeLockfileAtomic,
} from '../../src/state/lockfile.js';
import { RunLockLost } from '../../src/state/runlock.js';
import { type Claim, OutcomeJournaled, type StateStore } from '../../src/state/store.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import { writeCopy, writtenPath } from '../../src/state/written.js';
import { entry, lockOf, tempDir } from './helpers.js';

/**
 * callops.lock changed by another writer while a runner holds the file store: a `git pull` of
 * placements made on another host, an older copy put back, another run's write once this one
 * lost its run lock. The runner takes the file in (reread, and before each write), keeping
 * its own records, and never places again what either side holds as placed.
 */

const meta = { definition: 'sha256:d', file: 'calls/a.yaml' };
/** What reading a lockfile written over in place, with no copy to read instead, says. */
const READ_OVER = /was written over in place|changed while callops was reading it/;
const T1 = '2026-11-24T10:00:00.000Z';
const T2 = '2026-11-24T11:00:00.000Z';

const claimOf = (key: string, fields: Partial<Claim> = {}): Claim => ({
  key,
  target: 'sim',
  attempt: 1,
  ...meta,
  ...fields,
});
const placedOutcome = (key: string, sid: string, at = T2): Outcome & typeof meta => ({
  key,
  status: 'placed',
  sid,
  callId: `call-${sid}`,
  at,
  attempts: 1,
  ...meta,
});
const placed = (sid: string, at = T1): LockEntry =>
  entry({ status: 'placed', sid, callId: `call-${sid}`, at });

const open: StateStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close().catch(() => undefined);
});

const siteIn = async () => {
  const root = await tempDir();
  return { root, stateDir: join(root, '.callops'), lockPath: join(root, 'callops.lock') };
};

type Site = Awaited<ReturnType<typeof siteIn>>;

/** A runner holding the run lock; its warnings are collected. */
const runnerOn = async (site: Site) => {
  const warnings: string[] = [];
  const store = openFileStore({ ...site, warn: (m) => warnings.push(m) });
  open.push(store);
  expect((await store.lock({ command: 'callops run', now: new Date() })).ok).toBe(true);
  return { store, warnings };
};

/** Claims and records `key` placed with `sid`, as a batch of a run does. */
const place = async (store: StateStore, key: string, sid: string, at = T2) => {
  expect(await store.claim(claimOf(key))).toBe(true);
  await store.record(placedOutcome(key, sid, at));
};

const fileLock = async (path: string): Promise<Lockfile> => {
  const read = await readLockfile(path);
  if ('error' in read) throw new Error(read.error.message);
  return read.lock;
};

/** What another writer does to callops.lock: git writes a new file (a new inode). */
const writeElsewhere = async (site: Site, change: (lock: Lockfile) => Lockfile) => {
  const before = existsSync(site.lockPath) ? await fileLock(site.lockPath) : lockOf({});
  await writeLockfileAtomic(site.lockPath, change(before));
};

describe('a lockfile another writer changed while the run holds it', () => {
  it('is taken in: its placements are never placed again, the run keeps its own, both files hold all', async () => {
    const site = await siteIn();
    const { store, warnings } = await runnerOn(site);
    await place(store, 'sim/own', 'S-own');
    await store.persist();
    expect(await store.reread()).toBe(false);
    // `git pull`: the call x1 was placed on another host, and so was an entry this run never knew.
    await writeElsewhere(site, (lock) => ({
      ...lock,
      calls: { ...lock.calls, 'sim/x1': placed('S-x1'), 'sim/pulled-only': placed('S-pulled') },
    }));
    expect(await store.reread()).toBe(true);
    expect(await store.reread()).toBe(false);
    const { calls } = (await store.read()).lock;
    expect(Object.keys(calls).sort()).toEqual(['sim/own', 'sim/pulled-only', 'sim/x1']);
    expect(calls['sim/x1']?.sid).toBe('S-x1');
    expect(await store.claim(claimOf('sim/x1'))).toEqual({ recorded: 'placed' });
    await place(store, 'sim/later', 'S-later');
    await store.close();
    for (const path of [site.lockPath, writtenPath(site.stateDir)]) {
      const sids = Object.values((await fileLock(path)).calls).map((e) => e.sid);
      expect(sids.sort()).toEqual(['S-later', 'S-own', 'S-pulled', 'S-x1']);
    }
    expect(warnings).toEqual([]);
  });

  it('is merged before each write, also without a reread: no entry of the other writer is lost', async () => {
    const site = await siteIn();
    const { store } = await runnerOn(site);
    await place(store, 'sim/a', 'S-a');
    await store.persist();
    await writeElsewhere(site, (lock) => ({
      ...lock,
      calls: { ...lock.calls, 'sim/b': placed('S-b') },
    }));
    await place(store, 'sim/c', 'S-c');
    await store.persist();
    const sids = Object.values((await fileLock(site.lockPath)).calls).map((e) => e.sid);
    expect(sids.sort()).toEqual(['S-a', 'S-b', 'S-c']);
  });

  it('moved backwards (an older copy, or removed): nothing becomes due, and the run writes its records back', async () => {
    const site = await siteIn();
    const { store } = await runnerOn(site);
    await place(store, 'sim/a', 'S-a');
    expect(await store.claim(claimOf('sim/u'))).toBe(true);
    await store.record({ key: 'sim/u', status: 'unknown', at: T2, message: 'timeout', ...meta });
    await store.persist();
    const written = await readFile(site.lockPath, 'utf8');
    // The copy from before this run placed anything: `sim/u` was failed then.
    await writeElsewhere(site, () =>
      lockOf({ 'sim/u': entry({ status: 'failed', at: T1, httpStatus: 480 }) }),
    );
    expect(await store.reread()).toBe(false);
    expect(await store.claim(claimOf('sim/a'))).toEqual({ recorded: 'placed' });
    expect(await store.claim(claimOf('sim/u'))).toEqual({ recorded: 'unknown' });
    await store.persist();
    expect(await readFile(site.lockPath, 'utf8')).toBe(written);
    await rm(site.lockPath);
    expect(await store.reread()).toBe(false);
    expect(await store.claim(claimOf('sim/a'))).toEqual({ recorded: 'placed' });
    await store.close();
    expect(await readFile(site.lockPath, 'utf8')).toBe(written);
  });

  it('one key placed here and elsewhere: the sid recorded here is kept, and a warning names both sids', async () => {
    const site = await siteIn();
    const { store, warnings } = await runnerOn(site);
    await place(store, 'sim/k', 'S-here', T2);
    await store.persist();
    await writeElsewhere(site, (lock) => ({
      ...lock,
      calls: { ...lock.calls, 'sim/k': placed('S-there', T1) },
    }));
    // Nothing taken in (the view is this run's), though the file's call is the earlier: the
    // sid recorded here is the one only this run holds.
    expect(await store.reread()).toBe(false);
    expect((await store.read()).lock.calls['sim/k']?.sid).toBe('S-here');
    expect(warnings).toEqual([
      `sim/k holds two sids: S-here at ${T2}, recorded here, and S-there at ${T1} in callops.lock as another writer left it (another run or host placed it too, or the file was edited); callops.lock keeps the one recorded here, S-here: check both with the gateway`,
    ]);
    // Said once, however often the file is read again.
    await store.persist();
    await writeElsewhere(site, (lock) => lock);
    await store.reread();
    expect(warnings).toHaveLength(1);
  });

  it('placed elsewhere while this run placed it: its answer is a second call, said with both sids', async () => {
    const site = await siteIn();
    const { store, warnings } = await runnerOn(site);
    expect(await store.claim(claimOf('sim/k'))).toBe(true);
    await writeElsewhere(site, (lock) => ({
      ...lock,
      calls: { ...lock.calls, 'sim/k': placed('S-there', T2) },
    }));
    await store.reread();
    // This run's call was placed first: it is the one kept.
    await store.record(placedOutcome('sim/k', 'S-here', T1));
    expect((await store.read()).lock.calls['sim/k']?.sid).toBe('S-here');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('S-here at');
    expect(warnings[0]).toContain('S-there at');
  });

  it('that cannot be read (merge-conflict markers) is refused, and the journal keeps the run’s records', async () => {
    const site = await siteIn();
    const { store } = await runnerOn(site);
    await place(store, 'sim/a', 'S-a');
    await writeFile(site.lockPath, '<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> theirs\n');
    await expect(store.reread()).rejects.toThrow(
      /^callops\.lock was changed by another writer while this run held it, and cannot be read: callops\.lock:1:1: .*nothing is lost/,
    );
    await expect(store.persist()).rejects.toThrow(/cannot be read/);
    expect(await readFile(join(site.stateDir, 'journal.jsonl'), 'utf8')).toContain('S-a');
  });

  it('a large lockfile read through its index: its entries are kept when the file is replaced', async () => {
    const site = await siteIn();
    const calls: Record<string, LockEntry> = {};
    const sid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 0; i < 4000; i++) calls[`sim/c${String(i).padStart(5, '0')}`] = placed(sid(i));
    const big = lockOf(calls);
    expect(Buffer.byteLength(serializeLockfile(big))).toBeGreaterThan(INDEX_MIN_BYTES);
    // As a run left it: the lockfile, its copy, and the index of both.
    const write: LockfileWrite = await writeLockfileAtomic(site.lockPath, big);
    await writeCopy(site.stateDir, big, write, site.lockPath);
    expect(existsSync(join(site.stateDir, 'lock-index.json'))).toBe(true);
    const { store } = await runnerOn(site);
    // An older copy put back: a tenth of the entries missing, one new one pulled in.
    const older = Object.fromEntries(Object.entries(calls).filter((_, i) => i % 10 !== 0));
    await writeElsewhere(site, () => lockOf({ ...older, 'sim/pulled': placed('S-pulled') }));
    expect(await store.reread()).toBe(true);
    const view = (await store.read()).lock;
    expect(Object.keys(view.calls)).toHaveLength(4001);
    expect(await store.claim(claimOf('sim/c00000'))).toEqual({ recorded: 'placed' });
    await store.close();
    expect(Object.keys((await fileLock(site.lockPath)).calls)).toHaveLength(4001);
  });

  it('written over in place with its copy gone: an outcome the view cannot take is journalled once, and recorded next', async () => {
    const site = await siteIn();
    const calls: Record<string, LockEntry> = {};
    const sid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 0; i < 4000; i++) calls[`sim/c${String(i).padStart(5, '0')}`] = placed(sid(i));
    // A call that failed before: tried again, its entry is read when its outcome is recorded.
    calls['sim/new'] = entry({ status: 'failed', message: 'HTTP 503' });
    const big = lockOf(calls);
    const write: LockfileWrite = await writeLockfileAtomic(site.lockPath, big);
    await writeCopy(site.stateDir, big, write, site.lockPath);
    const { store } = await runnerOn(site);
    // Listed: the file is open and read on demand from now on.
    const view = (await store.read()).lock.calls;
    expect(Object.keys(view)).toHaveLength(4001);
    expect(await store.claim(claimOf('sim/new'))).toBe(true);
    // Written over in place (the same bytes, `cat same.lock > callops.lock`), its copy gone:
    // the next entry read from it finds that out.
    const text = await readFile(site.lockPath, 'utf8');
    await writeFile(site.lockPath, text);
    await rm(writtenPath(site.stateDir));
    expect(() => view['sim/c00001']).toThrow(READ_OVER);
    const outcome = placedOutcome('sim/new', 'S-new');
    await expect(store.record(outcome)).rejects.toThrow(READ_OVER);
    // Said to be in the journal: its line asks nobody to settle it.
    await expect(store.record(outcome)).rejects.toBeInstanceOf(OutcomeJournaled);
    // Tried again (a run retries what it could not record): still one line in the journal.
    await expect(store.record(outcome)).rejects.toThrow(READ_OVER);
    const journal = await readFile(join(site.stateDir, 'journal.jsonl'), 'utf8');
    expect(journal.split('\n').filter((l) => l.includes('"S-new"'))).toHaveLength(1);
    await store.close().catch(() => undefined);
    // The next runner records it from the journal: placed, never due again.
    const next = await runnerOn(site);
    expect((await next.store.read()).lock.calls['sim/new']?.sid).toBe('S-new');
    expect(await next.store.claim(claimOf('sim/new'))).toEqual({ recorded: 'placed' });
  });
});

describe('a run lock removed while a claim is committed', () => {
  afterEach(() => {
    delete process.env[HOLD_SYNC_ENV];
  });

  it('rejects the claim once its intent is durable: the request never leaves, nor does any later', async () => {
    const site = await siteIn();
    const release = join(site.root, 'release');
    // Read when the journal opens (the first claim): each commit waits for the file.
    process.env[HOLD_SYNC_ENV] = release;
    const { store } = await runnerOn(site);
    const claim = store.claim(claimOf('sim/a'));
    for (let i = 0; i < 2000 && !existsSync(`${release}.reached`); i++) await sleep(5);
    expect(existsSync(`${release}.reached`)).toBe(true);
    // `git clean -X` between the intent's write and its commit: another run may take the lock.
    await rm(join(site.stateDir, 'run.lock'));
    await writeFile(release, '');
    await expect(claim).rejects.toBeInstanceOf(RunLockLost);
    await expect(store.claim(claimOf('sim/b'))).rejects.toBeInstanceOf(RunLockLost);
    // Its intent is closed as never sent: whoever folds the journal finds the call still due.
    const lines = (await readFile(join(site.stateDir, 'journal.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; key: string; status?: string });
    expect(lines.map((l) => `${l.type} ${l.key} ${l.status ?? ''}`.trim())).toEqual([
      'intent sim/a',
      'outcome sim/a failed',
    ]);
  });
});
