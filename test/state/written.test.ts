import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lockfile, ScheduleMemory } from '../../src/state/types.js';
import {
  changedSids,
  findMemoryRegression,
  findRegression,
  mergeWritten,
  readWritten,
  saveLockfile,
  unmarkedSettles,
  unmarkedSettlesText,
} from '../../src/state/written.js';
import { entry, lockOf, noAnswerOutcome, tempDir } from './helpers.js';

const T1 = '2026-11-24T10:00:00.000Z';
const T2 = '2026-11-24T11:00:00.000Z';

describe('saveLockfile / readWritten', () => {
  it('writes the lockfile and the same copy into the state directory', async () => {
    const root = await tempDir();
    const dir = join(root, '.callops');
    const lock = lockOf({ 'p/a': entry({ status: 'placed', sid: 'S1' }) });
    expect(await readWritten(dir)).toBeUndefined();
    await saveLockfile(dir, join(root, 'callops.lock'), lock);
    expect(await readFile(join(dir, 'written.lock'), 'utf8')).toBe(
      await readFile(join(root, 'callops.lock'), 'utf8'),
    );
    expect(await readWritten(dir)).toEqual(lock);
    await rm(join(root, 'callops.lock'));
    expect(await readWritten(dir)).toEqual(lock);
  });

  it('reads a copy whose entries were all let go, for the memory it holds', async () => {
    const root = await tempDir();
    const dir = join(root, '.callops');
    const lock: Lockfile = {
      ...lockOf({}),
      schedules: { 'p/tick': { since: T1, prunedThrough: T2, rang: { numbers: {} } } },
    };
    await saveLockfile(dir, join(root, 'callops.lock'), lock);
    expect(await readWritten(dir, join(root, 'callops.lock'))).toEqual(lock);
    await rm(join(root, 'callops.lock'));
    expect(await readWritten(dir, join(root, 'callops.lock'))).toEqual(lock);
    // One that holds neither an entry nor a memory is none.
    await saveLockfile(dir, join(root, 'callops.lock'), lockOf({}));
    expect(await readWritten(dir, join(root, 'callops.lock'))).toBeUndefined();
  });
});

describe('findRegression', () => {
  const written = lockOf({
    'p/placed': entry({ status: 'placed', sid: 'S1', at: T1 }),
    'p/unknown': entry({ status: 'unknown', at: T2 }),
    'p/failed': entry({ status: 'failed', at: T2 }),
  });

  it('finds nothing without a copy, or when the lockfile holds as much or more', () => {
    expect(findRegression(undefined, lockOf({}))).toEqual([]);
    expect(findRegression(written, written)).toEqual([]);
    const newer = lockOf({
      ...written.calls,
      'p/unknown': entry({ status: 'placed', sid: 'S2', at: T2 }),
      'p/other': entry({ status: 'placed', sid: 'S3' }),
    });
    expect(findRegression(written, newer)).toEqual([]);
    // An unknown entry settled as not placed (`callops resolve`, which keeps the attempt's
    // time and leaves its mark), or a later attempt that failed: newer.
    const settled = lockOf({
      ...written.calls,
      'p/unknown': entry({
        status: 'failed',
        at: T2,
        message: 'settled by hand: not placed',
        resolvedBy: 'hand',
      }),
    });
    expect(findRegression(written, settled)).toEqual([]);
    const later = lockOf({
      ...written.calls,
      'p/unknown': entry({ status: 'failed', at: '2026-11-24T12:00:00.000Z' }),
    });
    expect(findRegression(written, later)).toEqual([]);
  });

  it('finds an unknown entry made failed at its own time without the mark of a settle', () => {
    const edited = lockOf({ ...written.calls, 'p/unknown': entry({ status: 'failed', at: T2 }) });
    expect(findRegression(written, edited)).toEqual(['p/unknown']);
    expect(unmarkedSettles(written, edited, ['p/unknown'])).toEqual(['p/unknown']);
    expect(unmarkedSettlesText(['p/unknown'], 'callops.lock')).toBe(
      'callops.lock holds 1 unknown call as failed without the mark `callops resolve` leaves (resolvedBy): p/unknown, recorded unknown in .callops/ (the call may have been placed).',
    );
    // `state pull` puts the entry back as recorded: unknown, to be settled properly.
    expect(mergeWritten(edited, written).lock.calls['p/unknown']?.status).toBe('unknown');
    // Older than recorded: a lockfile that moved backwards, said as such.
    const older = lockOf({ ...written.calls, 'p/unknown': entry({ status: 'failed', at: T1 }) });
    expect(findRegression(written, older)).toEqual(['p/unknown']);
    expect(unmarkedSettles(written, older, ['p/unknown'])).toEqual([]);
  });

  it('finds placed or unknown entries that are missing or older; never failed ones', () => {
    expect(findRegression(written, lockOf({}))).toEqual(['p/placed', 'p/unknown']);
    const older = lockOf({
      'p/placed': entry({ status: 'unknown', at: T1 }),
      'p/unknown': entry({ status: 'failed', at: T1 }),
    });
    expect(findRegression(written, older)).toEqual(['p/placed', 'p/unknown']);
  });
});

