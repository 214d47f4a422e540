import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { callClaimHeld, callScope, repeatedOnceSid } from '../../src/plan/rescheduled-claim.js';
import type { PlannedKeys } from '../../src/plan/twin-claim.js';
import { targetTwins } from '../../src/plan/twins.js';
import type { PlanItem } from '../../src/plan/types.js';
import { numberDigest } from '../../src/screen/number.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { Lockfile } from '../../src/state/types.js';
import { call, entry, lock, schedule } from './make.js';

/**
 * A claim of a call that runs once, refused by a database store for another key of its call
 * that dialled its number (another checkout, with the schedule as it was, placed it there after
 * this one planned): judged by the rule the plan holds such a call by (rescheduled.ts).
 */

const NUMBER = '+15550002222';
const DIGEST = numberDigest(NUMBER);
const AT = '2026-12-01T09:00:00Z';
const GATEWAYS = new Map([
  ['production', 'gateway-1'],
  ['staging', 'gateway-2'],
]);

const planOf = (state: Lockfile, extra: Partial<PlanInput> = {}) =>
  buildPlan({
    calls: [call('welcome', { schedule: schedule({ at: AT }) })],
    lock: state,
    now: new Date('2026-12-01T09:00:30Z'),
    runTarget: 'production',
    explicitTarget: false,
    gateways: GATEWAYS,
    ...extra,
  });

/** What a plan made from `state` read, as the engine gives it. */
const plannedFrom = (state: Lockfile) => (): PlannedKeys => ({
  lock: state,
  twins: targetTwins(state, GATEWAYS),
});

const owners = { gateways: GATEWAYS };
const KEY = `production/welcome@${AT}`;

describe('the claim of a call that runs once, refused for another key of its call', () => {
  const empty = lock({});
  const item = planOf(empty).due[0] as PlanItem;

  it('carries its call and slot, checked; a cron slot only takes the lock', () => {
    expect(item.key).toBe(KEY);
    expect(callScope(item, plannedFrom(empty))).toEqual({
      call: 'welcome',
      slot: AT,
      once: true,
    });
    const cron = buildPlan({
      calls: [call('daily', { schedule: schedule({ cron: '0 9 * * *' }) })],
      lock: empty,
      now: new Date('2026-12-01T09:00:30Z'),
      runTarget: 'production',
      explicitTarget: false,
    }).due[0] as PlanItem;
    expect(callScope(cron, plannedFrom(empty))).toEqual({ call: 'daily', slot: AT });
  });

  it('is held with the words of the plan, the earlier key, its sid and --replace', () => {
    const placed = { key: 'production/welcome', status: 'placed', sid: 'sid-1', at: 'T' };
    const words = callClaimHeld(item, placed, owners, DIGEST);
    expect(words).toBe(
      'already placed as production/welcome (placed sid-1 at T): its schedule changed since, and a call that runs once is placed once; `callops apply --replace welcome` places it again',
    );
    // The plan gives the same words of that entry read from the state.
    const state = lock({ 'production/welcome': entry({ sid: 'sid-1', at: 'T', number: DIGEST }) });
    expect(planOf(state).skipped.find((i) => i.key === KEY)?.reason).toBe(words);
    // Being placed by another runner right now: it may have been placed.
    const claimed = { key: 'production/welcome', status: 'being placed', at: 'T' };
    expect(callClaimHeld(item, claimed, owners, DIGEST)).toBe(
      'may have been placed as production/welcome (being placed by another runner right now): its schedule changed since, and a call that runs once is placed once',
    );
    const inFlight = lock({
      'production/welcome': entry({
        status: 'unknown',
        at: 'T',
        number: DIGEST,
        message: IN_FLIGHT,
      }),
    });
    expect(planOf(inFlight).skipped.find((i) => i.key === KEY)?.reason).toBe(
      callClaimHeld(item, claimed, owners, DIGEST),
    );
  });

  it('is held under a twin target, let through under a target on another gateway', () => {
    const gone = { key: 'gw/welcome', status: 'placed', sid: 'sid-1', at: 'T' };
    expect(callClaimHeld(item, gone, owners, DIGEST)).toBe(
      "already placed as gw/welcome (placed sid-1 at T), under target gw, which this checkout's callops.yaml does not define: its schedule changed since, and a call that runs once is placed once; `callops apply --replace welcome` places it again",
    );
    const other = { key: 'staging/welcome', status: 'placed', sid: 'sid-1', at: 'T' };
    expect(callClaimHeld(item, other, owners, DIGEST)).toBeUndefined();
    // The project's targets not known: let through, as the plan knows no twin then.
    expect(callClaimHeld(item, gone, {}, DIGEST)).toBeUndefined();
  });

  it('placed again by --replace: carries what its plan read, and the sid it repeats', () => {
    const state = lock({
      'production/welcome': entry({ sid: 'sid-1', number: DIGEST }),
      'production/welcome@2026-11-30T09:00:00Z': entry({ status: 'failed', number: DIGEST }),
    });
    const again = planOf(state, { replace: ['welcome'] }).due[0] as PlanItem;
    expect(again.key).toBe(KEY);
    expect(callScope(again, plannedFrom(state))).toEqual({
      call: 'welcome',
      slot: AT,
      once: true,
      seen: [{ key: 'production/welcome', status: 'placed', sid: 'sid-1' }],
    });
    expect(repeatedOnceSid(again, plannedFrom(state), DIGEST)).toBe('sid-1');
    expect(repeatedOnceSid(item, plannedFrom(empty), DIGEST)).toBeUndefined();
  });
});

describe('an unscheduled call whose request was refused, tried again', () => {
  const unscheduled = (state: Lockfile) =>
    buildPlan({
      calls: [call('welcome')],
      lock: state,
      now: new Date('2026-12-01T09:30:00Z'),
      runTarget: 'production',
      explicitTarget: false,
      gateways: GATEWAYS,
    });
  const refused = entry({ status: 'failed', number: DIGEST, httpStatus: 400, message: 'refused' });

  it('is held by the plan when the call rang under its `at` since', () => {
    const state = lock({
      'production/welcome': refused,
      [`production/welcome@${AT}`]: entry({ sid: 'sid-1', at: 'T', number: DIGEST }),
    });
    const plan = unscheduled(state);
    expect(plan.due).toEqual([]);
    expect(plan.skipped.find((i) => i.key === 'production/welcome')?.reason).toBe(
      `already placed as production/welcome@${AT} (placed sid-1 at T): its schedule changed since, and a call that runs once is placed once; \`callops apply --replace welcome\` places it again`,
    );
  });

  it('its claim is checked: another checkout may place it under its `at` after this plan', () => {
    const state = lock({ 'production/welcome': refused });
    const retried = unscheduled(state).due[0] as PlanItem;
    expect(retried.reason).toMatch(/^retrying: failed before/);
    expect(callScope(retried, plannedFrom(state))).toEqual({
      call: 'welcome',
      slot: '',
      once: true,
    });
  });
});
