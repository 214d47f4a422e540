import { describe, expect, it } from 'vitest';
import { campaignLines } from '../../src/campaign/progress.js';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { numberOfCall } from '../../src/plan/item.js';
import { claimRefused, claimScope, isHeldShifted } from '../../src/plan/shifted.js';
import type { Plan } from '../../src/plan/types.js';
import { numberDigest } from '../../src/screen/number.js';
import { campaignHeld } from '../../src/state/store.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, csvRows, entry, lock } from './make.js';

/**
 * The already-dialled check of a campaign (shifted.ts) across its target's twins (twins.ts):
 * the target renamed (`gw:` → `prod:`, the same gateway), or another name for its gateway
 * used, while the rows' keys moved (a row inserted above, in a CSV without an `id` column;
 * ids renamed). The person a row names now was called under the old target's name and
 * another row's key: that row is held as it is under its own target, not called again.
 */

const NOW = new Date('2026-12-01T12:00:00Z');
const AT = '2026-12-01T08:00:01.123Z';
const ANN = '+15550400001';
const BOB = '+15550400002';
const DAN = '+15550400004';

/** Row `id` of campaign `rem`, dialling `number`; keyed by position unless `withIds`. */
/** Row `id` of campaign `rem`; keyed by position unless `withIds` (`shared`: `shared_numbers: true`). */
const row = (id: string, number: string, withIds: boolean | 'shared' = false): CallDefinition =>
  call(`rem/${id}`, {
    campaign: {
      name: 'rem',
      id,
      recipients: 'lists/rem.csv',
      ...(withIds ? {} : { positional: true as const }),
      ...(withIds === 'shared' ? { sharedNumbers: true as const } : {}),
    },
    options: { application_sid: 'app', from: '+15550001111', to: { type: 'phone', number } },
    definition: `sha256:rem-${id}-${number}`,
  });

const dialled = (number: string, sid: string, extra: Partial<LockEntry> = {}): LockEntry =>
  entry({ sid, number: numberDigest(number), ...extra });

/** Ann and Bob, called as rows 1 and 2 under target `gw`. */
const UNDER_GW = {
  'gw/rem/1': dialled(ANN, 'S-ann', { definition: `sha256:rem-1-${ANN}` }),
  'gw/rem/2': dialled(BOB, 'S-bob', { definition: `sha256:rem-2-${BOB}` }),
};

/** Dan inserted above Ann and Bob. */
const SHIFTED = [row('1', DAN), row('2', ANN), row('3', BOB)];

/** `gw` renamed `prod`: the project defines `prod` alone (and the simulator). */
const RENAMED = new Map([
  ['prod', 'gateway-1'],
  ['simulator', 'simulator'],
]);
/** `prod` beside `gw`, on the same gateway. */
const BESIDE = new Map([
  ['gw', 'gateway-1'],
  ['prod', 'gateway-1'],
  ['simulator', 'simulator'],
]);
/** `prod` beside `gw`, on another gateway. */
const ELSEWHERE = new Map([
  ['gw', 'gateway-1'],
  ['prod', 'gateway-2'],
  ['simulator', 'simulator'],
]);

const input = (
  calls: readonly CallDefinition[],
  entries: Record<string, LockEntry>,
  gateways: ReadonlyMap<string, string>,
  extra: Partial<PlanInput> = {},
): PlanInput => ({
  calls,
  lock: lock(entries),
  now: NOW,
  runTarget: 'prod',
  explicitTarget: false,
  gateways,
  ...extra,
});

const reasonOf = (plan: Plan, key: string): string =>
  plan.skipped.find((i) => i.key === key)?.reason ?? '';

const GONE = "under target gw, which this checkout's callops.yaml does not define";
const POSITIONAL =
  'lists/rem.csv has no id column, so its rows are keyed by their position, and a row added, removed or moved above shifts them: give the CSV an id column';