describe('findRegression of an entry the lockfile let go (state.keep)', () => {
  const N = 'sha256:1111111111111111';
  const M = 'sha256:2222222222222222';
  const SLOT = '2026-11-24T09:00:00Z';
  const AT = '2026-11-24T09:00:30.000Z';
  const placed = entry({ status: 'placed', sid: 'S1', at: AT, number: N });
  const written = lockOf({ [`p/tick@${SLOT}`]: placed, 'p/camp/r1@2026-11-24T09:00:00Z': placed });
  /** A lockfile that holds no entry, only the memories given. */
  const memoryOnly = (schedules: Record<string, ScheduleMemory>): Lockfile => ({
    ...lockOf({}),
    schedules,
  });
  const letGo = (fields: Partial<ScheduleMemory> = {}): ScheduleMemory => ({
    since: '2026-11-24T08:00:00.000Z',
    prunedThrough: '2026-11-24T09:00:00.000Z',
    rang: { numbers: { [N]: [AT] } },
    ...fields,
  });

  it('is not behind: the memory let go through its slot or later, and holds the call it rang', () => {
    const current = memoryOnly({ 'p/tick': letGo(), 'p/camp': letGo() });
    expect(findRegression(written, current)).toEqual([]);
    // state pull writes back nothing: the entry is only let go again.
    expect(mergeWritten(current, written).restored).toEqual([]);
    const later = letGo({
      prunedThrough: '2026-11-24T11:00:00.000Z',
      rang: { numbers: { [N]: ['2026-11-24T11:00:30.000Z'], [M]: [AT] }, cut: { [N]: AT } },
    });
    expect(findRegression(written, memoryOnly({ 'p/tick': later, 'p/camp': later }))).toEqual([]);
    const forgotten = letGo({ rang: { numbers: {}, forgotten: AT } });
    expect(
      findRegression(written, memoryOnly({ 'p/tick': forgotten, 'p/camp': forgotten })),
    ).toEqual([]);
    // A memory an earlier release wrote keeps none of the calls it let go.
    const { rang: _, ...earlier } = letGo();
    expect(findRegression(written, memoryOnly({ 'p/tick': earlier, 'p/camp': earlier }))).toEqual(
      [],
    );
  });

  it("is behind when the memory let go less, lacks the call, or is another call's", () => {
    const keys = [`p/camp/r1@${SLOT}`, `p/tick@${SLOT}`];
    const before = letGo({ prunedThrough: '2026-11-24T08:00:00.000Z' });
    expect(findRegression(written, memoryOnly({ 'p/tick': before, 'p/camp': before }))).toEqual(
      keys,
    );
    const { prunedThrough: _, ...none } = letGo();
    expect(findRegression(written, memoryOnly({ 'p/tick': none, 'p/camp': none }))).toEqual(keys);
    const lacking = letGo({ rang: { numbers: { [M]: [AT] } } });
    expect(findRegression(written, memoryOnly({ 'p/tick': lacking, 'p/camp': lacking }))).toEqual(
      keys,
    );
    const otherTime = letGo({ rang: { numbers: { [N]: ['2026-11-24T09:00:31.000Z'] } } });
    expect(
      findRegression(written, memoryOnly({ 'p/tick': otherTime, 'p/camp': otherTime })),
    ).toEqual(keys);
    expect(findRegression(written, memoryOnly({ 'p/other': letGo() }))).toEqual(keys);
    // An unscheduled call's entry is never let go.
    const once = lockOf({ 'p/once': placed });
    expect(findRegression(once, memoryOnly({ 'p/once': letGo() }))).toEqual(['p/once']);
  });

  it('takes an unknown call as one that may have rung: its number must be remembered', () => {
    const unknown = lockOf({
      [`p/tick@${SLOT}`]: entry({ status: 'unknown', at: AT, number: N }),
    });
    expect(findRegression(unknown, memoryOnly({ 'p/tick': letGo() }))).toEqual([]);
    const lacking = letGo({ rang: { numbers: {} } });
    expect(findRegression(unknown, memoryOnly({ 'p/tick': lacking }))).toEqual([`p/tick@${SLOT}`]);
  });
});

