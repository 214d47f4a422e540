import { describe, expect, it } from 'vitest';
import { buildPlan, missedToReport, type PlanInput } from '../../src/plan/index.js';
import { call, lock, schedule } from './make.js';

const base = {
  lock: lock(),
  now: new Date('2026-03-08T06:50:00Z'),
  runTarget: 'prod',
  explicitTarget: false,
} satisfies Omit<PlanInput, 'calls'>;

const keys = (items: readonly { key: string }[]): string[] => items.map((i) => i.key);

describe('the spring change: an every-hour cron rings no one twice', () => {
  const hourly = call('hourly', {
    schedule: schedule({ cron: '59 * * * *', timezone: 'America/New_York' }),
  });
  const known = lock({}, { 'prod/hourly': { since: '2026-03-08T06:45:00.000Z' } });

  it('has no slot for 02:59, which does not exist: 01:59 EST, then 03:59 EDT', () => {
    const plan = buildPlan({ ...base, lock: known, calls: [hourly] });
    expect(keys(plan.upcoming)).toEqual([
      'prod/hourly@2026-03-08T06:59:00Z',
      'prod/hourly@2026-03-08T07:59:00Z',
      'prod/hourly@2026-03-08T08:59:00Z',
    ]);
    // A minute after the jump, the 01:59 slot is the one due: nothing at 03:00 replaces it.
    const after = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-03-08T07:00:30Z'),
      calls: [hourly],
    });
    expect(keys(after.due)).toEqual(['prod/hourly@2026-03-08T06:59:00Z']);
    expect(after.missed).toEqual([]);
  });
});

describe('windows on the spring change are judged by the time the cron names', () => {
  it('a time named outside the window is no slot, although the jump lands inside it', () => {
    // 01:30 does not exist in London on 2027-03-28; the clocks show 02:00 then, but 01:30 is
    // outside 02:00-03:00 (validate warns that the cron never falls inside its window).
    const early = call('early', {
      schedule: schedule({ cron: '30 1 * * *', timezone: 'Europe/London', window: '02:00-03:00' }),
    });
    const known = lock({}, { 'prod/early': { since: '2027-03-01T00:00:00.000Z' } });
    for (const now of ['2027-03-28T00:50:00Z', '2027-03-28T01:05:00Z', '2027-03-28T03:00:00Z']) {
      const plan = buildPlan({ ...base, lock: known, now: new Date(now), calls: [early] });
      expect([plan.due, plan.missed, plan.upcoming]).toEqual([[], [], []]);
      // No slot, ever: skipped, with validate's warning as its reason.
      expect(plan.skipped.map((i) => [i.key, i.slot, i.reason])).toEqual([
        [
          'prod/early',
          undefined,
          'cron `30 1 * * *` never falls inside window 02:00-03:00 (Europe/London time): no slot of it is ever placed',
        ],
      ]);
    }
  });

  it('a time named inside a window the jump skips as well is missed, with why, never silent', () => {
    // 02:30 in New York on 2026-03-08 is skipped: the clocks go from 02:00 to 03:00 EDT, and
    // the window 02:00-03:00 with them. Its slot (07:00 UTC) can never be placed.
    const night = call('night', {
      schedule: schedule({
        cron: '30 2 * * *',
        timezone: 'America/New_York',
        window: '02:00-03:00',
        deadlineMs: 3_600_000,
      }),
    });
    const known = lock({}, { 'prod/night': { since: '2026-03-08T00:00:00.000Z' } });
    const slot = 'prod/night@2026-03-08T07:00:00Z';
    const before = buildPlan({ ...base, lock: known, calls: [night] });
    expect(before.upcoming.map((i) => [i.key, i.reason])[0]).toEqual([
      slot,
      'to be missed: the clocks jump from 02:00 to 03:00 America/New_York over its time, and its window 02:00-03:00 is closed when they land',
    ]);
    const why =
      'its time was skipped: the clocks jumped from 02:00 to 03:00 America/New_York at 2026-03-08T07:00:00Z, and its window 02:00-03:00 was closed when they landed; never placed late';
    for (const now of ['2026-03-08T07:00:00Z', '2026-03-08T07:30:00Z', '2026-03-08T09:00:00Z']) {
      const plan = buildPlan({ ...base, lock: known, now: new Date(now), calls: [night] });
      expect(plan.due).toEqual([]);
      expect(plan.missed.map((i) => [i.key, i.reason])).toEqual([[slot, why]]);
      // apply and run report it once, as any missed slot.
      expect(missedToReport(plan).missed.map((i) => i.key)).toEqual([slot]);
    }
    // The next day is an ordinary one: 02:30 EST is inside the window.
    const next = buildPlan({
      ...base,
      lock: known,
      now: new Date('2026-03-09T06:31:00Z'),
      calls: [night],
    });
    expect(keys(next.due)).toEqual(['prod/night@2026-03-09T06:30:00Z']);
  });
});
