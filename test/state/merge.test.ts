import { describe, expect, it } from 'vitest';
import { mergeLockfiles, pickEntry } from '../../src/state/merge.js';
import type { LockEntry } from '../../src/state/types.js';
import { entry, lockOf, noAnswerOutcome } from './helpers.js';

const T1 = '2026-11-24T10:00:00.000Z';
const T2 = '2026-11-24T11:00:00.000Z';
const T3 = '2026-11-24T12:00:00.000Z';

const placed = (sid: string, at = T1, fields: Partial<LockEntry> = {}) =>
  entry({ status: 'placed', sid, callId: `call-${sid}`, at, ...fields });
const unknown = (at = T1, fields: Partial<LockEntry> = {}) =>
  entry({ status: 'unknown', at, message: 'timed out', ...fields });
const failed = (at = T1, fields: Partial<LockEntry> = {}) =>
  entry({ status: 'failed', at, httpStatus: 480, ...fields });

describe('mergeLockfiles', () => {
  it('keeps what only this runner holds and takes what only the file holds', () => {
    const ours = lockOf({ 'p/own': placed('S-own') });
    const theirs = lockOf({ 'p/x1': placed('S-x1'), 'p/pulled': placed('S-pulled') });
    const merged = mergeLockfiles(ours, theirs);
    expect(merged.lock.calls).toEqual({
      'p/own': placed('S-own'),
      'p/x1': placed('S-x1'),
      'p/pulled': placed('S-pulled'),
    });
    expect([...merged.taken].sort()).toEqual(['p/pulled', 'p/x1']);
    expect(merged.twice).toEqual([]);
  });

  it('returns the view itself when the file adds nothing (also a file that moved backwards)', () => {
    const ours = lockOf({
      'p/a': placed('S-a', T2),
      'p/b': unknown(T2),
      'p/c': failed(T2),
    });
    expect(mergeLockfiles(ours, ours).lock).toBe(ours);
    // An older copy: every entry missing, or in an older state.
    const older = lockOf({ 'p/a': unknown(T1), 'p/b': failed(T1), 'p/c': failed(T1) });
    const merged = mergeLockfiles(ours, older);
    expect(merged.lock).toBe(ours);
    expect(merged.taken).toEqual([]);
    expect(mergeLockfiles(ours, lockOf({})).lock).toBe(ours);
  });

  it('takes an entry the file moved on: placed or settled elsewhere, a later attempt', () => {
    const ours = lockOf({
      'p/placed-there': unknown(T1),
      'p/settled': unknown(T1),
      'p/retried': failed(T1),
      'p/outcome': placed('S-o', T1),
    });
    const ended = { status: 'completed', sip_status: 200, duration: 4, answered: true } as const;
    const theirs = lockOf({
      'p/placed-there': placed('S-there', T2),
      'p/settled': failed(T1, { resolvedBy: 'hand' }),
      'p/retried': failed(T3),
      'p/outcome': placed('S-o', T1, { outcome: { ...ended, ended_at: T2 } }),
    });
    const merged = mergeLockfiles(ours, theirs);
    expect(merged.lock.calls).toEqual(theirs.calls);
    expect([...merged.taken].sort()).toEqual(Object.keys(theirs.calls).sort());
  });

  it('a placed call stays placed, unless the other entry is a replacement of it', () => {
    expect(pickEntry(placed('S1'), unknown(T3)).keep).toEqual(placed('S1'));
    expect(pickEntry(unknown(T3), placed('S1')).keep).toEqual(placed('S1'));
    const replacement = placed('S2', T2, { history: [{ sid: 'S1', at: T1 }] });
    expect(pickEntry(placed('S1'), replacement)).toEqual({ keep: replacement });
    expect(pickEntry(replacement, placed('S1'))).toEqual({ keep: replacement });
    // A replacement the gateway refused keeps the call it replaced in its history: newer.
    const refused = failed(T2, { history: [{ sid: 'S1', at: T1 }] });
    expect(pickEntry(placed('S1'), refused).keep).toBe(refused);
  });

  it('one key placed under two sids keeps the one this runner recorded, and says so', () => {
    const early = placed('S-early', T1);
    const late = placed('S-late', T2);
    // An edited sid (the same attempt's time) never takes the place of the one recorded.
    const edited = placed('S-edited', T2);
    for (const [ours, theirs] of [
      [early, late],
      [late, early],
      [late, edited],
    ] as const) {
      const merged = mergeLockfiles(lockOf({ 'p/k': ours }), lockOf({ 'p/k': theirs }));
      expect(merged.lock.calls['p/k']).toEqual(ours);
      expect(merged.twice).toEqual([{ key: 'p/k', kept: ours, other: theirs }]);
    }
  });

  it('schedule memory: first seen the earliest, reported and let go through the latest', () => {
    const ours = {
      ...lockOf({}),
      schedules: { 'p/a': { since: T2, reportedThrough: T3 }, 'p/own': { since: T1 } },
    };
    const theirs = {
      ...lockOf({}),
      schedules: {
        'p/a': { since: T1, reportedThrough: T2, prunedThrough: T1 },
        'p/pulled': { since: T2 },
      },
    };
    expect(mergeLockfiles(ours, theirs).lock.schedules).toEqual({
      'p/a': { since: T1, reportedThrough: T3, prunedThrough: T1 },
      'p/own': { since: T1 },
      'p/pulled': { since: T2 },
    });
  });

  it('schedule memory: the calls let go that either remembers, and what either forgot', () => {
    const d = 'sha256:00000000000000aa';
    const ours = {
      ...lockOf({}),
      schedules: { 'p/a': { since: T1, prunedThrough: T2, rang: { numbers: { [d]: [T2] } } } },
    };
    const theirs = {
      ...lockOf({}),
      schedules: {
        'p/a': { since: T1, prunedThrough: T1, rang: { numbers: { [d]: [T1] } } },
        // As an earlier release left it: what it let go is not remembered.
        'p/b': { since: T1, prunedThrough: T3 },
      },
    };
    const oursB = {
      ...ours,
      schedules: { ...ours.schedules, 'p/b': { since: T1, rang: { numbers: {} } } },
    };
    expect(mergeLockfiles(oursB, theirs).lock.schedules).toEqual({
      // As many of a number as either kept (the limit's N, unknown here): the rest is cut.
      'p/a': {
        since: T1,
        prunedThrough: T2,
        rang: { numbers: { [d]: [T2] }, cut: { [d]: T1 } },
      },
      'p/b': { since: T1, prunedThrough: T3, rang: { numbers: {}, forgotten: T3 } },
    });
  });
});

