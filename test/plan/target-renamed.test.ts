import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { checkReplace } from '../../src/plan/replace.js';
import { inFlightSkipped, isTwinInFlight } from '../../src/plan/twin-held.js';
import { numberDigest } from '../../src/screen/number.js';
import { IN_FLIGHT } from '../../src/state/store.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

/**
 * A target renamed in callops.yaml (`gw:` → `production:`): every key names its target, so
 * every call the old name placed would be due again under the new one. The entries of a
 * target the project no longer defines, or of another name for the same gateway, hold the
 * calls they placed (twins.ts).
 */

const DIGEST = numberDigest('+15550002222');
const AT = '2026-12-01T08:00:01.123Z';
const NOW = '2026-12-01T09:05:30Z';
const SLOT = '2026-12-01T09:05:00Z';

/** The gateways of a project whose only target is `production` (and the simulator). */
const ONLY_PRODUCTION = new Map([
  ['production', 'gateway-1'],
  ['simulator', 'simulator'],
]);

/** A per-minute call whose slots may be placed for 50 s (every call dials +15550002222). */
const minutely = (name: string) =>
  call(name, { schedule: schedule({ cron: '* * * * *', deadlineMs: 50_000 }) });

const input = (
  calls: readonly CallDefinition[],
  entries: Record<string, LockEntry>,
  extra: Partial<PlanInput> = {},
): PlanInput => ({
  calls,
  lock: lock(entries),
  now: new Date(NOW),
  runTarget: 'production',
  explicitTarget: false,
  gateways: ONLY_PRODUCTION,
  ...extra,
});

const placed = (extra: Partial<LockEntry> = {}) =>
  entry({ sid: 'sid-1', number: DIGEST, definition: 'sha256:welcome-v1', ...extra });

describe('a call placed under a target the project no longer defines', () => {
  it('is held, not placed again under the new target, and the plan says why and how to go on', () => {
    const plan = buildPlan(input([call('welcome')], { 'gw/welcome': placed() }));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => i.key)).toEqual(['production/welcome']);
    expect(plan.skipped[0]?.reason).toBe(
      `not placed: already placed as gw/welcome (placed sid-1 at ${AT}), the same call under target gw, which this checkout's callops.yaml does not define: a call is placed once, whatever its target's name; \`callops apply --replace welcome\` places it again on target production`,
    );
    expect(plan.goneTargets).toEqual([{ target: 'gw', entries: 1 }]);
  });

  it('is held whatever number it dials now, as its own placed key would be', () => {
    const plan = buildPlan(
      input([call('welcome')], { 'gw/welcome': placed({ number: numberDigest('+15550009999') }) }),
    );
    expect(plan.due).toEqual([]);
  });

  it('is placed again, deliberately, when --replace names it, saying what it repeats', () => {
    const calls = [call('welcome')];
    const entries = { 'gw/welcome': placed() };
    expect(checkReplace('welcome', input(calls, entries))).toBeUndefined();
    const plan = buildPlan(input(calls, entries, { replace: ['welcome'] }));
    expect(plan.due.map((i) => i.key)).toEqual(['production/welcome']);
    expect(plan.due[0]?.reason).toBe(
      `placed again (--replace): it was placed as gw/welcome (placed sid-1 at ${AT}), the same call under target gw, which this checkout's callops.yaml does not define`,
    );
  });

  it('an unknown one is held until settled; a failed one is due (nobody was called)', () => {
    const calls = [call('welcome')];
    const unknown = { 'gw/welcome': placed({ status: 'unknown', sid: undefined }) };
    const held = buildPlan(input(calls, unknown));
    expect(held.due).toEqual([]);
    expect(held.skipped[0]?.reason).toBe(
      `not placed: may have been placed as gw/welcome (unknown, at ${AT}), the same call under target gw, which this checkout's callops.yaml does not define: a call is placed once, whatever its target's name; \`callops resolve --check gw/welcome\` looks it up on the gateway, or \`callops resolve gw/welcome --not-placed\` lets it be placed on target production`,
    );
    expect(checkReplace('welcome', input(calls, unknown))).toMatch(
      /^production\/welcome is not placed, but may have been as gw\/welcome, whose outcome is unknown: .*callops resolve gw\/welcome --placed SID/,
    );
    const inFlight = { 'gw/welcome': placed({ status: 'unknown', message: IN_FLIGHT }) };
    expect(buildPlan(input(calls, inFlight)).skipped[0]?.reason).toMatch(
      /^not placed: being placed as gw\/welcome \(being placed by another runner right now\), .*whatever its target's name$/,
    );
    const failed = { 'gw/welcome': placed({ status: 'failed', sid: undefined }) };
    expect(buildPlan(input(calls, failed)).due.map((i) => i.key)).toEqual(['production/welcome']);
  });

  it('holds nothing without the project’s targets, nor a call of another name', () => {
    const { gateways: _, ...without } = input([call('welcome')], { 'gw/welcome': placed() });
    expect(buildPlan(without).due.map((i) => i.key)).toEqual(['production/welcome']);
    const other = buildPlan(input([call('welcome')], { 'gw/other': placed() }));
    expect(other.due.map((i) => i.key)).toEqual(['production/welcome']);
    expect(other.goneTargets).toEqual([{ target: 'gw', entries: 1 }]);
  });

  it('a call renamed with its target is due, and the plan says whom it rings again', () => {
    const plan = buildPlan(input([call('welcome-v2')], { 'gw/welcome': placed() }));
    expect(plan.due.map((i) => i.key)).toEqual(['production/welcome-v2']);
    expect(plan.due[0]?.reason).toBe(
      `new by its name, but its number was dialled as gw/welcome (placed sid-1 at ${AT}), a name no call has now (renamed?), under target gw, which this checkout's callops.yaml does not define: placed again`,
    );
  });
});

