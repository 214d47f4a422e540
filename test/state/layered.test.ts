import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/execute/outcome.js';
import { keysBetween, summaryOf, summaryOrLayered } from '../../src/state/calls-summary.js';
import { layersOf } from '../../src/state/layered.js';
import { indexedLockfile } from '../../src/state/lock-index.js';
import {
  lockfileChanged,
  serializeLockfile,
  writeLockfileAtomic,
} from '../../src/state/lockfile.js';
import { draftLock } from '../../src/state/record.js';
import { pruneExpired } from '../../src/state/retention.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';
import { saveLockfile } from '../../src/state/written.js';
import { entry, lockOf, minutelyEntries, SLOTS_START, slotOf, tempDir } from './helpers.js';

const START = SLOTS_START;

/** A lockfile above INDEX_MIN_BYTES, with an unknown entry and a one-off call among the slots. */
const bigLock = (n = 6000): Lockfile => {
  const calls = minutelyEntries(n);
  calls['p/maybe'] = entry({ status: 'unknown', message: 'timed out' });
  calls['p/once'] = entry({ status: 'placed', sid: 'S-once' });
  calls['p/ünïcode "quoted" \\ key'] = entry({ status: 'placed', sid: 'S-u' });
  return lockOf(calls);
};

const placed = (key: string, sid: string): Outcome => ({
  key,
  status: 'placed',
  sid,
  at: '2026-11-30T09:00:00.000Z',
});

const meta = { definition: 'sha256:def', file: 'calls/new.yaml' };

/** The big lock saved and read back through its index. */
const indexed = async (lock = bigLock()) => {
  const root = await tempDir();
  const stateDir = join(root, '.callops');
  const lockPath = join(root, 'callops.lock');
  await saveLockfile(stateDir, lockPath, lock);
  const read = await indexedLockfile(stateDir, lockPath);
  if (read === undefined || summaryOf(read.calls) === undefined) throw new Error('not indexed');
  return { root, stateDir, lockPath, read };
};

