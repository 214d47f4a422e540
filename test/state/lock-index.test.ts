import { readdirSync, readlinkSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unsettledEntries } from '../../src/report/unsettled.js';
import { keysBetween, summaryOf } from '../../src/state/calls-summary.js';
import {
  INDEX_FILE,
  INDEX_MIN_BYTES,
  indexedLockfile,
  KEPT_OPEN,
} from '../../src/state/lock-index.js';
import { readLockfile, serializeLockfile } from '../../src/state/lockfile.js';
import { draftLock } from '../../src/state/record.js';
import { pruneExpired } from '../../src/state/retention.js';
import type { Lockfile } from '../../src/state/types.js';
import { readWritten, saveLockfile, writtenPath } from '../../src/state/written.js';
import { entry, lockOf, minutelyEntries, SLOTS_START, slotOf, tempDir } from './helpers.js';

const START = SLOTS_START;

/** A lockfile above INDEX_MIN_BYTES: per-minute slots, one unknown, odd keys among them. */
const bigLock = (n = 8000): Lockfile => {
  const calls = minutelyEntries(n);
  calls['p/ünïcode "quoted" \\ key'] = entry({ status: 'placed', sid: 'S-u' });
  calls['p/0'] = entry({ status: 'failed' });
  calls['p/maybe'] = entry({ status: 'unknown', message: 'timed out' });
  calls['p/replaced'] = entry({
    status: 'placed',
    sid: 'S-new',
    history: [{ sid: 'S-old', at: '2026-11-24T09:00:00.000Z' }],
    outcome: {
      status: 'completed',
      sip_status: 200,
      duration: 3,
      answered: true,
      ended_at: '2026-11-24T10:01:00.000Z',
    },
  });
  return lockOf(calls);
};

const project = async () => {
  const root = await tempDir();
  return { stateDir: join(root, '.callops'), lockPath: join(root, 'callops.lock') };
};

/**
 * The big lock saved with its copy and index, read through the index with the copy as its
 * twin, and listed: its file open, its keys in memory.
 */
const openedWithCopy = async () => {
  const { stateDir, lockPath } = await project();
  const lock = bigLock();
  await saveLockfile(stateDir, lockPath, lock);
  const read = (await indexedLockfile(stateDir, lockPath, writtenPath(stateDir))) as Lockfile;
  const sorted = Object.keys(lock.calls).sort();
  expect(Object.keys(read.calls)).toEqual(sorted);
  return { stateDir, lockPath, lock, read, sorted };
};

/** Moves number `i` of one of the index's lists by `delta`: an index that lies about one entry. */
const shiftInIndex = async (
  stateDir: string,
  list: 'heads' | 'lengths',
  i: number,
  delta: number,
): Promise<void> => {
  const path = join(stateDir, INDEX_FILE);
  const index = JSON.parse(await readFile(path, 'utf8')) as Record<string, string>;
  const numbers = Buffer.from(index[list] as string, 'base64');
  numbers.writeUInt32LE(numbers.readUInt32LE(4 * i) + delta, 4 * i);
  await writeFile(path, JSON.stringify({ ...index, [list]: numbers.toString('base64') }));
};

