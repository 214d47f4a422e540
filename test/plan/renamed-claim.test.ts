import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../src/plan/index.js';
import { numberOfCall } from '../../src/plan/item.js';
import { type SlotOwners, slotClaimHeld, slotScope } from '../../src/plan/renamed-claim.js';
import type { PlanItem } from '../../src/plan/types.js';
import { numberDigest } from '../../src/screen/number.js';
import type { DialledEntry } from '../../src/state/store.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, csvRows, entry, lock, schedule } from './make.js';

/**
 * A slot's claim refused for another key of its slot that dialled its number (a claim another
 * runner made after this one planned) is judged as the plan judges a slot renamed: held with
 * the plan's words when that key is a name the project has no enabled call of, let through
 * when the plan would place the slot beside it.
 */

const ANN = '+15550002222';
const DIGEST = numberDigest(ANN);
const SLOT = '2026-12-01T09:05:00Z';
const NOW = '2026-12-01T09:05:30Z';

const minutely = (name: string, extra: Partial<CallDefinition> = {}) =>
  call(name, { schedule: schedule({ cron: '* * * * *' }), ...extra });

/**
 * Row `id` of per-minute campaign `campaign` (an id column) dialling Ann; `shared`: the
 * campaign writes `shared_numbers: true` (people sharing a phone).
 */
const row = (campaign: string, id: string, shared = false): CallDefinition =>
  call(`${campaign}/${id}`, {
    campaign: {
      name: campaign,
      id,
      recipients: 'lists/r.csv',
      ...(shared ? { sharedNumbers: true as const } : {}),
    },
    options: { application_sid: 'app', from: '+15550001111', to: { type: 'phone', number: ANN } },
    schedule: schedule({ cron: '* * * * *' }),
  });

/** The project `calls` and its due item of `key` at SLOT, planned on an empty state. */
const dueOf = (calls: readonly CallDefinition[], key: string): [PlanItem, SlotOwners] => {
  const plan = buildPlan({
    calls,
    lock: lock(),
    now: new Date(NOW),
    runTarget: 'prod',
    explicitTarget: false,
  });
  const item = plan.due.find((i) => i.key === key);
  if (item === undefined) throw new Error(`${key} is not due`);
  return [item, { named: calls, numberOf: numberOfCall }];
};

const beingPlaced = (key: string): DialledEntry => ({
  key,
  status: 'being placed',
  at: '2026-12-01T09:05:01.000Z',
});

describe("a slot's claim refused for another key of its slot", () => {
  it('carries its slot, its target and the keys that are its own', () => {
    const [one] = dueOf([minutely('t15')], `prod/t15@${SLOT}`);
    expect(slotScope(one)).toEqual({ slot: SLOT, own: 'prod/t15@' });
    const [r] = dueOf(csvRows([row('reminders', 'a1')]), `prod/reminders/a1@${SLOT}`);
    expect(slotScope(r)).toEqual({ slot: SLOT, own: 'prod/reminders/' });
  });

  it('is held with the words of the plan when that key is a name no call has now', () => {
    const [item, owners] = dueOf([minutely('t15-v2')], `prod/t15-v2@${SLOT}`);
    expect(slotClaimHeld(item, DIGEST, beingPlaced(`prod/t15@${SLOT}`), owners)).toBe(
      `not placed: this slot already dialled its number as prod/t15@${SLOT} (being placed by another runner right now), a name no call has now (renamed?): a slot is placed once, whatever its call's name; the next slot is placed as usual`,
    );
    const placed = { key: `prod/t15@${SLOT}`, status: 'placed', sid: 'sid-1', at: 'T' };
    expect(slotClaimHeld(item, DIGEST, placed, owners)).toContain('(placed sid-1 at T)');
    // The old call still in the files, disabled: replaced by this one.
    const [again, withOld] = dueOf(
      [minutely('t15', { enabled: false }), minutely('t15-v2')],
      `prod/t15-v2@${SLOT}`,
    );
    expect(slotClaimHeld(again, DIGEST, beingPlaced(`prod/t15@${SLOT}`), withOld)).toContain(
      'a call now disabled (replaced by this one?)',
    );
  });

  it('is let through for a call the project defines beside it, or a row sharing the phone', () => {
    const [item, owners] = dueOf([minutely('t15'), minutely('t17')], `prod/t17@${SLOT}`);
    expect(slotClaimHeld(item, DIGEST, beingPlaced(`prod/t15@${SLOT}`), owners)).toBeUndefined();
    // Two people sharing Ann's phone (`shared_numbers`): a2 was not called as a1 was.
    const rows = csvRows([row('reminders-v2', 'a1', true), row('reminders-v2', 'a2', true)]);
    const [a2, project] = dueOf(rows, `prod/reminders-v2/a2@${SLOT}`);
    const a1 = beingPlaced(`prod/reminders/a1@${SLOT}`);
    expect(slotClaimHeld(a2, DIGEST, a1, project)).toBeUndefined();
    const [own] = dueOf(rows, `prod/reminders-v2/a1@${SLOT}`);
    expect(slotClaimHeld(own, DIGEST, a1, project)).toBe(
      `not placed: this slot already dialled its number as prod/reminders/a1@${SLOT} (being placed by another runner right now), a campaign no call has now (renamed?): a row's slot is placed once, whatever its campaign's name; the next slot is placed as usual`,
    );
  });
});

