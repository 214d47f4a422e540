import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/index.js';
import { laterScope, laterWords } from '../../src/plan/later-claim.js';
import type { PlanItem } from '../../src/plan/types.js';
import type { Lockfile } from '../../src/state/types.js';
import { call, entry, lock, schedule } from './make.js';

/**
 * A slot checked again at its claim for a later slot of its call: the claim carries the slot
 * and its call's key up to `@`, judged at the clock or at a rehearsal's instant, and a later
 * slot the store finds supersedes it in the words the plan gives, had it read that slot.
 */

const HOURLY = call('hourly', {
  schedule: schedule({ cron: '0 * * * *', deadlineMs: 30 * 60_000 }),
});

const planAt = (now: string, state: Lockfile = lock()) =>
  buildPlan({
    calls: [HOURLY],
    lock: state,
    now: new Date(now),
    runTarget: 'prod',
    explicitTarget: false,
  });

const dueAt = (now: string): PlanItem => {
  const item = planAt(now).due[0];
  if (item === undefined) throw new Error(`nothing due at ${now}`);
  return item;
};

describe('laterScope', () => {
  it("carries a slot's call up to its `@`, its slot, and the instant it is judged at", () => {
    const item = dueAt('2026-12-05T08:10:00Z');
    expect(laterScope(item, Date.parse('2026-12-05T08:10:42.500Z'), false)).toEqual({
      series: 'prod/hourly@',
      slot: '2026-12-05T08:00:00Z',
      now: '2026-12-05T08:10:42Z',
    });
    expect(laterScope(item, Date.parse('2026-12-05T08:10:00Z'), true)).toMatchObject({
      rehearsal: true,
    });
  });

  it('carries none for an unscheduled call, a redial’s attempt or a replacement', () => {
    const item = dueAt('2026-12-05T08:10:00Z');
    const now = Date.parse('2026-12-05T08:10:00Z');
    expect(laterScope({ ...item, slot: undefined }, now, false)).toBeUndefined();
    expect(laterScope({ ...item, key: `${item.key}#2` }, now, false)).toBeUndefined();
    expect(
      laterScope({ ...item, replaces: { sid: 'CA1', at: '2026-12-05T08:00:01Z' } }, now, false),
    ).toBeUndefined();
  });
});

describe('laterWords', () => {
  it('are the words of the plan that reads the later slot placed, or unknown', () => {
    const item = dueAt('2026-12-05T08:10:00Z');
    const scope = laterScope(item, Date.parse('2026-12-05T08:10:00Z'), false);
    if (scope === undefined) throw new Error('no scope');
    const key = 'prod/hourly@2026-12-05T09:00:00Z';
    for (const status of ['placed', 'unknown'] as const) {
      const at = '2026-12-05T09:05:00.000Z';
      const plan = planAt('2026-12-05T08:10:00Z', lock({ [key]: entry({ status, at }) }));
      const missed = plan.missed.find((i) => i.key === item.key);
      expect(missed?.reason).toBe(laterWords(scope, { key, status, at }));
    }
    // Being placed by another runner now: its outcome is unknown yet.
    expect(laterWords(scope, { key, status: 'being placed', at: '2026-12-05T09:05:00.000Z' })).toBe(
      'superseded by 2026-12-05T09:00:00Z, whose outcome is unknown: an earlier slot is never placed after a later one',
    );
  });
});
