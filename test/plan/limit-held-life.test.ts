import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import type { PlanScreen } from '../../src/plan/screen.js';
import type { Plan } from '../../src/plan/types.js';
import type { PerNumberLimit } from '../../src/screen/limit.js';
import { destinationNumber, numberDigest } from '../../src/screen/number.js';
import type { CallDefinition, ScheduleSpec } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

const NUMBER = '+15550000241';
const DIGEST = numberDigest(NUMBER);

const limited = (perNumber: PerNumberLimit): PlanScreen => ({
  numberOf: (item) => destinationNumber(item.to),
  listed: () => undefined,
  perNumber,
});

const scheduled = (spec: ScheduleSpec): CallDefinition =>
  call('h', {
    options: {
      application_sid: 'app',
      from: '+15550001111',
      to: { type: 'phone', number: NUMBER },
    },
    schedule: spec,
  });

/** Slots placed (the slot → when its call rang), the call first seen at `since`. */
const input = (
  spec: ScheduleSpec,
  perNumber: PerNumberLimit,
  placed: Record<string, string>,
  since: string,
  now: string,
): PlanInput => ({
  calls: [scheduled(spec)],
  lock: lock(
    Object.fromEntries(
      Object.entries(placed).map(([slot, at]) => [
        `prod/h@${slot}`,
        entry({ at, number: DIGEST, sid: `sid-${slot}` }),
      ]),
    ),
    { 'prod/h': { since } },
  ),
  now: new Date(now),
  runTarget: 'prod',
  explicitTarget: false,
  screen: limited(perNumber),
});

const reasons = (items: Plan['missed']): Record<string, string | undefined> =>
  Object.fromEntries(items.map((i) => [i.slot, i.reason]));

const HELD = 'held back by the per-number limit 1/150m while it was due (waiting), not missed: ';

describe('slots the per-number limit held back all their life', () => {
  // Hourly, due for 2 h; the limit keeps a number 150 minutes. Placed at 09:00, at 11:31 (the
  // 11:00 slot, once the 09:00 call left the window) and at 14:02.
  const HOURLY = schedule({ cron: '0 * * * *', deadlineMs: 2 * 3_600_000 });
  const LIMIT: PerNumberLimit = { count: 1, windowMs: 150 * 60_000, text: '1/150m' };
  const PLACED = {
    '2027-06-01T09:00:00Z': '2027-06-01T09:00:01.775Z',
    '2027-06-01T11:00:00Z': '2027-06-01T11:31:00.786Z',
    '2027-06-01T14:00:00Z': '2027-06-01T14:02:00.684Z',
  };

  it('end when a later slot supersedes them, before their deadline: skipped, not missed', () => {
    const plan = buildPlan(
      input(HOURLY, LIMIT, PLACED, '2027-06-01T09:00:01.482Z', '2027-06-01T14:30:00Z'),
    );
    // 10:00 was held until 11:00 superseded it (its deadline, 12:00, came after the window of
    // the 09:00 call closed at 11:30): it could never have been placed. So were 12:00 and
    // 13:00, superseded at 13:00 and 14:00.
    expect(reasons(plan.skipped)).toMatchObject({
      '2027-06-01T10:00:00Z': `${HELD}superseded by 2027-06-01T11:00:00Z before an earlier call to this number left the window`,
      '2027-06-01T12:00:00Z': `${HELD}superseded by 2027-06-01T13:00:00Z before an earlier call to this number left the window`,
      '2027-06-01T13:00:00Z': `${HELD}superseded by 2027-06-01T14:00:00Z before an earlier call to this number left the window`,
    });
    // 08:00, before any call rang, is missed as any slot is.
    expect(plan.missed.map((i) => i.slot)).toEqual(['2027-06-01T08:00:00Z']);
    expect(plan.missedCount).toEqual({ count: 1 });
    // apply and run report none of the held ones.
    const reported = (plan.unreported ?? []).flatMap((r) => r.items.map((i) => i.slot));
    expect(reported).toEqual(['2027-06-01T08:00:00Z']);
    expect((plan.unreported ?? []).reduce((n, r) => n + r.count, 0)).toBe(1);
  });

  it('say the deadline when it passed before a later slot came', () => {
    // Every three hours, due for one: 12:00 is held until its deadline at 13:00.
    const plan = buildPlan(
      input(
        schedule({ cron: '0 */3 * * *', deadlineMs: 3_600_000 }),
        LIMIT,
        { '2027-06-01T09:00:00Z': '2027-06-01T11:00:00.000Z' },
        '2027-06-01T08:59:00.000Z',
        '2027-06-01T14:30:00Z',
      ),
    );
    expect(reasons(plan.skipped)).toEqual({
      '2027-06-01T12:00:00Z': `${HELD}deadline passed at 2027-06-01T13:00:00Z; never placed late`,
    });
    expect(plan.missed).toEqual([]);
  });

  it('within their deadline, superseded by the next slot, not by the one due now', () => {
    // Every 20 s, due for 10 min; the limit keeps a number 50 s. Each call is placed as the
    // window of the one before frees (10 s after a slot), the slots between held back.
    const every20s = schedule({ cron: '*/20 * * * * *', deadlineMs: 600_000 });
    const plan = buildPlan(
      input(
        every20s,
        { count: 1, windowMs: 50_000, text: '1/50s' },
        {
          '2026-12-03T08:55:00Z': '2026-12-03T08:55:09.849Z',
          '2026-12-03T08:55:40Z': '2026-12-03T08:55:59.881Z',
          '2026-12-03T08:56:40Z': '2026-12-03T08:56:49.901Z',
          '2026-12-03T08:57:20Z': '2026-12-03T08:57:39.949Z',
        },
        '2026-12-03T08:55:09.659Z',
        '2026-12-03T08:58:05Z',
      ),
    );
    const later = (slot: string | undefined) => (slot ?? '') > '2026-12-03T08:55:00Z';
    expect(plan.missed.filter((i) => later(i.slot))).toEqual([]);
    const held = plan.skipped.filter((i) => later(i.slot) && i.reason?.startsWith('held back'));
    expect(held.map((i) => [i.slot, i.reason])).toEqual(
      [
        ['08:55:20', '08:55:40'],
        ['08:56:00', '08:56:20'],
        ['08:56:20', '08:56:40'],
        ['08:57:00', '08:57:20'],
        ['08:57:40', '08:58:00'],
      ].map(([slot, by]) => [
        `2026-12-03T${slot}Z`,
        `held back by the per-number limit 1/50s while it was due (waiting), not missed: superseded by 2026-12-03T${by}Z before an earlier call to this number left the window`,
      ]),
    );
  });
});