describe("a slot's claim refused for a key of its slot under another target", () => {
  /** `prod` alone, then `sim` beside it: on the same gateway, or on another. */
  const ONLY_PROD = new Map([
    ['prod', 'gateway-1'],
    ['simulator', 'simulator'],
  ]);
  const SAME = new Map([...ONLY_PROD, ['sim', 'gateway-1']]);
  const OTHER = new Map([...ONLY_PROD, ['sim', 'gateway-2']]);
  const on = (owners: SlotOwners, gateways?: ReadonlyMap<string, string>): SlotOwners =>
    gateways === undefined ? owners : { ...owners, gateways };

  it('renamed along with a target no longer defined: held as the plan holds it, naming the target', () => {
    const calls = [minutely('t15-v2')];
    const [item, owners] = dueOf(calls, `prod/t15-v2@${SLOT}`);
    const old = `sim/t15@${SLOT}`;
    expect(slotClaimHeld(item, DIGEST, beingPlaced(old), on(owners, ONLY_PROD))).toBe(
      `not placed: this slot already dialled its number as ${old} (being placed by another runner right now), a name no call has now (renamed?), under target sim, which this checkout's callops.yaml does not define: a slot is placed once, whatever its call's name, or its target's; the next slot is placed as usual`,
    );
    // The words the plan gives the slot once the entry is in the state it reads.
    const placed = { key: old, status: 'placed', sid: 'sid-1', at: '2026-12-01T09:05:01.000Z' };
    const plan = buildPlan({
      calls,
      lock: lock({ [old]: entry({ sid: 'sid-1', at: placed.at, number: DIGEST }) }),
      now: new Date(NOW),
      runTarget: 'prod',
      explicitTarget: false,
      gateways: ONLY_PROD,
    });
    const skipped = plan.skipped.find((i) => i.key === `prod/t15-v2@${SLOT}`);
    expect(skipped?.reason).toBeDefined();
    expect(slotClaimHeld(item, DIGEST, placed, on(owners, ONLY_PROD))).toBe(skipped?.reason);
  });

  it('renamed along with a target on the same gateway: held, once on a gateway', () => {
    const [item, owners] = dueOf([minutely('t15-v2')], `prod/t15-v2@${SLOT}`);
    expect(slotClaimHeld(item, DIGEST, beingPlaced(`sim/t15@${SLOT}`), on(owners, SAME))).toMatch(
      /, a name no call has now \(renamed\?\), under target sim, the same gateway as target prod \(its base_url and account_sid\): a slot is placed once on a gateway, whatever its call's name, or its target's;/,
    );
  });

  it('a target defined on another gateway, or targets not known: two gateways, let through', () => {
    const [item, owners] = dueOf([minutely('t15-v2')], `prod/t15-v2@${SLOT}`);
    const found = beingPlaced(`sim/t15@${SLOT}`);
    expect(slotClaimHeld(item, DIGEST, found, on(owners, OTHER))).toBeUndefined();
    expect(slotClaimHeld(item, DIGEST, found, owners)).toBeUndefined();
  });

  it('a name this checkout defines, under a twin: two calls at one slot, let through', () => {
    const [item, owners] = dueOf([minutely('t15'), minutely('t17')], `prod/t17@${SLOT}`);
    for (const gateways of [ONLY_PROD, SAME]) {
      for (const key of [`sim/t15@${SLOT}`, `sim/t17@${SLOT}`]) {
        expect(slotClaimHeld(item, DIGEST, beingPlaced(key), on(owners, gateways))).toBeUndefined();
      }
    }
  });

  it("a campaign renamed along with its target: the row's slot held, naming the target", () => {
    const rows = csvRows([row('reminders-v2', 'a1', true), row('reminders-v2', 'a2', true)]);
    const [a1, project] = dueOf(rows, `prod/reminders-v2/a1@${SLOT}`);
    const old = beingPlaced(`sim/reminders/a1@${SLOT}`);
    expect(slotClaimHeld(a1, DIGEST, old, on(project, ONLY_PROD))).toBe(
      `not placed: this slot already dialled its number as sim/reminders/a1@${SLOT} (being placed by another runner right now), a campaign no call has now (renamed?), under target sim, which this checkout's callops.yaml does not define: a row's slot is placed once, whatever its campaign's name, or its target's; the next slot is placed as usual`,
    );
    // Another row sharing the phone (`shared_numbers`) was not called as a1 was; another gateway's.
    const [a2] = dueOf(rows, `prod/reminders-v2/a2@${SLOT}`);
    expect(slotClaimHeld(a2, DIGEST, old, on(project, ONLY_PROD))).toBeUndefined();
    expect(slotClaimHeld(a1, DIGEST, old, on(project, OTHER))).toBeUndefined();
  });
});