describe('the lockfile index', () => {
  it('reads a large lockfile callops wrote through the index: the same lock', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    expect((await stat(lockPath)).size).toBeGreaterThan(INDEX_MIN_BYTES);
    const indexed = await indexedLockfile(stateDir, lockPath);
    expect(indexed).toBeDefined();
    const calls = indexed?.calls as Lockfile['calls'];
    expect(summaryOf(calls)).toEqual({
      count: Object.keys(lock.calls).length,
      unknown: ['p/maybe'],
      earliest: { minutely: START },
    });
    // Looked up one by one, before anything lists the keys.
    for (const key of [
      'p/ünïcode "quoted" \\ key',
      'p/0',
      'p/replaced',
      `p/minutely@${slotOf(17)}`,
    ])
      expect(calls[key]).toEqual(lock.calls[key]);
    expect(calls['p/absent']).toBeUndefined();
    expect(calls.constructor).toBeUndefined();
    expect('p/maybe' in calls).toBe(true);
    expect('p/absent' in calls).toBe(false);
    // Listed: the whole file.
    expect(Object.keys(calls)).toEqual(Object.keys(lock.calls).sort());
    expect(serializeLockfile(indexed as Lockfile)).toBe(await readFile(lockPath, 'utf8'));
    // The copy is the same bytes: the same lock, so nothing can be behind.
    expect(await readWritten(stateDir, lockPath)).toBe(indexed);
  });

  it('answers every lookup of a run that looks up thousands as the lock does (the file read once)', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const calls = (await indexedLockfile(stateDir, lockPath))?.calls as Lockfile['calls'];
    const keys = Object.keys(lock.calls);
    // Looked up in an order unlike the file's, with absent keys between them, each twice.
    const order = [...keys].reverse().flatMap((k, i) => [k, `${k}~`, i % 7 === 0 ? 'p/' : k]);
    for (const key of order) expect(calls[key]).toEqual(lock.calls[key]);
    expect('p/maybe' in calls).toBe(true);
    expect(calls['p/absent']).toBeUndefined();
    expect(Object.keys(calls)).toEqual([...keys].sort());
  });

  it('reads entries walked in order a piece ahead, as the lock holds them, big entries and jumps alike', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    // Entries longer than what one read ahead holds, among the others.
    const calls = { ...lock.calls };
    for (const i of [10, 11, 3000, 5999]) {
      calls[`p/minutely@${slotOf(i)}`] = entry({
        status: 'failed',
        message: `${i}`.repeat(40_000),
      });
    }
    const big = lockOf(calls);
    await saveLockfile(stateDir, lockPath, big);
    const indexed = (await indexedLockfile(stateDir, lockPath))?.calls as Lockfile['calls'];
    const sorted = Object.keys(big.calls).sort();
    // Onward with small skips (every entry, every third, every seventeenth), then back and on.
    const order = [
      ...sorted,
      ...sorted.filter((_, i) => i % 3 === 0),
      ...sorted.filter((_, i) => i % 17 === 0),
      ...sorted.slice(2000, 2100).reverse(),
      ...sorted.slice(5990, 6010),
    ];
    for (const key of order) expect(indexed[key]).toEqual(big.calls[key]);
  });

  it('reads the copy once the lockfile is written over in place, never the entries of other bytes', async () => {
    const { lockPath, lock, read, sorted } = await openedWithCopy();
    // `cp` of another checkout's lockfile over it: the same file, other bytes at each offset
    // (every sid one character longer, so each entry's bytes are its neighbour's).
    const other = lockOf(
      Object.fromEntries(
        Object.entries(lock.calls).map(([k, e]) => [k, { ...e, sid: `${e.sid ?? ''}x` }]),
      ),
    );
    await writeFile(lockPath, serializeLockfile(other));
    for (const key of sorted) expect(read.calls[key]).toEqual(lock.calls[key]);
    // Written with a change layered over it: every other entry as the copy holds it.
    const draft = draftLock(read);
    draft.record(
      { key: 'p/new', status: 'placed', sid: 'S-new', at: '2026-11-30T09:00:00Z' },
      {
        definition: 'sha256:d',
        file: 'calls/new.yaml',
      },
    );
    const expected = draftLock(bigLock());
    expected.record(
      { key: 'p/new', status: 'placed', sid: 'S-new', at: '2026-11-30T09:00:00Z' },
      {
        definition: 'sha256:d',
        file: 'calls/new.yaml',
      },
    );
    expect(serializeLockfile(draft.lock)).toBe(serializeLockfile(expected.lock));
  });

  it('fails, rather than read other bytes, once the lockfile is written over and its copy is gone', async () => {
    const { stateDir, lockPath, read, sorted } = await openedWithCopy();
    await rm(writtenPath(stateDir));
    const text = await readFile(lockPath, 'utf8');
    await writeFile(lockPath, text.replaceAll('"sid-', '"SID-'));
    expect(() => read.calls[sorted[100] as string]).toThrow(/was written over in place/);
  });

  it('lists a large lockfile from its index: keys without reading entries, each read when read', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const sorted = Object.keys(lock.calls).sort();
    // Entry 4000 made unreadable through the index: its length cut short of its `}`.
    await shiftInIndex(stateDir, 'lengths', 4000, -3);
    const calls = (await indexedLockfile(stateDir, lockPath))?.calls as Lockfile['calls'];
    // Listing reads no entry: the broken one is not met.
    expect(Object.keys(calls)).toEqual(sorted);
    expect(Object.keys(calls)).toEqual(sorted);
    // Each entry is what the lock holds, read when it is read.
    for (const key of sorted.slice(0, 4000)) expect(calls[key]).toEqual(lock.calls[key]);
    expect(Object.getOwnPropertyDescriptor(calls, 'p/absent')).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(calls, sorted[1] as string)?.enumerable).toBe(true);
    // Reading them all meets the broken one.
    expect(() => Object.entries(calls)).toThrow(/entry .* does not match .*lock-index\.json/);
    expect(() => ({ ...calls })).toThrow(/does not match/);
  });

  it('finds the keys of a range from its index, one search or many, as a full read does', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const calls = (await indexedLockfile(stateDir, lockPath))?.calls as Lockfile['calls'];
    const ranges: [string, string][] = [
      [`p/minutely@${slotOf(17)}`, `p/minutely@${slotOf(19)}`],
      ['p/minutely@2025', `p/minutely@${slotOf(1)}`],
      [`p/minutely@${slotOf(7999)}`, 'p/minutely@9999'],
      ['p/minutely@2027', 'p/minutely@9999'],
      ['p/', 'p/1'],
      ['q/', 'r/'],
    ];
    const expected = ranges.map(([lo, hi]) => keysBetween({ ...lock.calls }, lo, hi));
    expect(expected.slice(0, 4)).toEqual([
      [`p/minutely@${slotOf(17)}`, `p/minutely@${slotOf(18)}`, `p/minutely@${slotOf(19)}`],
      [`p/minutely@${slotOf(0)}`, `p/minutely@${slotOf(1)}`],
      [`p/minutely@${slotOf(7999)}`],
      [],
    ]);
    // Searched in the file first, then (past many lookups) among its keys in memory.
    for (let round = 0; round < 300; round++) {
      for (const [i, [lo, hi]] of ranges.entries()) {
        expect(keysBetween(calls, lo, hi)).toEqual(expected[i]);
      }
    }
  });

  it('answers many lookups from the file as it was, though it is replaced meanwhile', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const calls = (await indexedLockfile(stateDir, lockPath))?.calls as Lockfile['calls'];
    const keys = Object.keys(lock.calls).sort();
    for (const key of keys.slice(0, 300)) expect(calls[key]).toEqual(lock.calls[key]);
    // A newer lockfile takes its place, as every write does (a rename).
    const other = join(stateDir, 'other.lock');
    await writeFile(other, serializeLockfile(bigLock(10)));
    await rename(other, lockPath);
    for (const key of keys.slice(300)) expect(calls[key]).toEqual(lock.calls[key]);
    expect(Object.keys(calls)).toEqual(keys);
  });

  it('keeps few lockfiles open however many are read, and opens one again when it is read', async () => {
    // Each project's lockfile its own: 'p/0' says which, and shifts every entry after it.
    const lockFor = (n: number): Lockfile => {
      const base = bigLock(6000);
      return lockOf({
        ...base.calls,
        'p/0': entry({ status: 'failed', message: 'x'.repeat(n + 1) }),
      });
    };
    const keys = Object.keys(lockFor(0).calls).sort();
    const paths: string[] = [];
    const views: Lockfile['calls'][] = [];
    for (let n = 0; n < KEPT_OPEN + 2; n++) {
      const { stateDir, lockPath } = await project();
      const lock = lockFor(n);
      await saveLockfile(stateDir, lockPath, lock);
      paths.push(lockPath);
      const indexed = await indexedLockfile(stateDir, lockPath);
      expect(indexed).toBeDefined();
      const calls = indexed?.calls as Lockfile['calls'];
      for (const key of keys.slice(0, 300)) expect(calls[key]).toEqual(lock.calls[key]);
      views.push(calls);
    }
    const openLockfiles = (): number =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return paths.includes(readlinkSync(`/proc/self/fd/${fd}`));
        } catch {
          return false;
        }
      }).length;
    expect(openLockfiles()).toBe(KEPT_OPEN);
    // The first was closed to keep that bound: read again, it is opened again.
    const first = views[0] as Lockfile['calls'];
    const lock = lockFor(0);
    for (const key of keys.slice(-300)) expect(first[key]).toEqual(lock.calls[key]);
    expect(first['p/0']?.message).toBe('x');
    expect(openLockfiles()).toBe(KEPT_OPEN);
  });

  it('refuses an entry that is not where the index says, one lookup or many', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const sorted = Object.keys(lock.calls).sort();
    // The index of another lockfile of the same size: its offsets point into other lines.
    await shiftInIndex(stateDir, 'heads', 4000, 1);
    const calls = (await indexedLockfile(stateDir, lockPath))?.calls as Lockfile['calls'];
    // Looked up alone: the search reads that line.
    expect(() => calls[sorted[4000] as string]).toThrow(/line 4001 does not match/);
    // Among many: every key is read once, that one too.
    expect(() => {
      for (const key of sorted.slice(0, 1000)) void calls[key];
    }).toThrow(/line 4001 does not match .*lock-index\.json/);
  });

  it('reports unknown entries and lets expired ones go as a full read does', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const indexed = (await indexedLockfile(stateDir, lockPath)) as Lockfile;
    expect(unsettledEntries(indexed, []).map((u) => u.key)).toEqual(['p/maybe']);
    const calls = [{ name: 'minutely', schedule: { deadlineMs: 60_000 } }];
    const keep = (days: number) => ({
      calls,
      now: new Date(START + 10 * 86_400_000),
      keepMs: days * 86_400_000,
    });
    expect(pruneExpired(indexed, keep(30))).toBe(indexed);
    // 10 days after the first slot, keeping 9 days: the slots of the first day go.
    const pruned = pruneExpired(indexed, keep(9));
    expect(Object.keys(pruned.calls).length).toBeLessThan(Object.keys(lock.calls).length);
    expect(pruned).toEqual(pruneExpired(lock, keep(9)));
  });

  it('is not used once either file changed behind it, or when it is broken', async () => {
    const { stateDir, lockPath } = await project();
    const lock = bigLock();
    await saveLockfile(stateDir, lockPath, lock);
    const text = await readFile(lockPath, 'utf8');
    // The same bytes, written by something else (git checkout): read in full.
    await writeFile(lockPath, text);
    expect(await indexedLockfile(stateDir, lockPath)).toBeUndefined();
    const full = await readLockfile(lockPath);
    expect('lock' in full && summaryOf(full.lock.calls)).toBe(undefined);
    // The copy is still as indexed: read through the index, from the copy itself.
    const copy = await readWritten(stateDir, lockPath);
    expect(copy && summaryOf(copy.calls)).toBeDefined();
    expect(copy && Object.keys(copy.calls)).toEqual(Object.keys(lock.calls).sort());

    await saveLockfile(stateDir, lockPath, lock);
    await writeFile(join(stateDir, INDEX_FILE), '{"version":1');
    expect(await indexedLockfile(stateDir, lockPath)).toBeUndefined();
    await rm(join(stateDir, INDEX_FILE));
    expect(await indexedLockfile(stateDir, lockPath)).toBeUndefined();
  });

  it('is not written for a small lockfile, and forgotten when the files are written again', async () => {
    const { stateDir, lockPath } = await project();
    await saveLockfile(stateDir, lockPath, bigLock());
    expect(await indexedLockfile(stateDir, lockPath)).toBeDefined();
    await saveLockfile(
      stateDir,
      lockPath,
      lockOf({ 'p/a': entry({ status: 'placed', sid: 'S' }) }),
    );
    await expect(stat(join(stateDir, INDEX_FILE))).rejects.toThrow(/ENOENT/);
    expect(await indexedLockfile(stateDir, lockPath)).toBeUndefined();
  });
});