describe('rows keyed by position, shifted, under a target renamed', () => {
  it('a row that moved onto a number the old target dialled is held, naming that target', () => {
    const plan = buildPlan(input(SHIFTED, UNDER_GW, RENAMED));
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/rem/3')).toBe(
      `not placed: this campaign already dialled ${BOB} as gw/rem/2 (placed S-bob at ${AT}), ${GONE}; ${POSITIONAL}`,
    );
    // Ann's row sits at Bob's old key: held for Ann, not offered --replace as Bob's call.
    expect(reasonOf(plan, 'prod/rem/2')).toBe(
      `not placed: this campaign already dialled ${ANN} as gw/rem/1 (placed S-ann at ${AT}), ${GONE}; ${POSITIONAL}`,
    );
    // Dan's key called Ann: held as the old target's placed call, saying it went elsewhere.
    expect(reasonOf(plan, 'prod/rem/1')).toBe(
      `not placed: already placed as gw/rem/1 (placed S-ann at ${AT}, to another number than it dials now), the same campaign's row under target gw, which this checkout's callops.yaml does not define: a campaign's row is placed once, whatever its target's name; \`callops apply --replace rem/1\` places it again on target prod`,
    );
  });

  it('--replace of the row that now names Ann is held with that reason; of Dan, placed again', () => {
    const ann = buildPlan(input(SHIFTED, UNDER_GW, RENAMED, { replace: ['rem/2'] }));
    expect(ann.due).toEqual([]);
    const held = ann.skipped.find((i) => i.key === 'prod/rem/2');
    expect(held !== undefined && isHeldShifted(held)).toBe(true);
    expect(held?.reason).toMatch(/^not placed: this campaign already dialled \+15550400001 as gw/);
    const dan = buildPlan(input(SHIFTED, UNDER_GW, RENAMED, { replace: ['rem/1'] }));
    expect(dan.due.map((i) => i.key)).toEqual(['prod/rem/1']);
  });

  it('a twin on the same gateway holds it too; a target on another gateway does not', () => {
    const beside = buildPlan(input(SHIFTED, UNDER_GW, BESIDE));
    expect(beside.due).toEqual([]);
    expect(reasonOf(beside, 'prod/rem/3')).toBe(
      `not placed: this campaign already dialled ${BOB} as gw/rem/2 (placed S-bob at ${AT}), under target gw, the same gateway as target prod (its base_url and account_sid); ${POSITIONAL}`,
    );
    const elsewhere = buildPlan(input(SHIFTED, UNDER_GW, ELSEWHERE));
    expect(elsewhere.due.map((i) => i.key)).toEqual(['prod/rem/1', 'prod/rem/2', 'prod/rem/3']);
  });

  it("a row's own key under the old target is its own: held as placed there, not as shifted", () => {
    const plan = buildPlan(input([row('1', ANN), row('2', BOB)], UNDER_GW, RENAMED));
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/rem/2')).toMatch(/^not placed: already placed as gw\/rem\/2 /);
    expect(reasonOf(plan, 'prod/rem/2')).not.toContain('another number');
  });

  it('a number the old target dialled before a --replace placed its key to another is held', () => {
    // gw/rem/2 called Ann, then was replaced to Bob; the row at key 2 names Ann again.
    const replaced = {
      'gw/rem/2': dialled(BOB, 'S-bob', {
        history: [{ sid: 'S-ann', at: AT, number: numberDigest(ANN) }],
      }),
    };
    const plan = buildPlan(input([row('2', ANN)], replaced, RENAMED));
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/rem/2')).toBe(
      `not placed: this campaign already dialled ${ANN} as gw/rem/2 (placed S-ann at ${AT}), ${GONE}; that is this row's own key: it called the number before \`--replace\` placed it again to another, and a person is called once`,
    );
  });
});

