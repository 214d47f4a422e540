import { describe, expect, it } from 'vitest';
import { earliestListed, forgetBefore } from '../../src/engine/said.js';
import type { Plan, PlanItem } from '../../src/plan/types.js';

const SECOND = 1000;
const start = Date.parse('2026-12-03T00:00:00Z');
const slot = (i: number) => new Date(start + i * SECOND).toISOString().replace('.000Z', 'Z');
const item = (key: string) => ({ key }) as PlanItem;
const planOf = (at: number, lists: Partial<Plan> = {}): Plan =>
  ({
    target: 'sim',
    now: new Date(start + at * SECOND).toISOString(),
    due: [],
    upcoming: [],
    missed: [],
    skipped: [],
    ...lists,
  }) as Plan;

describe("what run remembers per key, let go once no plan lists the key's slot", () => {
  it('the earliest slot of any list, or now when none is listed', () => {
    expect(earliestListed(planOf(100))).toBe(start + 100 * SECOND);
    const plan = planOf(100, {
      due: [item(`sim/a@${slot(99)}`), item('sim/once')],
      waiting: [item(`sim/b@${slot(40)}`)],
      unreported: [{ memory: 'sim/c', count: 1, items: [item(`sim/c@${slot(60)}`)] }],
    });
    expect(earliestListed(plan)).toBe(start + 40 * SECOND);
  });

  it('forgets slots before the floor, keeps later ones and calls that run once', () => {
    const said = new Set([`sim/a@${slot(1)}`, `sim/a@${slot(5)}`, 'sim/once', 'sim/odd@x']);
    forgetBefore(said, start + 5 * SECOND);
    expect([...said]).toEqual([`sim/a@${slot(5)}`, 'sim/once', 'sim/odd@x']);
    const given = new Set([`sim/a@${slot(1)}\0sha256:d`, `sim/a@${slot(9)}\0sha256:d`]);
    forgetBefore(given, start + 5 * SECOND, (e) => e.slice(0, e.indexOf('\0')));
    expect([...given]).toEqual([`sim/a@${slot(9)}\0sha256:d`]);
  });

  it('a call that fails every second for hours: what run holds stays that of the slots listed', () => {
    const reported = new Set<string>();
    const givenUp = new Set<string>();
    for (let i = 1; i <= 10_000; i++) {
      // Each wake: this second's slot due, the last one's (failed, superseded) reported.
      const plan = planOf(i, {
        due: [item(`sim/f@${slot(i)}`)],
        unreported: [{ memory: 'sim/f', count: 1, items: [item(`sim/f@${slot(i - 1)}`)] }],
      });
      const floor = earliestListed(plan);
      forgetBefore(reported, floor);
      forgetBefore(givenUp, floor, (e) => e.slice(0, e.indexOf('\0')));
      // Listed still (reported missed): kept.
      expect(givenUp.has(`sim/f@${slot(i - 1)}\0d`)).toBe(i > 1);
      // Reported at the last wake, listed no more: let go.
      expect(reported.has(`sim/f@${slot(i - 2)}`)).toBe(false);
      reported.add(`sim/f@${slot(i - 1)}`);
      givenUp.add(`sim/f@${slot(i)}\0d`);
    }
    expect(reported.size).toBeLessThanOrEqual(2);
    expect(givenUp.size).toBeLessThanOrEqual(2);
  });
});