describe('findRegression of a placed entry whose sid changed', () => {
  const written = lockOf({
    'p/a': entry({ status: 'placed', sid: 'S1', at: T1 }),
    'p/b': entry({ status: 'placed', sid: 'S2', at: T1 }),
  });

  it('finds an entry holding another sid, also that of another key, and names both sids', () => {
    const edited = lockOf({
      'p/a': entry({ status: 'placed', sid: 'S9', at: T1 }),
      'p/b': entry({ status: 'placed', sid: 'S1', at: T1 }),
    });
    const keys = findRegression(written, edited);
    expect(keys).toEqual(['p/a', 'p/b']);
    expect(changedSids(written, edited, keys)).toEqual([
      { key: 'p/a', recorded: 'S1', found: 'S9' },
      { key: 'p/b', recorded: 'S2', found: 'S1' },
    ]);
    // The sid taken back by `state pull`, every other entry kept.
    const { lock, restored } = mergeWritten(edited, written);
    expect(restored).toEqual(['p/a', 'p/b']);
    expect(lock.calls).toEqual(written.calls);
  });

  it('finds a lockfile from before a replacement: it holds the sid the replacement superseded', () => {
    const replaced = lockOf({
      ...written.calls,
      'p/a': entry({ status: 'placed', sid: 'S3', at: T2, history: [{ sid: 'S1', at: T1 }] }),
    });
    expect(findRegression(replaced, written)).toEqual(['p/a']);
    expect(changedSids(replaced, written, ['p/a'])).toEqual([
      { key: 'p/a', recorded: 'S3', found: 'S1' },
    ]);
  });

  it('accepts the same sid in other case, and a replacement made since (the sid in its history)', () => {
    const upper = lockOf({
      ...written.calls,
      'p/a': entry({ status: 'placed', sid: 's1', at: T1 }),
    });
    expect(findRegression(written, upper)).toEqual([]);
    const replaced = lockOf({
      ...written.calls,
      'p/a': entry({ status: 'placed', sid: 'S3', at: T2, history: [{ sid: 'S1', at: T1 }] }),
    });
    expect(findRegression(written, replaced)).toEqual([]);
  });
});

