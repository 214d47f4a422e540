import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import type { PlanScreen } from '../../src/plan/screen.js';
import { suppressedNow, wakeTimes } from '../../src/plan/wake.js';
import { destinationNumber } from '../../src/screen/number.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

const LISTED = '+15550002222';

/** A do-not-call list holding LISTED (line 3 of lists/dnc.csv). */
const dnc: PlanScreen = {
  numberOf: (item) => destinationNumber(item.to),
  listed: (number) =>
    number === LISTED ? { file: 'lists/dnc.csv', line: 3, reason: 'asked' } : undefined,
};

const minutely = (name: string, number: string): CallDefinition =>
  call(name, {
    options: { application_sid: 'app', from: '+15550001111', to: { type: 'phone', number } },
    schedule: schedule({ cron: '* * * * *', deadlineMs: 50_000 }),
  });

/** Both calls known since 09:00; planned at 09:10:30, nothing placed since. */
const input = (calls: readonly CallDefinition[]): PlanInput => ({
  calls,
  lock: lock(
    {},
    {
      'prod/listed': { since: '2026-12-01T09:00:00.000Z' },
      'prod/free': { since: '2026-12-01T09:00:00.000Z' },
    },
  ),
  now: new Date('2026-12-01T09:10:30Z'),
  runTarget: 'prod',
  explicitTarget: false,
  screen: dnc,
});

describe('the slots of a call whose number is on a do-not-call list', () => {
  it('are suppressed, not missed: none listed, counted or reported', () => {
    const plan = buildPlan(input([minutely('listed', LISTED)]));
    expect(plan.due).toEqual([]);
    expect(plan.suppressed?.[0]?.key).toBe('prod/listed@2026-12-01T09:10:00Z');
    expect(plan.suppressed?.[0]?.reason).toBe('do-not-call: asked (lists/dnc.csv:3)');
    expect(plan.missed).toEqual([]);
    expect(plan.missedCount).toEqual({ count: 0 });
    // Looked through (the memory moves past them), none to report; so is the slot held back
    // now, settled as apply and run say it suppressed.
    expect(plan.unreported?.map((r) => [r.memory, r.count, r.items.length, r.through])).toEqual([
      ['prod/listed', 0, 0, '2026-12-01T09:10:00Z'],
    ]);
  });

  it('do not hide another call’s missed slots', () => {
    const plan = buildPlan(input([minutely('listed', LISTED), minutely('free', '+15550003333')]));
    expect(plan.due.map((i) => i.key)).toEqual(['prod/free@2026-12-01T09:10:00Z']);
    expect(plan.missed.every((i) => i.name === 'free')).toBe(true);
    expect(plan.missed.map((i) => i.slot)).toContain('2026-12-01T09:09:00Z');
    expect(plan.missedCount?.count).toBe(10);
  });

  it('are not missed for a campaign row, while the other rows of one schedule are', () => {
    const every = schedule({ cron: '* * * * *', deadlineMs: 50_000 });
    const row = (id: string, number: string): CallDefinition => ({
      ...minutely(`remind/${id}`, number),
      campaign: { name: 'remind', id, recipients: 'lists/remind.csv' },
      schedule: every,
    });
    const plan = buildPlan({
      ...input([row('a', LISTED), row('b', '+15550003333')]),
      lock: lock({}, { 'prod/remind': { since: '2026-12-01T09:00:00.000Z' } }),
    });
    expect(plan.suppressed?.map((i) => i.key)).toContain('prod/remind/a@2026-12-01T09:10:00Z');
    expect(new Set(plan.missed.map((i) => i.name))).toEqual(new Set(['remind/b']));
    expect(plan.missedCount?.count).toBe(10);
  });

  it('settle a campaign row’s slot held back now, unless another row is still due at it', () => {
    const every = schedule({ cron: '* * * * *', deadlineMs: 50_000 });
    const row = (id: string, number: string): CallDefinition => ({
      ...minutely(`remind/${id}`, number),
      campaign: { name: 'remind', id, recipients: 'lists/remind.csv' },
      schedule: every,
    });
    const rows = [row('a', LISTED), row('b', '+15550003333')];
    const memory = { 'prod/remind': { since: '2026-12-01T09:10:00.000Z' } };
    const through = (calls: Parameters<typeof lock>[0]) =>
      buildPlan({ ...input(rows), lock: lock(calls, memory) })
        .unreported?.filter((r) => r.memory === 'prod/remind')
        .map((r) => r.through);
    // Row b placed at 09:10: the memory passes the slot row a's number is held back at.
    expect(
      through({
        'prod/remind/b@2026-12-01T09:10:00Z': entry({ at: '2026-12-01T09:10:01.000Z' }),
      }),
    ).toContain('2026-12-01T09:10:00Z');
    // Row b still due at 09:10 (its request refused): the memory stays before that slot.
    const pending = through({
      'prod/remind/b@2026-12-01T09:10:00Z': entry({ status: 'failed' }),
    });
    expect(pending?.every((t) => t === undefined || t < '2026-12-01T09:10:00Z')).toBe(true);
  });

  it('wake run at their next slot, and only the slot due now is said suppressed', () => {
    const plan = buildPlan({ ...input([minutely('listed', LISTED)]), upcomingCount: 1 });
    // Nothing else is to come: the slot the list holds back is what run wakes for.
    expect(plan.upcoming).toEqual([]);
    expect(wakeTimes(plan)).toEqual([Date.parse('2026-12-01T09:11:00Z')]);
    expect(suppressedNow(plan).map((i) => i.key)).toEqual(['prod/listed@2026-12-01T09:10:00Z']);
  });

  it('do not delay another call’s slot: run wakes at the earliest of both', () => {
    const free = call('free', {
      options: {
        application_sid: 'app',
        from: '+15550001111',
        to: { type: 'phone', number: '+15550003333' },
      },
      schedule: schedule({ cron: '45 10 9 * * *', deadlineMs: 5_000 }),
    });
    const plan = buildPlan({
      ...input([minutely('listed', LISTED), free]),
      lock: lock(
        {},
        {
          'prod/listed': { since: '2026-12-01T09:00:00.000Z' },
          'prod/free': { since: '2026-12-01T09:00:00.000Z' },
        },
      ),
      upcomingCount: 1,
    });
    expect(Math.min(...wakeTimes(plan))).toBe(Date.parse('2026-12-01T09:10:45Z'));
    expect(wakeTimes(plan)).toContain(Date.parse('2026-12-01T09:11:00Z'));
  });
});