describe('a slot placed under a target the project no longer defines', () => {
  const OLD = `gw/t15@${SLOT}`;

  it('is held under the new target, not reported missed, and the next slot is placed', () => {
    const plan = buildPlan(input([minutely('t15')], { [OLD]: placed() }));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => i.key)).toEqual([`production/t15@${SLOT}`]);
    expect(plan.skipped[0]?.reason).toBe(
      `not placed: this slot already dialled its number as ${OLD} (placed sid-1 at ${AT}), the same call under target gw, which this checkout's callops.yaml does not define: a slot is placed once, whatever its target's name; the next slot is placed as usual`,
    );
    const next = buildPlan(
      input([minutely('t15')], { [OLD]: placed() }, { now: new Date('2026-12-01T09:06:10Z') }),
    );
    expect(next.due.map((i) => i.key)).toEqual(['production/t15@2026-12-01T09:06:00Z']);
    expect(next.missed).toEqual([]);
  });

  it('supersedes an earlier slot of an edited schedule, as its own later slot would', () => {
    // Placed at 09:05 under gw; renamed, and its cron edited so that 09:04:30 is a slot.
    const edited = call('t15', {
      schedule: schedule({ cron: '30 * * * * *', deadlineMs: 60_000 }),
    });
    const plan = buildPlan(
      input([edited], { [OLD]: placed() }, { now: new Date('2026-12-01T09:05:20Z') }),
    );
    expect(plan.due).toEqual([]);
    expect(plan.missed.map((i) => i.key)).toEqual(['production/t15@2026-12-01T09:04:30Z']);
    expect(plan.missed[0]?.reason).toMatch(
      /^superseded by 2026-12-01T09:05:00Z, already placed: its number was dialled as gw\/t15@2026-12-01T09:05:00Z .*the same call under target gw, which this checkout's callops.yaml does not define: an earlier slot is never placed after a later one, whatever its target's name$/,
    );
  });

  it('keeps what its old target reported missed', () => {
    const memory = { since: '2026-12-01T08:00:00Z', reportedThrough: '2026-12-01T09:04:00Z' };
    const plan = buildPlan({
      ...input([minutely('t15')], { [OLD]: placed() }),
      lock: lock({ [OLD]: placed() }, { 'gw/t15': memory }),
    });
    expect(plan.memory?.['production/t15']).toEqual(memory);
  });

  it('held for a call renamed with its target, by the number it dialled', () => {
    const plan = buildPlan(input([minutely('t15-v2')], { [OLD]: placed() }));
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toBe(
      `not placed: this slot already dialled its number as ${OLD} (placed sid-1 at ${AT}), a name no call has now (renamed?), under target gw, which this checkout's callops.yaml does not define: a slot is placed once, whatever its call's name, or its target's; the next slot is placed as usual`,
    );
  });
});

describe('a campaign row placed under a target the project no longer defines', () => {
  const row = (extra: Partial<CallDefinition> = {}): CallDefinition =>
    call('reminders/r1', {
      campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
      ...extra,
    });

  it('placed once: held, and --replace places it again', () => {
    const entries = { 'gw/reminders/r1': placed() };
    const plan = buildPlan(input([row()], entries));
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toBe(
      `not placed: already placed as gw/reminders/r1 (placed sid-1 at ${AT}), the same campaign's row under target gw, which this checkout's callops.yaml does not define: a campaign's row is placed once, whatever its target's name; \`callops apply --replace reminders/r1\` places it again on target production`,
    );
    const again = buildPlan(input([row()], entries, { replace: ['reminders/r1'] }));
    expect(again.due.map((i) => i.key)).toEqual(['production/reminders/r1']);
  });

  it('at a slot: held', () => {
    const slotted = row({ schedule: schedule({ cron: '* * * * *', deadlineMs: 50_000 }) });
    const plan = buildPlan(input([slotted], { [`gw/reminders/r1@${SLOT}`]: placed() }));
    expect(plan.due).toEqual([]);
    expect(plan.skipped[0]?.reason).toMatch(
      /^not placed: this slot already dialled its number as gw\/reminders\/r1@.*the same campaign's row under target gw, which this checkout's callops.yaml does not define: a row's slot is placed once, whatever its target's name; the next slot is placed as usual$/,
    );
  });
});