describe('mergeWritten', () => {
  it('takes back what the lockfile lacks and drops nothing it holds', () => {
    const written = lockOf({
      'p/a': entry({ status: 'placed', sid: 'S1' }),
      'p/b': entry({ status: 'placed', sid: 'S2' }),
    });
    const current = lockOf({
      'p/a': entry({ status: 'placed', sid: 'S1' }),
      'p/b': entry({ status: 'unknown' }),
      'p/c': entry({ status: 'placed', sid: 'S3' }),
    });
    const { lock, restored } = mergeWritten(current, written);
    expect(restored).toEqual(['p/b']);
    expect(lock.calls).toEqual({ ...current.calls, 'p/b': written.calls['p/b'] });
    expect(mergeWritten(lock, written)).toEqual({ lock, restored: [], remembered: [] });
    expect(mergeWritten(current, undefined)).toEqual({
      lock: current,
      restored: [],
      remembered: [],
    });
  });

  it('joins the memory of the calls state.keep let go, which only the copy may hold', () => {
    // Three rows of a campaign let go: the lockfile put back holds the first row's entry,
    // from before they were let go, and nothing of the middle one.
    const A = 'sha256:aaaaaaaaaaaaaaaa';
    const B = 'sha256:bbbbbbbbbbbbbbbb';
    const memory = {
      since: T1,
      prunedThrough: T2,
      rang: { numbers: { [A]: [T1], [B]: [T2] } },
    };
    const written: Lockfile = {
      ...lockOf({ 'p/camp/r3@2026-11-24T12:00:00Z': entry({ status: 'placed', sid: 'S3' }) }),
      schedules: { 'p/camp': memory, 'p/tick': { since: T1, reportedThrough: T2 } },
    };
    const first = entry({ status: 'placed', sid: 'S1', number: A, at: T1 });
    const current: Lockfile = {
      ...lockOf({ 'p/camp/r1@2026-11-24T10:00:00Z': first }),
      schedules: { 'p/tick': { since: T1, reportedThrough: T2 } },
    };
    const { lock, restored, remembered } = mergeWritten(current, written);
    expect(restored).toEqual(['p/camp/r3@2026-11-24T12:00:00Z']);
    expect(remembered).toEqual(['p/camp']);
    expect(lock.schedules).toEqual(written.schedules);
    expect(Object.keys(lock.calls).sort()).toEqual([
      'p/camp/r1@2026-11-24T10:00:00Z',
      'p/camp/r3@2026-11-24T12:00:00Z',
    ]);
    // The memory alone behind: written back all the same.
    const memoryOnly = mergeWritten({ ...current, calls: written.calls }, written);
    expect(memoryOnly.restored).toEqual([]);
    expect(memoryOnly.remembered).toEqual(['p/camp']);
    expect(memoryOnly.lock.schedules?.['p/camp']).toEqual(memory);
    // Nothing the lockfile's memories hold is dropped: each number's calls from either.
    const C = 'sha256:cccccccccccccccc';
    const own: Lockfile = {
      ...current,
      schedules: { 'p/camp': { since: T1, rang: { numbers: { [C]: [T2] } } } },
    };
    expect(mergeWritten(own, written).lock.schedules?.['p/camp']?.rang?.numbers).toEqual({
      [A]: [T1],
      [B]: [T2],
      [C]: [T2],
    });
  });
});

