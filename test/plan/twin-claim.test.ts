import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { keyClaimHeld, keyScope } from '../../src/plan/twin-claim.js';
import type { PlanItem } from '../../src/plan/types.js';
import { call, entry, lock } from './make.js';

/**
 * A claim a database store refused for its key under another target (another checkout placed
 * it there after this one planned): judged by the rule the plan holds such a call by.
 */

const AT = '2026-12-01T08:00:01.123Z';
const ONLY_PRODUCTION = new Map([
  ['production', 'gateway-1'],
  ['simulator', 'simulator'],
]);

const input: PlanInput = {
  calls: [call('welcome')],
  lock: lock({}),
  now: new Date('2026-12-01T09:05:30Z'),
  runTarget: 'production',
  explicitTarget: false,
  gateways: ONLY_PRODUCTION,
};

describe('a claim refused for its key under another target (a database store)', () => {
  const item = buildPlan(input).due[0] as PlanItem;
  const found = { key: 'gw/welcome', status: 'being placed', at: AT };

  it('is held when that target is no longer defined, or on the same gateway', () => {
    expect(keyScope(item)).toEqual({ rest: 'welcome' });
    expect(
      keyClaimHeld(item, found, {
        named: [],
        numberOf: () => undefined,
        gateways: ONLY_PRODUCTION,
      }),
    ).toBe(
      `not placed: being placed as gw/welcome (being placed by another runner right now), the same call under target gw, which the project no longer defines (renamed?): a call is placed once, whatever its target's name`,
    );
    const same = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-1']]);
    expect(
      keyClaimHeld(item, found, { named: [], numberOf: () => undefined, gateways: same }),
    ).toMatch(/the same gateway as target production/);
  });

  it('is let through when that target is defined on another gateway', () => {
    const other = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-2']]);
    expect(
      keyClaimHeld(item, found, { named: [], numberOf: () => undefined, gateways: other }),
    ).toBeUndefined();
  });
});

describe('a claim of a call --replace places again on a renamed target', () => {
  it('is not checked against the key it repeats', () => {
    const plan = buildPlan({
      ...input,
      lock: lock({ 'gw/welcome': entry({ sid: 'sid-1' }) }),
      replace: ['welcome'],
    });
    expect(plan.due.map((i) => i.key)).toEqual(['production/welcome']);
    expect(keyScope(plan.due[0] as PlanItem)).toBeUndefined();
  });
});
