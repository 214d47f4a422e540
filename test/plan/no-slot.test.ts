import { describe, expect, it } from 'vitest';
import { buildPlan, type Plan, type PlanInput } from '../../src/plan/index.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

/**
 * A scheduled call whose schedule has no slot left (its `at` passed, or its `end`) and none of
 * whose slots was placed is listed as skipped, never left out of every list: a one-time call
 * whose `at` is a year early would otherwise never happen, unseen.
 */

const NOW = new Date('2026-12-02T18:00:00Z');
const base = {
  lock: lock(),
  now: NOW,
  runTarget: 'prod',
  explicitTarget: false,
} satisfies Omit<PlanInput, 'calls'>;

// A year typo: 09:00 Berlin on 24 December 2025, not 2026.
const xmas = call('xmas', {
  schedule: schedule({ at: '2025-12-24T09:00:00', timezone: 'Europe/Berlin' }),
});
const SLOT = '2025-12-24T08:00:00Z';

/** Every item the plan lists, by section. */
const listed = (plan: Plan) => ({
  due: plan.due.map((i) => i.key),
  upcoming: plan.upcoming.map((i) => i.key),
  missed: plan.missed.map((i) => i.key),
  skipped: plan.skipped.map((i) => [i.key, i.reason]),
});

describe('a call with no slot left, never placed', () => {
  it('an `at` that passed before callops first saw the call: skipped, with its slot and why', () => {
    const plan = buildPlan({ ...base, calls: [xmas] });
    expect(listed(plan)).toEqual({
      due: [],
      upcoming: [],
      missed: [],
      skipped: [
        [
          `prod/xmas@${SLOT}`,
          'never placed: its only slot had passed when callops first saw the call (2026-12-02T18:00:00Z); a one-time schedule has no other slot: move its `at` to place it',
        ],
      ],
    });
    expect(plan.skipped[0]).toMatchObject({ slot: SLOT, local: '09:00 Europe/Berlin' });
    // Nothing is reported missed: the slot was over before callops knew the call.
    expect(plan.unreported).toEqual([]);
  });

  it('an `at` missed while callops knew the call: listed missed for 24 hours, then skipped', () => {
    const known = lock({}, { 'prod/xmas': { since: '2025-12-01T00:00:00.000Z' } });
    const soon = buildPlan({
      ...base,
      lock: known,
      now: new Date('2025-12-24T12:00:00Z'),
      calls: [xmas],
    });
    expect(listed(soon)).toEqual({
      due: [],
      upcoming: [],
      missed: [`prod/xmas@${SLOT}`],
      skipped: [],
    });
    const later = buildPlan({ ...base, lock: known, calls: [xmas] });
    expect(listed(later).skipped).toEqual([
      [
        `prod/xmas@${SLOT}`,
        'never placed: its only slot was missed (deadline passed at 2025-12-24T08:10:00Z; never placed late); a one-time schedule has no other slot: move its `at` to place it',
      ],
    ]);
    expect(later.missed).toEqual([]);
  });

  it('an `at` that was placed, failed, or whose entry state.keep let go is done: nothing listed', () => {
    for (const done of [
      lock({ [`prod/xmas@${SLOT}`]: entry({ sid: 'CA1' }) }),
      lock({ [`prod/xmas@${SLOT}`]: entry({ status: 'failed', httpStatus: 400 }) }),
      // Placed at another `at` before it was edited: placed once, whatever its time now.
      lock({ 'prod/xmas@2025-12-23T08:00:00Z': entry({ sid: 'CA2' }) }),
      lock({}, { 'prod/xmas': { since: '2025-12-01T00:00:00.000Z', prunedThrough: SLOT } }),
    ]) {
      const plan = buildPlan({ ...base, lock: done, calls: [xmas] });
      expect(listed(plan)).toEqual({ due: [], upcoming: [], missed: [], skipped: [] });
    }
  });

  it('an `at` to come is upcoming, as before', () => {
    const later = call('later', { schedule: schedule({ at: '2030-12-02T09:00:00-05:00' }) });
    expect(listed(buildPlan({ ...base, calls: [later] }))).toEqual({
      due: [],
      upcoming: ['prod/later@2030-12-02T14:00:00Z'],
      missed: [],
      skipped: [],
    });
  });

  it('an `at` years ahead is upcoming at its slot, also from a --now decades back', () => {
    // Eight years and more past now: beyond the search for a cron's next slots.
    const far = call('far', { schedule: schedule({ at: '2035-06-01T09:00:00Z' }) });
    expect(listed(buildPlan({ ...base, calls: [far] })).upcoming).toEqual([
      'prod/far@2035-06-01T09:00:00Z',
    ]);
    const back = buildPlan({ ...base, now: new Date('1970-01-01T00:00:00Z'), calls: [far] });
    expect(listed(back).upcoming).toEqual(['prod/far@2035-06-01T09:00:00Z']);
  });

  it('a cron is looked for from its `start`; with no slot in eight years it is upcoming, saying so', () => {
    const later = call('later', {
      schedule: schedule({ cron: '0 9 * * 1', start: '2040-01-01' }),
    });
    expect(listed(buildPlan({ ...base, calls: [later] })).upcoming).toEqual([
      'prod/later@2040-01-02T09:00:00Z',
      'prod/later@2040-01-09T09:00:00Z',
      'prod/later@2040-01-16T09:00:00Z',
    ]);
    // A search shorter than the way to the next slot (the next 29 February is in 2028).
    const leap = call('leap', { schedule: schedule({ cron: '0 9 29 2 *' }) });
    const plan = buildPlan({ ...base, upcomingHorizonMs: 86_400_000, calls: [leap] });
    expect(listed(plan)).toEqual({ due: [], upcoming: ['prod/leap'], missed: [], skipped: [] });
    expect(plan.upcoming[0]).toMatchObject({
      reason:
        'no slot within the eight years looked through (a later one, if any, is listed once within them)',
    });
    expect(plan.upcoming[0]?.slot).toBeUndefined();
    // Said alike from any `now`: no instant that moves with it (a posted plan stays as it was).
    const anHourOn = buildPlan({
      ...base,
      now: new Date(base.now.getTime() + 3_600_000),
      upcomingHorizonMs: 86_400_000,
      calls: [leap],
    });
    expect(anHourOn.upcoming[0]?.reason).toBe(plan.upcoming[0]?.reason);
  });

  it("a cron never inside its window, or on no date, is skipped in validate's words, whatever `now`", () => {
    const early = call('early', {
      schedule: schedule({ cron: '30 1 * * *', timezone: 'Europe/London', window: '02:00-03:00' }),
    });
    const never = call('never', { schedule: schedule({ cron: '0 9 31 2 *' }) });
    const skipped = [
      [
        'prod/early',
        undefined,
        'cron `30 1 * * *` never falls inside window 02:00-03:00 (Europe/London time): no slot of it is ever placed',
      ],
      [
        'prod/never',
        undefined,
        'cron `0 9 31 2 *` matches no date of any year (its days of month never come in its months): no slot of it is ever placed',
      ],
    ];
    for (const now of ['2026-12-01T00:00:00Z', '2026-12-01T00:00:01Z']) {
      const plan = buildPlan({ ...base, now: new Date(now), calls: [early, never] });
      // Nothing of it is to come: not listed as upcoming, with or without a slot.
      expect(plan.upcoming).toEqual([]);
      expect(plan.skipped.map((i) => [i.key, i.slot, i.reason])).toEqual(skipped);
    }
    // Edited so after slots of it were placed: still listed, it is not done.
    const placed = lock({ 'prod/never@2026-11-30T09:00:00Z': entry({ sid: 'CA1' }) });
    const edited = buildPlan({ ...base, lock: placed, calls: [never] });
    expect(listed(edited)).toEqual({
      due: [],
      upcoming: [],
      missed: [],
      skipped: [['prod/never', skipped[1]?.[2]]],
    });
  });

  it('a cron whose `end` comes before any slot of it: skipped now, not once `end` passed', () => {
    const none = call('none', { schedule: schedule({ cron: '0 9 1 1 *', end: '2027-12-31' }) });
    expect(listed(buildPlan({ ...base, calls: [none] })).upcoming).toEqual([
      'prod/none@2027-01-01T09:00:00Z',
    ]);
    const cut = call('cut', { schedule: schedule({ cron: '0 9 1 1 *', end: '2026-12-31' }) });
    expect(listed(buildPlan({ ...base, calls: [cut] }))).toEqual({
      due: [],
      upcoming: [],
      missed: [],
      skipped: [
        [
          'prod/cut',
          'never placed: none of its slots comes before its `end` 2026-12-31 (UTC); no slot is left',
        ],
      ],
    });
  });

  it('an `at` outside its window is no slot: skipped, saying so', () => {
    const night = call('night', {
      schedule: schedule({ at: '2030-12-02T22:00:00Z', window: '08:00-21:00' }),
    });
    expect(listed(buildPlan({ ...base, calls: [night] })).skipped).toEqual([
      [
        'prod/night@2030-12-02T22:00:00Z',
        'never placed: its `at` falls outside its window 08:00-21:00 (UTC time), so it is no slot',
      ],
    ]);
  });

  it('an `at` equal to its `end` is no slot (the end is exclusive): skipped, saying at or after', () => {
    const edge = call('edge', {
      schedule: schedule({ at: '2030-12-10T09:00:00Z', end: '2030-12-10T09:00:00Z' }),
    });
    expect(listed(buildPlan({ ...base, calls: [edge] })).skipped).toEqual([
      [
        'prod/edge@2030-12-10T09:00:00Z',
        'never placed: its `at` falls at or after its `end` 2030-12-10T09:00:00Z (UTC), so it is no slot',
      ],
    ]);
  });

  it('a cron whose `end` passed with none of its slots placed: skipped; with one placed: done', () => {
    const ended = call('ended', { schedule: schedule({ cron: '0 9 * * *', end: '2025-01-31' }) });
    expect(listed(buildPlan({ ...base, calls: [ended] })).skipped).toEqual([
      [
        'prod/ended',
        'never placed: its schedule ended (`end` 2025-01-31, UTC) before callops first saw the call; no slot is left',
      ],
    ]);
    const known = lock({}, { 'prod/ended': { since: '2025-01-01T00:00:00.000Z' } });
    expect(listed(buildPlan({ ...base, lock: known, calls: [ended] })).skipped).toEqual([
      [
        'prod/ended',
        'never placed: its schedule ended (`end` 2025-01-31, UTC) with none of its slots placed; no slot is left',
      ],
    ]);
    const placed = lock({ 'prod/ended@2025-01-30T09:00:00Z': entry({ sid: 'CA3' }) });
    expect(listed(buildPlan({ ...base, lock: placed, calls: [ended] })).skipped).toEqual([]);
    // An `end` to come: upcoming slots, nothing skipped.
    const running = call('running', {
      schedule: schedule({ cron: '0 9 * * *', end: '2030-01-31' }),
    });
    expect(listed(buildPlan({ ...base, calls: [running] })).upcoming).toHaveLength(3);
  });

  it('each row of a campaign with a passed `at` that was never placed, as rows list missed slots', () => {
    const once = schedule({ at: '2025-12-24T09:00:00Z' });
    const row = (id: string, n: number): CallDefinition =>
      call(`remind/${id}`, {
        campaign: { name: 'remind', id, recipients: 'lists/remind.csv' },
        options: {
          application_sid: 'app',
          from: '+15550001111',
          to: { type: 'phone', number: `+155500000${n}` },
        },
        schedule: once,
      });
    const rows = [row('a', 1), row('b', 2), row('c', 3)];
    const placed = lock({ 'prod/remind/b@2025-12-24T09:00:00Z': entry({ sid: 'CA-b' }) });
    const plan = buildPlan({ ...base, lock: placed, calls: rows });
    expect(plan.skipped.map((i) => i.key)).toEqual([
      'prod/remind/a@2025-12-24T09:00:00Z',
      'prod/remind/c@2025-12-24T09:00:00Z',
    ]);
    // The rows share their words.
    expect(plan.skipped[0]?.reason).toBe(plan.skipped[1]?.reason);
  });
});
