import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/build.js';
import type { PlanInput } from '../../src/plan/input.js';
import type { Lockfile } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

// An hourly call with a 30-minute deadline: 09:00 placed at 09:05, then the clock steps back.
const hourly = call('hourly', {
  schedule: schedule({ cron: '0 * * * *', deadlineMs: 1_800_000 }),
});
const placed9 = {
  'prod/hourly@2026-12-05T09:00:00Z': entry({ sid: 'sid-9', at: '2026-12-05T09:05:00.000Z' }),
};
const seen = { 'prod/hourly': { since: '2026-12-05T07:59:00.000Z' } };
const planAt = (now: string, entries: Lockfile['calls'], extra: Partial<PlanInput> = {}) =>
  buildPlan({
    calls: [hourly],
    lock: lock(entries, seen),
    now: new Date(now),
    runTarget: 'prod',
    explicitTarget: false,
    ...extra,
  });

describe('a clock that went back: no slot is placed after a later one it recorded', () => {
  it('the 08:00 slot is superseded by 09:00, placed when the clock was later', () => {
    const plan = planAt('2026-12-05T08:10:00Z', placed9);
    expect(plan.due).toEqual([]);
    expect(plan.missed.map((i) => [i.slot, i.reason])).toEqual([
      [
        '2026-12-05T08:00:00Z',
        'superseded by 2026-12-05T09:00:00Z, already placed: an earlier slot is never placed after a later one',
      ],
    ]);
    expect(plan.clockAhead).toEqual([
      { key: 'prod/hourly@2026-12-05T09:00:00Z', status: 'placed' },
    ]);
  });

  it('an unknown one supersedes them too', () => {
    const unknown = {
      'prod/hourly@2026-12-05T09:00:00Z': entry({
        status: 'unknown',
        at: '2026-12-05T09:00:01.000Z',
      }),
    };
    const plan = planAt('2026-12-05T08:10:00Z', unknown);
    expect(plan.due).toEqual([]);
    expect(plan.clockAhead).toEqual([
      { key: 'prod/hourly@2026-12-05T09:00:00Z', status: 'unknown' },
    ]);
  });

  it('another runner five minutes behind does not place 08:55 once 09:00 of */5 is placed', () => {
    const fives = call('fives', {
      schedule: schedule({ cron: '*/5 * * * *', deadlineMs: 600_000 }),
    });
    const plan = buildPlan({
      calls: [fives],
      lock: lock(
        { 'prod/fives@2026-12-05T09:00:00Z': entry({ at: '2026-12-05T09:00:00.200Z' }) },
        { 'prod/fives': { since: '2026-12-05T08:54:00.000Z' } },
      ),
      now: new Date('2026-12-05T08:55:10Z'),
      runTarget: 'prod',
      explicitTarget: false,
    });
    expect(plan.due).toEqual([]);
    expect(plan.missed.at(-1)?.slot).toBe('2026-12-05T08:55:00Z');
    expect(plan.missed.at(-1)?.reason).toMatch(
      /^superseded by 2026-12-05T09:00:00Z, already placed/,
    );
    // Not a slot still to come: 09:00 is listed as placed, the next to come after it.
    expect(plan.upcoming.map((i) => i.slot)[0]).toBe('2026-12-05T09:05:00Z');
  });

  it('a rehearsal (--now) before the entries goes by its instant, as README documents', () => {
    const plan = planAt('2026-12-05T08:10:00Z', placed9, { rehearsal: true });
    expect(plan.due.map((i) => i.slot)).toEqual(['2026-12-05T08:00:00Z']);
    expect(plan.clockAhead).toBeUndefined();
  });

  it('a slot placed ahead of its time by a rehearsal holds back no real slot before it', () => {
    const rehearsed = {
      'prod/hourly@2026-12-05T13:00:00Z': entry({ at: '2026-12-05T08:09:00.000Z' }),
    };
    const plan = planAt('2026-12-05T08:10:00Z', rehearsed);
    expect(plan.due.map((i) => i.slot)).toEqual(['2026-12-05T08:00:00Z']);
    expect(plan.clockAhead).toBeUndefined();
  });

  it('with the clock right, nothing changes: 10:00 is due after 09:00', () => {
    const plan = planAt('2026-12-05T10:05:00Z', placed9);
    expect(plan.due.map((i) => i.slot)).toEqual(['2026-12-05T10:00:00Z']);
    expect(plan.clockAhead).toBeUndefined();
  });

  it('a slot held by a later one recorded placed is not listed as to come: the first after it is', () => {
    // A daily call placed for 4 March 2027 on a clock 90 days ahead; the clock is set right.
    const daily = call('daily', { schedule: schedule({ cron: '0 9 * * *' }) });
    const plan = buildPlan({
      calls: [daily],
      lock: lock(
        { 'prod/daily@2027-03-04T09:00:00Z': entry({ at: '2027-03-04T09:00:01.000Z' }) },
        { 'prod/daily': { since: '2027-03-01T08:00:00.000Z' } },
      ),
      now: new Date('2026-12-04T10:00:00Z'),
      runTarget: 'prod',
      explicitTarget: false,
    });
    expect(plan.due).toEqual([]);
    expect(plan.upcoming.map((i) => [i.slot, i.reason])).toEqual([
      [
        '2027-03-05T09:00:00Z',
        'slots before it held until after 2027-03-04T09:00:00Z: a later slot is recorded placed — the clock went back or was ahead',
      ],
      ['2027-03-06T09:00:00Z', undefined],
      ['2027-03-07T09:00:00Z', undefined],
    ]);
    // The slot that holds them is listed as placed.
    expect(plan.skipped.map((i) => i.slot)).toEqual(['2027-03-04T09:00:00Z']);
    expect(plan.clockAhead).toEqual([{ key: 'prod/daily@2027-03-04T09:00:00Z', status: 'placed' }]);
  });

  it('an unknown one holds them too; the hourly 10:00 after a 09:00 placed early holds nothing', () => {
    const unknown = {
      'prod/hourly@2026-12-05T12:00:00Z': entry({
        status: 'unknown',
        at: '2026-12-05T12:00:01.000Z',
      }),
    };
    const held = planAt('2026-12-05T08:10:00Z', unknown);
    expect(held.upcoming.map((i) => [i.slot, i.reason])[0]).toEqual([
      '2026-12-05T13:00:00Z',
      'slots before it held until after 2026-12-05T12:00:00Z: a later slot is recorded unknown — the clock went back or was ahead',
    ]);
    // 09:00 placed when the clock read 09:05, now 08:10: no slot between now and it is held.
    const next = planAt('2026-12-05T08:10:00Z', placed9);
    expect(next.upcoming.map((i) => [i.slot, i.reason])).toEqual([
      ['2026-12-05T10:00:00Z', undefined],
      ['2026-12-05T11:00:00Z', undefined],
      ['2026-12-05T12:00:00Z', undefined],
    ]);
  });
});

