import { describe, expect, it } from 'vitest';
import { checkReplacedHeld } from '../../src/engine/prepare.js';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import {
  keyClaimHeld,
  keyScope,
  type PlannedKeys,
  repeatedSid,
} from '../../src/plan/twin-claim.js';
import { isTwinBeingPlaced } from '../../src/plan/twin-held.js';
import { recordedGateway, targetTwins, UNRESOLVED_GATEWAY } from '../../src/plan/twins.js';
import type { PlanItem } from '../../src/plan/types.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { Lockfile } from '../../src/state/types.js';
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

/** What a plan made from `state` read of keys under other targets, as the engine gives it. */
const plannedFrom = (state: Lockfile) => (): PlannedKeys => ({
  lock: state,
  twins: targetTwins(state, input.gateways),
});

describe('a claim refused for its key under another target (a database store)', () => {
  const item = buildPlan(input).due[0] as PlanItem;
  const found = { key: 'gw/welcome', status: 'being placed', at: AT };

  it('is held when that target is no longer defined, or on the same gateway', () => {
    expect(keyScope(item, plannedFrom(input.lock))).toEqual({ rest: 'welcome' });
    expect(repeatedSid(item, plannedFrom(input.lock))).toBeUndefined();
    expect(
      keyClaimHeld(item, found, {
        named: [],
        numberOf: () => undefined,
        gateways: ONLY_PRODUCTION,
      }),
    ).toBe(
      `not placed: being placed as gw/welcome (being placed by another runner right now), the same call under target gw, which this checkout's callops.yaml does not define: a call is placed once, whatever its target's name`,
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

  it('under a target that does not resolve here, is judged by the gateway its entry records', () => {
    const owners = {
      named: [],
      numberOf: () => undefined,
      gateways: new Map([...ONLY_PRODUCTION, ['gw', `${UNRESOLVED_GATEWAY}sha256:bb`]]),
    };
    const here = recordedGateway('gateway-1');
    expect(keyClaimHeld(item, { ...found, gateway: here }, owners)).toBe(
      `not placed: being placed as gw/welcome (being placed by another runner right now), the same call under target gw, placed on the gateway of target production, as its entry records (the base_url or account_sid of gw does not resolve here): a call is placed once on a gateway, whatever its target's name`,
    );
    // Recorded on another gateway, or recording none (an earlier release): that gateway's.
    const elsewhere = recordedGateway('gateway-2');
    expect(keyClaimHeld(item, { ...found, gateway: elsewhere }, owners)).toBeUndefined();
    expect(keyClaimHeld(item, found, owners)).toBeUndefined();
  });
});

describe('a claim of a call --replace places again on a renamed target', () => {
  it('names the twin key it repeats, as its plan read it, and that call’s sid', () => {
    const state = lock({
      'gw/welcome': entry({ sid: 'sid-1' }),
      // Another twin's unknown entry is read too; one in flight is no call it may stand beside.
      'old/welcome': entry({ status: 'unknown', message: 'timed out' }),
      'older/welcome': entry({ status: 'unknown', message: IN_FLIGHT }),
    });
    const plan = buildPlan({ ...input, lock: state, replace: ['welcome'] });
    expect(plan.due.map((i) => i.key)).toEqual(['production/welcome']);
    const item = plan.due[0] as PlanItem;
    expect(keyScope(item, plannedFrom(state))).toEqual({
      rest: 'welcome',
      seen: [
        { key: 'gw/welcome', status: 'placed', sid: 'sid-1' },
        { key: 'old/welcome', status: 'unknown' },
      ],
    });
    expect(repeatedSid(item, plannedFrom(state))).toBe('sid-1');
  });

  it('a replacement of its own key names what its plan read under the other targets', () => {
    const state = lock({
      'production/welcome': entry({ sid: 'sid-2' }),
      'gw/welcome': entry({ sid: 'sid-1' }),
    });
    const plan = buildPlan({ ...input, lock: state, replace: ['welcome'] });
    const item = plan.due[0] as PlanItem;
    expect(item.replaces?.sid).toBe('sid-2');
    expect(keyScope(item, plannedFrom(state))).toEqual({
      rest: 'welcome',
      seen: [{ key: 'gw/welcome', status: 'placed', sid: 'sid-1' }],
    });
    expect(repeatedSid(item, plannedFrom(state))).toBe('sid-2');
    // Nothing under another target: it stands beside none.
    const alone = lock({ 'production/welcome': entry({ sid: 'sid-2' }) });
    const own = buildPlan({ ...input, lock: alone, replace: ['welcome'] }).due[0] as PlanItem;
    expect(keyScope(own, plannedFrom(alone))).toEqual({ rest: 'welcome', seen: [] });
  });
});

describe('--replace of a call another runner is placing under a twin target right now', () => {
  const state = lock({ 'gw/welcome': entry({ status: 'unknown', message: IN_FLIGHT }) });

  it('is skipped as being placed, not refused as a wrong name', () => {
    const plan = buildPlan({ ...input, lock: state, replace: ['welcome'] });
    expect(plan.due).toEqual([]);
    const held = plan.skipped.find((i) => i.key === 'production/welcome') as PlanItem;
    expect(held.reason).toMatch(/^not placed: being placed as gw\/welcome \(being placed by/);
    expect(isTwinBeingPlaced(held)).toBe(true);
    expect(() => checkReplacedHeld(plan, ['welcome'], true, [])).not.toThrow();
  });

  it('a call held for a twin that placed it is no such race', () => {
    const placed = lock({ 'gw/welcome': entry({ sid: 'sid-1' }) });
    const held = buildPlan({ ...input, lock: placed }).skipped[0] as PlanItem;
    expect(held.reason).toMatch(/^not placed: already placed as gw\/welcome/);
    expect(isTwinBeingPlaced(held)).toBe(false);
  });
});