describe('rows with an id column, ids renamed along with the target', () => {
  const rows = csvRows([row('a2', ANN, true), row('b', BOB, true)]);
  const placed = {
    'gw/rem/a': dialled(ANN, 'S-ann', { definition: `sha256:rem-a-${ANN}` }),
    'gw/rem/b': dialled(BOB, 'S-bob', { definition: `sha256:rem-b-${BOB}` }),
  };

  it('the row under its new id is held; the row that kept its id is held as placed there', () => {
    const plan = buildPlan(input(rows, placed, RENAMED));
    expect(plan.due).toEqual([]);
    expect(reasonOf(plan, 'prod/rem/a2')).toBe(
      `not placed: this campaign already dialled ${ANN} as gw/rem/a (placed S-ann at ${AT}), ${GONE}; lists/rem.csv has no row \`a\` that dials it now: the person was called under another key (an id column added since, an id edited), and a new key does not call a person again`,
    );
    expect(reasonOf(plan, 'prod/rem/b')).toMatch(/^not placed: already placed as gw\/rem\/b /);
  });

  it('a row of the CSV sharing the number under its old id holds it, unless shared_numbers', () => {
    const once = csvRows([row('a', ANN, true), row('a2', ANN, true)]);
    const held = buildPlan(input(once, { 'gw/rem/a': placed['gw/rem/a'] }, RENAMED));
    expect(held.due).toEqual([]);
    expect(reasonOf(held, 'prod/rem/a2')).toMatch(
      /^not placed: this campaign already dialled \+15550400001 as gw\/rem\/a \(.*; row `a` of lists\/rem.csv \(line 4\), which dials it too, and a campaign calls a number once; /,
    );
    // Two people of one phone, as the campaign says: let be.
    const shared = csvRows([row('a', ANN, 'shared'), row('a2', ANN, 'shared')]);
    const plan = buildPlan(input(shared, { 'gw/rem/a': placed['gw/rem/a'] }, RENAMED));
    expect(plan.due.map((i) => i.key)).toEqual(['prod/rem/a2']);
  });
});

describe('status --campaign and report', () => {
  it('count a row whose number the old target dialled under another key as held', () => {
    const plan: Plan = {
      target: 'prod',
      now: NOW.toISOString(),
      due: [],
      upcoming: [],
      missed: [],
      skipped: [],
    };
    const lines = campaignLines(
      'rem',
      SHIFTED,
      lock(UNDER_GW),
      plan,
      undefined,
      undefined,
      RENAMED,
    );
    expect(lines.find((l) => l.id === '3')?.state).toBe('held');
    // Without the project's targets the old name is not known: the row waits.
    const unknown = campaignLines('rem', SHIFTED, lock(UNDER_GW), plan);
    expect(unknown.find((l) => l.id === '3')?.state).toBe('waiting');
  });
});

describe("a row's claim (a database store: another runner's call since the plan)", () => {
  const bob = buildPlan(input([row('3', BOB)], {}, RENAMED)).due[0];
  if (bob === undefined) throw new Error('row 3 is due');
  const found = { key: 'gw/rem/2', status: 'being placed', at: AT };

  it('carries its campaign, not its target: the store looks under every target', () => {
    expect(claimScope(bob)).toEqual({ campaign: 'rem', row: '3' });
    const scope = { campaign: 'rem', row: '3' };
    expect(campaignHeld(scope, 'gw/rem/2')).toBe(true);
    expect(campaignHeld(scope, 'prod/rem/2#2')).toBe(true);
    expect(campaignHeld(scope, 'gw/rem/3')).toBe(false);
    expect(campaignHeld(scope, 'gw/other/2')).toBe(false);
    expect(campaignHeld(scope, 'rem/2')).toBe(false);
    expect(campaignHeld({ ...scope, beside: ['gw/rem/2'] }, 'gw/rem/2')).toBe(false);
  });

  it('refused under a twin: held, naming it; under another gateway: let through', () => {
    const numberOf = () => undefined;
    expect(claimRefused(bob, BOB, found, numberOf, RENAMED)).toEqual({
      reason: `not placed: this campaign already dialled ${BOB} as gw/rem/2 (being placed at ${AT}), ${GONE}; ${POSITIONAL}`,
    });
    expect(claimRefused(bob, BOB, found, numberOf, ELSEWHERE)).toEqual({ beside: 'gw/rem/2' });
    expect(claimRefused(bob, BOB, found, numberOf, undefined)).toEqual({ beside: 'gw/rem/2' });
    const own = { ...found, key: 'prod/rem/2' };
    expect(claimRefused(bob, BOB, own, numberOf, RENAMED)).toEqual({
      reason: `not placed: this campaign already dialled ${BOB} as prod/rem/2 (being placed at ${AT}); ${POSITIONAL}`,
    });
  });

  it('refused for another row of the CSV that dials the number too: held, unless shared_numbers', () => {
    const claimOf = (shared: boolean) => {
      const rows = csvRows([
        row('a', BOB, shared ? 'shared' : true),
        row('b', BOB, shared ? 'shared' : true),
      ]);
      // The plan of another runner's checkout, before row `a` was claimed: `b` due alone.
      const b = buildPlan(input(rows.slice(1), {}, RENAMED)).due[0];
      if (b === undefined) throw new Error('row b is due');
      return b;
    };
    const byA = { key: 'prod/rem/a', status: 'being placed', at: AT };
    expect(claimRefused(claimOf(false), BOB, byA, numberOfCall, RENAMED)).toEqual({
      reason: `not placed: this campaign already dialled ${BOB} as prod/rem/a (being placed at ${AT}); row \`a\` of lists/rem.csv (line 4), which dials it too, and a campaign calls a number once; if they are people sharing a phone, write \`shared_numbers: true\` in the campaign to call each row`,
    });
    expect(claimRefused(claimOf(true), BOB, byA, numberOfCall, RENAMED)).toMatchObject({
      sharing: 'a',
    });
  });
});