describe('a clock that went back behind the schedule memory', () => {
  // `*/10` with a 5-minute deadline: 12:00 placed at 12:00:30, then on a clock an hour ahead
  // 13:00 placed and 12:10–12:50 reported missed (reportedThrough 12:50); the clock reads
  // 12:05 next. No slot through 12:50 is placed again (reported), nor before 13:00 (placed).
  const tick = call('tick', { schedule: schedule({ cron: '*/10 * * * *', deadlineMs: 300_000 }) });
  const placed = {
    'prod/tick@2026-12-07T12:00:00Z': entry({ at: '2026-12-07T12:00:30.000Z' }),
    'prod/tick@2026-12-07T13:00:00Z': entry({ at: '2026-12-07T13:00:30.000Z' }),
  };
  const memory = {
    'prod/tick': { since: '2026-12-07T12:00:30.000Z', reportedThrough: '2026-12-07T12:50:00Z' },
  };
  const planOf = (
    calls: CallDefinition[],
    entries: Lockfile['calls'],
    schedules: Lockfile['schedules'] = memory,
  ) =>
    buildPlan({
      calls,
      lock: lock(entries, schedules),
      now: new Date('2026-12-07T12:05:00Z'),
      runTarget: 'prod',
      explicitTarget: false,
    });

  it('the later entry is warned of and holds the slots before it, whatever the memory says', () => {
    const plan = planOf([tick], placed);
    expect(plan.due).toEqual([]);
    expect(plan.clockAhead).toEqual([{ key: 'prod/tick@2026-12-07T13:00:00Z', status: 'placed' }]);
    expect(plan.upcoming.map((i) => [i.slot, i.reason])).toEqual([
      [
        '2026-12-07T13:10:00Z',
        'slots before it held until after 2026-12-07T13:00:00Z: a later slot is recorded placed — the clock went back or was ahead',
      ],
      ['2026-12-07T13:20:00Z', undefined],
      ['2026-12-07T13:30:00Z', undefined],
    ]);
    expect(plan.skipped.map((i) => i.slot)).toContain('2026-12-07T13:00:00Z');
  });

  it('a memory later than the clock, with no entry later, holds the slots it reported', () => {
    const plan = planOf([tick], {
      'prod/tick@2026-12-07T12:00:00Z': placed['prod/tick@2026-12-07T12:00:00Z'],
    });
    expect(plan.due).toEqual([]);
    expect(plan.clockAhead).toEqual([
      { key: 'prod/tick@2026-12-07T12:50:00Z', status: 'reported' },
    ]);
    expect(plan.upcoming.map((i) => [i.slot, i.reason])[0]).toEqual([
      '2026-12-07T13:00:00Z',
      'slots before it held until after 2026-12-07T12:50:00Z: they were settled on a later clock (reportedThrough) — the clock went back or was ahead',
    ]);
  });

  it('a campaign row alike: its campaign memory later than the clock, and a later entry', () => {
    const row = call('ticks/r1', {
      campaign: { name: 'ticks', id: 'r1', recipients: 'lists/r.csv' },
      schedule: schedule({ cron: '*/10 * * * *', deadlineMs: 300_000 }),
    });
    const rowMemory = {
      'prod/ticks': { since: '2026-12-07T12:00:30.000Z', reportedThrough: '2026-12-07T12:50:00Z' },
    };
    const plan = planOf(
      [row],
      { 'prod/ticks/r1@2026-12-07T13:00:00Z': entry({ at: '2026-12-07T13:00:30.000Z' }) },
      rowMemory,
    );
    expect(plan.due).toEqual([]);
    expect(plan.clockAhead).toEqual([
      { key: 'prod/ticks/r1@2026-12-07T13:00:00Z', status: 'placed' },
    ]);
    expect(plan.upcoming.map((i) => i.slot)[0]).toBe('2026-12-07T13:10:00Z');
    // Without the entry, the memory alone holds the row's slots through 12:50.
    const memoryOnly = planOf([row], {}, rowMemory);
    expect(memoryOnly.clockAhead).toEqual([
      { key: 'prod/ticks@2026-12-07T12:50:00Z', status: 'reported' },
    ]);
    expect(memoryOnly.upcoming.map((i) => i.slot)[0]).toBe('2026-12-07T13:00:00Z');
  });
});