describe('evidence of an answer in a merge', () => {
  const noAnswer = noAnswerOutcome(T2);
  const ringing = { status: 'in-progress', sip_status: 200, duration: 3, answered: true } as const;

  it('is never lost: a final no-answer beside an answer in progress ends the call answered', () => {
    const answered = {
      status: 'completed',
      sip_status: 200,
      duration: 3,
      answered: true,
      ended_at: T2,
    };
    for (const [a, b] of [
      [noAnswer, ringing],
      [ringing, noAnswer],
    ] as const) {
      const { keep } = pickEntry(placed('S', T1, { outcome: a }), placed('S', T1, { outcome: b }));
      expect(keep.outcome).toEqual(answered);
      expect(keep.sid).toBe('S');
    }
    const merged = mergeLockfiles(
      lockOf({ 'p/x': placed('S', T1, { outcome: noAnswer }) }),
      lockOf({ 'p/x': placed('S', T1, { outcome: ringing }) }),
    );
    expect(merged.lock.calls['p/x']?.outcome).toEqual(answered);
  });

  it('changes nothing when neither, or the one kept, shows an answer', () => {
    const busy = { ...noAnswer, status: 'busy', sip_status: 486 } as const;
    const ours = placed('S', T1, { outcome: noAnswer });
    expect(pickEntry(ours, placed('S', T1, { outcome: busy })).keep).toBe(ours);
    const done = placed('S', T1, {
      outcome: { status: 'completed', sip_status: 200, duration: 9, answered: true, ended_at: T3 },
    });
    expect(pickEntry(done, placed('S', T1, { outcome: noAnswer })).keep).toBe(done);
  });
});