describe('two targets the project defines', () => {
  const OLD = `gw/t15@${SLOT}`;
  const entries = { 'gw/welcome': placed(), [OLD]: placed() };
  const calls = [call('welcome'), minutely('t15')];

  it('on one gateway: a call or slot placed under either name is placed once', () => {
    const gateways = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-1']]);
    const plan = buildPlan(input(calls, entries, { gateways }));
    expect(plan.due).toEqual([]);
    expect(plan.skipped.map((i) => i.reason)).toEqual([
      `not placed: already placed as gw/welcome (placed sid-1 at ${AT}), the same call under target gw, the same gateway as target production (its base_url and account_sid): a call is placed once on a gateway, whatever its target's name; \`callops apply --replace welcome\` places it again on target production`,
      `not placed: this slot already dialled its number as ${OLD} (placed sid-1 at ${AT}), the same call under target gw, the same gateway as target production (its base_url and account_sid): a slot is placed once on a gateway, whatever its target's name; the next slot is placed as usual`,
    ]);
    expect(plan.goneTargets).toBeUndefined();
    expect(plan.sameGateway).toEqual([{ target: 'gw', entries: 2 }]);
  });

  it('on two gateways: two calls, each placed on its own (a rehearsal, then production)', () => {
    const gateways = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-2']]);
    const plan = buildPlan(input(calls, entries, { gateways }));
    expect(plan.due.map((i) => i.key)).toEqual(['production/welcome', `production/t15@${SLOT}`]);
    expect(plan.skipped).toEqual([]);
    expect(plan.goneTargets).toBeUndefined();
    expect(plan.sameGateway).toBeUndefined();
  });
});

describe('held for a twin another runner is placing right now', () => {
  const row = call('reminders/r1', {
    campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
  });
  const calls = [row, call('welcome'), minutely('t15')];
  const keys = ['reminders/r1', 'welcome', `t15@${SLOT}`];
  /** Each of the calls' keys under `target`, as `entry` leaves it. */
  const under = (target: string, e: LockEntry) =>
    Object.fromEntries(keys.map((k) => [`${target}/${k}`, e]));
  const inFlight = placed({ status: 'unknown', sid: undefined, message: IN_FLIGHT });

  it('a call, a slot and a row: each a call in flight, under a target gone or on the gateway', () => {
    const gone = buildPlan(input(calls, under('gw', inFlight)));
    const gateways = new Map([...ONLY_PRODUCTION, ['gw', 'gateway-1']]);
    const beside = buildPlan(input(calls, under('gw', inFlight), { gateways }));
    for (const plan of [gone, beside]) {
      expect(plan.due).toEqual([]);
      expect(plan.skipped.map((i) => i.key)).toEqual(keys.map((k) => `production/${k}`));
      expect(plan.skipped.map(isTwinInFlight)).toEqual([true, true, true]);
      expect(inFlightSkipped(plan.skipped, under('gw', inFlight))).toEqual(plan.skipped);
    }
    expect(gone.skipped[2]?.reason).toBe(
      `not placed: this slot already dialled its number as gw/t15@${SLOT} (being placed by another runner right now), the same call under target gw, which this checkout's callops.yaml does not define: a slot is placed once, whatever its target's name; the next slot is placed as usual`,
    );
  });

  it('one a twin placed, or left unknown, is held but not in flight', () => {
    for (const e of [placed(), placed({ status: 'unknown', sid: undefined })]) {
      const plan = buildPlan(input(calls, under('gw', e)));
      expect(plan.skipped).toHaveLength(3);
      expect(plan.skipped.map(isTwinInFlight)).toEqual([false, false, false]);
      expect(inFlightSkipped(plan.skipped, under('gw', e))).toEqual([]);
    }
  });

  it("beside those in flight under their own key, in the plan's order", () => {
    const entries = { ...under('gw', inFlight), 'production/welcome': inFlight };
    const plan = buildPlan(input(calls, entries));
    const found = inFlightSkipped(plan.skipped, entries);
    expect(found.map((i) => i.key)).toEqual(plan.skipped.map((i) => i.key));
    expect(found.find((i) => i.key === 'production/welcome')?.reason).toBe(
      'being placed by another runner right now',
    );
    expect(found.map(isTwinInFlight)).toEqual(
      plan.skipped.map((i) => i.key !== 'production/welcome'),
    );
  });
});
