import { describe, expect, it } from 'vitest';
import {
  buildPlan,
  markChecked,
  missedToReport,
  type Plan,
  type PlanInput,
} from '../../src/plan/index.js';
import type { Lockfile } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

/** Every 5 minutes, each slot placeable for 20 minutes after it. */
const fiveMinutely = (enabled: boolean): CallDefinition =>
  call('five', { enabled, schedule: schedule({ cron: '*/5 * * * *', deadlineMs: 20 * 60_000 }) });

const planOf = (enabled: boolean, state: Lockfile, now: string): Plan =>
  buildPlan({
    calls: [fiveMinutely(enabled)],
    lock: state,
    now: new Date(now),
    runTarget: 'prod',
    explicitTarget: false,
  } satisfies PlanInput);

/** The slots apply and run report missed (`plan`'s view also lists those reported). */
const reported = (plan: Plan): (string | undefined)[] =>
  missedToReport(plan).missed.map((i) => i.slot);

/** The lockfile after apply recorded the plan's memory (as apply and run write it). */
const remembered = (state: Lockfile, plan: Plan): Lockfile => ({
  ...state,
  schedules: markChecked(plan.memory ?? {}, plan.unreported ?? []),
});

/** Placed at 09:00, reported through 08:40 (the last slot whose deadline had passed). */
const placedAtNine = lock(
  { 'prod/five@2026-12-01T09:00:00Z': entry({ at: '2026-12-01T09:00:01.000Z' }) },
  {
    'prod/five': {
      since: '2026-12-01T08:00:00.000Z',
      reportedThrough: '2026-12-01T08:40:00Z',
    },
  },
);

describe('a scheduled call disabled for a while', () => {
  it('is looked through while disabled: its slots up to now are remembered, none missed', () => {
    const plan = planOf(false, placedAtNine, '2026-12-01T09:30:10Z');
    expect(plan.skipped.map((i) => i.reason)).toEqual(['disabled']);
    expect(plan.missed).toEqual([]);
    expect(plan.unreported).toEqual([
      { memory: 'prod/five', count: 0, items: [], through: '2026-12-01T09:30:00Z' },
    ]);
    expect(remembered(placedAtNine, plan).schedules?.['prod/five']).toEqual({
      since: '2026-12-01T08:00:00.000Z',
      reportedThrough: '2026-12-01T09:30:00Z',
    });
  });

  it('enabled again: a slot that fell while it was disabled is neither placed nor missed, even within its deadline', () => {
    const seenDisabled = remembered(
      placedAtNine,
      planOf(false, placedAtNine, '2026-12-01T09:30:10Z'),
    );
    // 09:15 … 09:30 are within their deadline at 09:32, but fell while the call was disabled.
    const back = planOf(true, seenDisabled, '2026-12-01T09:32:10Z');
    expect(back.due).toEqual([]);
    expect(reported(back)).toEqual([]);
    expect(missedToReport(back).missedCount).toEqual({ count: 0 });
    expect(back.upcoming.map((i) => i.slot)).toContain('2026-12-01T09:35:00Z');
    // The next slot is placed as usual.
    const next = planOf(true, remembered(seenDisabled, back), '2026-12-01T09:35:10Z');
    expect(next.due.map((i) => i.key)).toEqual(['prod/five@2026-12-01T09:35:00Z']);
    expect(reported(next)).toEqual([]);
  });

  it('enabled again after its latest look while disabled: the slots after that look are as any call’s', () => {
    const seenDisabled = remembered(
      placedAtNine,
      planOf(false, placedAtNine, '2026-12-01T09:30:10Z'),
    );
    // Not looked at between 09:30:10 and 10:10:10: it may have been enabled right after.
    const back = planOf(true, seenDisabled, '2026-12-01T10:10:10Z');
    expect(back.due.map((i) => i.key)).toEqual(['prod/five@2026-12-01T10:10:00Z']);
    expect(reported(back)).toEqual([
      '2026-12-01T09:35:00Z',
      '2026-12-01T09:40:00Z',
      '2026-12-01T09:45:00Z',
      '2026-12-01T09:50:00Z',
      '2026-12-01T09:55:00Z',
      '2026-12-01T10:00:00Z',
      '2026-12-01T10:05:00Z',
    ]);
  });

  it('disabled since callops first saw it: remembered from then, its slots looked through', () => {
    const plan = planOf(false, lock(), '2026-12-01T09:32:10Z');
    expect(plan.memory).toEqual({ 'prod/five': { since: '2026-12-01T09:32:10.000Z' } });
    expect(plan.unreported).toEqual([
      { memory: 'prod/five', count: 0, items: [], through: '2026-12-01T09:30:00Z' },
    ]);
    // Enabled a minute later: 09:30 fell while it was disabled, within its deadline or not.
    const back = planOf(true, remembered(lock(), plan), '2026-12-01T09:33:10Z');
    expect(back.due).toEqual([]);
    expect(reported(back)).toEqual([]);
  });

  it('is left alone when pinned to another target than the one chosen', () => {
    const plan = buildPlan({
      calls: [{ ...fiveMinutely(false), target: 'lab' }],
      lock: placedAtNine,
      now: new Date('2026-12-01T09:30:10Z'),
      runTarget: 'prod',
      explicitTarget: true,
    });
    expect(plan.unreported).toEqual([]);
    expect(plan.memory).toEqual(placedAtNine.schedules);
  });
});
