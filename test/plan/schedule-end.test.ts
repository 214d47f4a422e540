import { describe, expect, it } from 'vitest';
import { buildPlan, type Plan } from '../../src/plan/index.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, lock, schedule } from './make.js';

/**
 * A schedule's `end` bounds its slots as a row's hours are bounded, `[start, end)`: a slot at
 * `end` itself is none, and a slot due before it is not placed once `end` is reached, however
 * long its deadline: it is missed, never placed late.
 */

const planAt = (calls: readonly CallDefinition[], iso: string, since?: string): Plan =>
  buildPlan({
    calls,
    // Known to callops since `since`: its missed slots are reported.
    lock: lock(
      {},
      since === undefined
        ? undefined
        : Object.fromEntries(calls.map((c) => [`prod/${c.name}`, { since }])),
    ),
    now: new Date(iso),
    runTarget: 'prod',
    explicitTarget: false,
  });

const keys = (items: readonly { key: string }[]) => items.map((i) => i.key);

describe("a schedule's end", () => {
  it('a slot at `end` itself is no slot: never due, listed or missed', () => {
    const halfHourly = call('halfhourly', {
      schedule: schedule({
        cron: '0,30 * * * *',
        end: '2026-12-10T09:30:00Z',
        deadlineMs: 20 * 60_000,
      }),
    });
    const before = planAt([halfHourly], '2026-12-10T09:10:00Z');
    expect(keys(before.due)).toEqual(['prod/halfhourly@2026-12-10T09:00:00Z']);
    expect(before.upcoming).toEqual([]);
    const after = planAt([halfHourly], '2026-12-10T09:40:00Z', '2026-12-10T08:50:00Z');
    expect(after.due).toEqual([]);
    expect(keys(after.missed)).toEqual(['prod/halfhourly@2026-12-10T09:00:00Z']);
  });

  it('a slot due before `end` is missed once `end` is reached, within its deadline', () => {
    // 23:55 in Berlin on 10 December; the schedule ends at midnight there (23:00Z).
    const spec = schedule({
      cron: '55 23 * * *',
      end: '2026-12-10',
      timezone: 'Europe/Berlin',
      deadlineMs: 30 * 60_000,
    });
    const nightly = call('nightly', { schedule: spec });
    const row = call('reminders/r1', {
      schedule: spec,
      campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
    });
    const due = planAt([nightly, row], '2026-12-10T22:59:00Z', '2026-12-10T22:30:00Z');
    expect(keys(due.due)).toEqual([
      'prod/nightly@2026-12-10T22:55:00Z',
      'prod/reminders/r1@2026-12-10T22:55:00Z',
    ]);
    const ended = planAt([nightly, row], '2026-12-10T23:10:00Z', '2026-12-10T22:30:00Z');
    expect(ended.due).toEqual([]);
    expect(ended.missed.map((i) => [i.key, i.reason])).toEqual([
      [
        'prod/nightly@2026-12-10T22:55:00Z',
        'its schedule ended at 2026-12-10T23:00:00Z (end 2026-12-10); never placed late',
      ],
      [
        'prod/reminders/r1@2026-12-10T22:55:00Z',
        'campaign reminders ended at 2026-12-10T23:00:00Z (end 2026-12-10); never placed late',
      ],
    ]);
  });
});