describe('changes layered over a lockfile read through its index', () => {
  it('read, list, spread, range and write as a copy of every entry with the changes made', async () => {
    const { lockPath, read } = await indexed();
    const draft = draftLock(read);
    // A key sorting first, one last, one among the slots, an unknown settled and one made.
    const outcomes = [
      placed('a/first', 'S-1'),
      placed('z/last', 'S-2'),
      placed(`p/minutely@${slotOf(10)}x`, 'S-3'),
      placed('p/maybe', 'S-4'),
      { key: 'p/later', status: 'unknown', at: '2026-11-30T09:00:00.000Z' } satisfies Outcome,
    ];
    for (const o of outcomes) expect(draft.record(o, meta)).toBe(true);
    const layered = draft.lock;
    expect(layersOf(layered.calls)).toBeDefined();

    // The same through a plain copy of every entry, changed the same way.
    const plain = draftLock(bigLock());
    for (const o of outcomes) plain.record(o, meta);
    const expected = plain.lock;
    expect(layersOf(expected.calls)).toBeUndefined();

    const sorted = Object.keys(expected.calls).sort();
    expect(Object.keys(layered.calls)).toEqual(sorted);
    for (const key of sorted) expect(layered.calls[key]).toEqual(expected.calls[key]);
    expect({ ...layered.calls }).toEqual({ ...expected.calls });
    expect('p/later' in layered.calls).toBe(true);
    expect(layered.calls['p/absent']).toBeUndefined();
    expect(keysBetween(layered.calls, 'p/', 'p/\uffff')).toEqual(
      sorted.filter((k) => k.startsWith('p/')),
    );
    expect(keysBetween(layered.calls, 'a', 'b')).toEqual(['a/first']);
    const summary = summaryOrLayered(layered.calls);
    expect(summary?.count).toBe(sorted.length);
    expect(summary?.unknown).toEqual(['p/later']);
    expect(summaryOf(layered.calls)).toBeUndefined();

    expect(lockfileChanged(read, layered)).toBe(true);
    expect(lockfileChanged(expected, layered)).toBe(false);
    expect(serializeLockfile(layered)).toBe(serializeLockfile(expected));

    // Written over the very file its entries are read from: the bytes a full write gives.
    await writeLockfileAtomic(lockPath, layered);
    expect(await readFile(lockPath, 'utf8')).toBe(serializeLockfile(expected));
    // Its entries still read as they were, from the file as it was when read.
    for (const key of sorted.slice(0, 50)) expect(layered.calls[key]).toEqual(expected.calls[key]);
  });

  it('layers a second batch over the first: each copy given out stays as it was', async () => {
    const { read } = await indexed();
    const draft = draftLock(read);
    draft.record(placed('p/one', 'S-1'), meta);
    const first = draft.lock;
    draft.record(placed('p/two', 'S-2'), meta);
    const second = draft.lock;
    expect(first.calls['p/two']).toBeUndefined();
    expect(second.calls['p/one']?.sid).toBe('S-1');
    expect(second.calls['p/two']?.sid).toBe('S-2');
    expect(layersOf(second.calls)?.base).toBe(read.calls);
    expect(lockfileChanged(first, second)).toBe(true);
    // Recording what an entry already says changes nothing: the same copy, unchanged.
    expect(draft.record(placed('p/two', 'S-2'), meta)).toBe(false);
    expect(draft.lock).toBe(second);
    expect(lockfileChanged(second, { ...second })).toBe(false);
  });

  it('lets expired slots go as a plain copy does, and keeps them while none expired', async () => {
    const { read } = await indexed();
    const draft = draftLock(read);
    draft.record(placed('p/one', 'S-1'), meta);
    const layered = draft.lock;
    const calls = [{ name: 'minutely', schedule: { deadlineMs: 600_000 } }] as never;
    const keepAll = pruneExpired(layered, { calls, keepMs: 3_650 * 86_400_000, now: new Date() });
    expect(keepAll).toBe(layered);
    const now = new Date(START + 3000 * 60_000);
    const pruned = pruneExpired(layered, { calls, keepMs: 0, now });
    const plain = pruneExpired(
      { ...layered, calls: { ...layered.calls } },
      { calls, keepMs: 0, now },
    );
    expect(serializeLockfile(pruned)).toBe(serializeLockfile(plain));
    expect(Object.keys(pruned.calls).length).toBeLessThan(Object.keys(layered.calls).length);
  });

  it('becomes a plain copy when changed in place, and reads as such', async () => {
    const { read } = await indexed();
    const draft = draftLock(read);
    draft.record(placed('p/one', 'S-1'), meta);
    const calls = draft.lock.calls;
    const more = entry({ status: 'placed', sid: 'S-9' });
    (calls as Record<string, LockEntry>)['p/nine'] = more;
    expect(layersOf(calls)).toBeUndefined();
    expect(calls['p/nine']).toBe(more);
    expect(calls['p/one']?.sid).toBe('S-1');
    expect(Object.keys(calls)).toContain('p/nine');
  });

  it('is not used for a lockfile read in full, nor once its file changed before the change', async () => {
    const { lockPath, stateDir } = await indexed();
    const small = draftLock(lockOf({ 'p/a': entry() }));
    small.record(placed('p/b', 'S-b'), meta);
    expect(layersOf(small.lock.calls)).toBeUndefined();

    const read = (await indexedLockfile(stateDir, lockPath)) as Lockfile;
    // The file replaced (another writer) between the read and the first change: its entries
    // can no longer be read through the index, and the change says so, as before.
    await writeFile(lockPath, serializeLockfile(lockOf({ 'p/other': entry() })));
    const draft = draftLock(read);
    expect(() => draft.record(placed('p/b', 'S-b'), meta)).toThrow(/changed while callops/);
  });
});