describe('findMemoryRegression', () => {
  const A = 'sha256:aaaaaaaaaaaaaaaa';
  const B = 'sha256:bbbbbbbbbbbbbbbb';
  const T0 = '2026-11-24T09:00:00.000Z';
  const memory: ScheduleMemory = {
    since: T0,
    prunedThrough: T2,
    rang: { numbers: { [A]: [T1], [B]: [T1, T2] } },
  };
  const withMemory = (schedules: Record<string, ScheduleMemory> | undefined): Lockfile => ({
    ...lockOf({}),
    ...(schedules && { schedules }),
  });
  const written = withMemory({ 'p/camp': memory, 'p/tick': { since: T0, reportedThrough: T2 } });

  it('finds nothing without a copy, or when the lockfile holds as much or more', () => {
    expect(findMemoryRegression(undefined, withMemory(undefined))).toEqual([]);
    expect(findMemoryRegression(written, written)).toEqual([]);
    expect(findMemoryRegression(written, withMemory({ 'p/camp': { ...memory } }))).toEqual([]);
    // Let go further since, and another call's memory: newer.
    const T3 = '2026-11-24T12:00:00.000Z';
    const further = {
      ...memory,
      prunedThrough: T3,
      rang: { numbers: { [A]: [T1, T3], [B]: [T1, T2] } },
    };
    expect(
      findMemoryRegression(written, withMemory({ 'p/camp': further, 'p/other': { since: T0 } })),
    ).toEqual([]);
  });

  it('finds a memory missing, let go through an earlier slot, or lacking a call it rang', () => {
    expect(findMemoryRegression(written, withMemory(undefined))).toEqual(['p/camp']);
    expect(
      findMemoryRegression(written, withMemory({ 'p/camp': { ...memory, prunedThrough: T1 } })),
    ).toEqual(['p/camp']);
    const { prunedThrough: _, ...notLetGo } = memory;
    expect(findMemoryRegression(written, withMemory({ 'p/camp': notLetGo }))).toEqual(['p/camp']);
    const lacking = { ...memory, rang: { numbers: { [A]: [T1], [B]: [T1] } } };
    expect(findMemoryRegression(written, withMemory({ 'p/camp': lacking }))).toEqual(['p/camp']);
    const { rang: __, ...noRang } = memory;
    expect(findMemoryRegression(written, withMemory({ 'p/camp': noRang }))).toEqual(['p/camp']);
    // A later `forgotten` or `cut` the copy holds is what limits count on too.
    const forgot = {
      ...memory,
      rang: { ...memory.rang, numbers: memory.rang?.numbers ?? {}, forgotten: T1 },
    };
    expect(
      findMemoryRegression(withMemory({ 'p/camp': forgot }), withMemory({ 'p/camp': memory })),
    ).toEqual(['p/camp']);
  });

  it('takes a call the lockfile no longer holds under a later cut or forgotten as held', () => {
    const cut = { ...memory, rang: { numbers: { [A]: [T1], [B]: [T2] }, cut: { [B]: T1 } } };
    expect(findMemoryRegression(written, withMemory({ 'p/camp': cut }))).toEqual([]);
    const forgotten = { ...memory, rang: { numbers: { [B]: [T2] }, forgotten: T1 } };
    expect(findMemoryRegression(written, withMemory({ 'p/camp': forgotten }))).toEqual([]);
    // Its cut held as a call: the same call, remembered whole.
    expect(
      findMemoryRegression(withMemory({ 'p/camp': cut }), withMemory({ 'p/camp': memory })),
    ).toEqual([]);
  });

  it('never for what stops no call: a first-seen time, missed slots reported', () => {
    expect(
      findMemoryRegression(
        withMemory({ 'p/tick': { since: T0, reportedThrough: T2 } }),
        withMemory({ 'p/tick': { since: T1 } }),
      ),
    ).toEqual([]);
    expect(
      findMemoryRegression(withMemory({ 'p/tick': { since: T0 } }), withMemory(undefined)),
    ).toEqual([]);
  });
});

describe('a lockfile that lost the answer callops recorded', () => {
  const answered = {
    status: 'completed',
    sip_status: 200,
    duration: 12,
    answered: true,
    ended_at: T2,
  } as const;
  const noAnswer = noAnswerOutcome(T2);
  const written = lockOf({
    'p/camp/r1': entry({ status: 'placed', sid: 'S1', at: T1, outcome: answered }),
  });

  it('is behind: a copy from before the answer, or a final no-answer in its place', () => {
    for (const outcome of [undefined, noAnswer]) {
      const current = lockOf({
        'p/camp/r1': entry({ status: 'placed', sid: 'S1', at: T1, ...(outcome && { outcome }) }),
      });
      expect(findRegression(written, current)).toEqual(['p/camp/r1']);
      // Not a changed sid: it is listed among the placements older there.
      expect(changedSids(written, current, ['p/camp/r1'])).toEqual([]);
      // `state pull` takes the answered entry back.
      expect(mergeWritten(current, written).lock.calls['p/camp/r1']).toEqual(
        written.calls['p/camp/r1'],
      );
    }
  });

  it('is not behind while it keeps the answer, or once the call was replaced', () => {
    expect(findRegression(written, written)).toEqual([]);
    const same = lockOf({
      'p/camp/r1': entry({ status: 'placed', sid: 'S1', at: T1, outcome: { ...answered } }),
    });
    expect(findRegression(written, same)).toEqual([]);
    const replaced = lockOf({
      'p/camp/r1': entry({
        status: 'placed',
        sid: 'S2',
        at: T2,
        history: [{ sid: 'S1', at: T1 }],
      }),
    });
    expect(findRegression(written, replaced)).toEqual([]);
    // No answer recorded: a copy without the outcome is no regression.
    const unanswered = lockOf({
      'p/camp/r1': entry({ status: 'placed', sid: 'S1', at: T1, outcome: noAnswer }),
    });
    expect(
      findRegression(
        unanswered,
        lockOf({ 'p/camp/r1': entry({ status: 'placed', sid: 'S1', at: T1 }) }),
      ),
    ).toEqual([]);
  });
});
