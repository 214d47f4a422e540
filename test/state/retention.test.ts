import { describe, expect, it } from 'vitest';
import { pruneExpired } from '../../src/state/retention.js';
import { entry, lockOf } from './helpers.js';

const DAY = 86_400_000;
const now = new Date('2026-03-01T12:00:00Z');
const keepMs = 30 * DAY;
const minutely = { name: 'minutely', schedule: { deadlineMs: 10 * 60_000 } };
const calls = [minutely, { name: 'welcome' }];

/** The key of a slot `ago` before now. */
const slotKey = (name: string, agoMs: number): string =>
  `prod/${name}@${new Date(now.getTime() - agoMs).toISOString().replace('.000Z', 'Z')}`;

describe('pruneExpired', () => {
  it('drops entries of recurring calls whose slot + deadline is older than now - keep', () => {
    const old = slotKey('minutely', 31 * DAY);
    const recent = slotKey('minutely', 29 * DAY);
    const lock = lockOf({
      [old]: entry({ status: 'placed', sid: 'S1' }),
      [slotKey('minutely', 32 * DAY)]: entry({ status: 'failed' }),
      [recent]: entry({ status: 'placed', sid: 'S2' }),
    });
    const pruned = pruneExpired(lock, { calls, now, keepMs });
    expect(Object.keys(pruned.calls)).toEqual([recent]);
    expect(pruned.calls[recent]).toBe(lock.calls[recent]);
  });

  it('measures from the deadline: a slot whose deadline ends inside the keep period stays', () => {
    // The slot is 30 days and 5 minutes old; its 10-minute deadline ended 30 days - 5 min ago.
    const edge = slotKey('minutely', keepMs + 5 * 60_000);
    const past = slotKey('minutely', keepMs + 11 * 60_000);
    const lock = lockOf({ [edge]: entry({ status: 'placed' }), [past]: entry() });
    expect(Object.keys(pruneExpired(lock, { calls, now, keepMs }).calls)).toEqual([edge]);
  });

  it('keeps every unknown entry, however old: a person must settle it', () => {
    const key = slotKey('minutely', 400 * DAY);
    const lock = lockOf({ [key]: entry({ status: 'unknown' }) });
    expect(pruneExpired(lock, { calls, now, keepMs })).toBe(lock);
  });

  it("keeps every unscheduled call's entry, however old", () => {
    const lock = lockOf({
      'prod/welcome': entry({ status: 'placed', at: '2020-01-01T00:00:00.000Z' }),
      'prod/gone': entry({ status: 'failed', at: '2020-01-01T00:00:00.000Z' }),
    });
    expect(pruneExpired(lock, { calls, now, keepMs })).toBe(lock);
  });

  it('drops an old slot of a call no longer defined, from the slot itself', () => {
    const gone = slotKey('removed', keepMs + 1);
    const young = slotKey('removed', keepMs - 1);
    const lock = lockOf({ [gone]: entry({ status: 'placed' }), [young]: entry() });
    expect(Object.keys(pruneExpired(lock, { calls, now, keepMs }).calls)).toEqual([young]);
  });

  it("judges a campaign row by its campaign's deadline, the campaign given once by its name", () => {
    const campaign = { name: 'remind', schedule: { deadlineMs: 10 * DAY } };
    // 35 days old: within keep + its campaign's 10-day deadline. 45 days old: past them.
    const kept = slotKey('remind/r1', 35 * DAY);
    const gone = slotKey('remind/r2', 45 * DAY);
    const lock = lockOf({ [kept]: entry({ status: 'placed' }), [gone]: entry() });
    const pruned = pruneExpired(lock, { calls: [...calls, campaign], now, keepMs });
    expect(Object.keys(pruned.calls)).toEqual([kept]);
  });

  it('returns the lock itself when nothing expired, and never changes the one it was given', () => {
    const lock = lockOf({
      [slotKey('minutely', 40 * DAY)]: entry({ status: 'placed' }),
      [slotKey('minutely', DAY)]: entry({ status: 'placed' }),
      'prod/welcome': entry(),
    });
    const copy = structuredClone(lock);
    const pruned = pruneExpired(lock, { calls, now, keepMs });
    expect(Object.keys(pruned.calls)).toHaveLength(2);
    expect(lock).toEqual(copy);
    expect(pruneExpired(pruned, { calls, now, keepMs })).toBe(pruned);
  });

  it('keeps the schedules memory, adding the slot it let go', () => {
    const lock = {
      ...lockOf({ [slotKey('minutely', 40 * DAY)]: entry({ status: 'placed' }) }),
      schedules: { 'prod/minutely': { since: '2025-01-01T00:00:00Z' } },
    };
    const pruned = pruneExpired(lock, { calls, now, keepMs });
    expect(pruned.calls).toEqual({});
    expect(pruned.schedules).toEqual({
      'prod/minutely': {
        since: '2025-01-01T00:00:00Z',
        prunedThrough: new Date(now.getTime() - 40 * DAY).toISOString(),
        // It remembers what it let go: here no call to a number.
        rang: { numbers: {} },
      },
    });
  });

  it('decides as the slot times do to the second, for slots written any way', () => {
    // now with a fraction of a second: the limit falls between two whole seconds.
    const at = new Date('2026-03-01T12:00:00.400Z');
    const limit = at.getTime() - keepMs - minutely.schedule.deadlineMs;
    const written = new Set<string>();
    for (const offset of [-2000, -1000, -400, 0, 600, 1000, 2000]) {
      const iso = new Date(limit + offset).toISOString();
      // As toISOString writes it, in whole seconds as callops writes slots, with an offset.
      written
        .add(iso)
        .add(iso.replace(/\.\d{3}Z$/, 'Z'))
        .add(iso.replace('Z', '+00:00'));
    }
    const slots = [...written];
    const lock = lockOf(
      Object.fromEntries(
        slots.map((slot) => [`prod/minutely@${slot}`, entry({ status: 'placed' })]),
      ),
    );
    const kept = Object.keys(pruneExpired(lock, { calls, now: at, keepMs }).calls);
    const expected = slots
      .filter((slot) => Date.parse(slot) >= limit)
      .map((slot) => `prod/minutely@${slot}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(slots.length);
    expect(kept.sort()).toEqual(expected.sort());
  });

  it('remembers the latest slot it let go of each call, and of each campaign for its rows', () => {
    const lock = {
      ...lockOf({
        [slotKey('minutely', 40 * DAY)]: entry({ status: 'placed' }),
        [slotKey('minutely', 35 * DAY)]: entry({ status: 'failed' }),
        [slotKey('minutely', DAY)]: entry({ status: 'placed' }),
        [slotKey('remind/r1', 50 * DAY)]: entry({ status: 'placed' }),
        [slotKey('remind/r2', 45 * DAY)]: entry({ status: 'placed' }),
      }),
      schedules: {
        'prod/minutely': {
          since: '2025-01-01T00:00:00.000Z',
          reportedThrough: '2025-06-01T00:00:00.000Z',
        },
      },
    };
    const pruned = pruneExpired(lock, { calls, now, keepMs });
    const slot = (ago: number) => new Date(now.getTime() - ago).toISOString();
    expect(pruned.schedules).toEqual({
      'prod/minutely': {
        since: '2025-01-01T00:00:00.000Z',
        reportedThrough: '2025-06-01T00:00:00.000Z',
        prunedThrough: slot(35 * DAY),
        rang: { numbers: {} },
      },
      // Known from its first slot let go.
      'prod/remind': {
        since: slot(50 * DAY),
        prunedThrough: slot(45 * DAY),
        rang: { numbers: {} },
      },
    });
    // Never moved back by a later prune that lets go of an older slot only.
    const later = pruneExpired(
      { ...pruned, calls: { ...pruned.calls, [slotKey('minutely', 60 * DAY)]: entry() } },
      { calls, now, keepMs },
    );
    expect(later.schedules?.['prod/minutely']?.prunedThrough).toBe(slot(35 * DAY));
  });
});

describe('pruneExpired: the calls to numbers it lets go', () => {
  const number = 'sha256:00000000000000aa';
  const at = (agoMs: number): string => new Date(now.getTime() - agoMs).toISOString();
  const placed = (agoMs: number) => entry({ status: 'placed', number, at: at(agoMs) });

  it('keeps the latest `each` times of each number, and where it cut the rest', () => {
    const lock = lockOf({
      [slotKey('minutely', 33 * DAY)]: placed(33 * DAY),
      [slotKey('minutely', 32 * DAY)]: placed(32 * DAY),
      [slotKey('minutely', 31 * DAY)]: placed(31 * DAY),
      // Refused: it never rang.
      [slotKey('minutely', 30.5 * DAY)]: entry({ status: 'failed', number, at: at(30.5 * DAY) }),
    });
    const pruned = pruneExpired(lock, { calls, now, keepMs, each: 2 });
    expect(pruned.calls).toEqual({});
    expect(pruned.schedules?.['prod/minutely']?.rang).toEqual({
      numbers: { [number]: [at(32 * DAY), at(31 * DAY)] },
      cut: { [number]: at(33 * DAY) },
    });
  });

  it('forgets, 30 days past keep, what it kept, and says through when', () => {
    const lock = lockOf({ [slotKey('minutely', 31 * DAY)]: placed(31 * DAY) });
    const pruned = pruneExpired(lock, { calls, now, keepMs });
    expect(pruned.schedules?.['prod/minutely']?.rang?.numbers[number]).toEqual([at(31 * DAY)]);
    // Thirty days on, nothing else let go: the time is forgotten, and said forgotten.
    const later = pruneExpired(pruned, { calls, now: new Date(now.getTime() + 30 * DAY), keepMs });
    expect(later.schedules?.['prod/minutely']?.rang).toEqual({
      numbers: {},
      forgotten: at(31 * DAY),
    });
    // Nothing more to forget: the lockfile itself.
    expect(pruneExpired(later, { calls, now: new Date(now.getTime() + 30 * DAY), keepMs })).toBe(
      later,
    );
  });

  it('takes a memory an earlier release let entries go from as forgotten through its slot and deadline', () => {
    const slot = '2026-01-01T09:00:00.000Z';
    const lock = {
      ...lockOf({}),
      schedules: { 'prod/minutely': { since: slot, prunedThrough: slot } },
    };
    const pruned = pruneExpired(lock, { calls, now, keepMs });
    expect(pruned.schedules?.['prod/minutely']?.rang).toEqual({
      numbers: {},
      forgotten: '2026-01-01T09:10:00.000Z',
    });
  });
});
