import { describe, expect, it } from 'vitest';
import type { Plan, PlanItem } from '../../src/plan/types.js';
import {
  campaignCounts,
  planHumanPieces,
  planJson,
  renderPlanHuman,
} from '../../src/report/plan.js';
import { makeStyle } from '../../src/report/style.js';

const NOW = '2026-11-24T10:00:00.000Z';
const item = (name: string, fields: Partial<PlanItem> = {}): PlanItem => ({
  key: `prod/${name}`,
  name,
  target: 'prod',
  file: 'calls/a.yaml',
  line: 3,
  to: '+15550001111',
  definition: 'sha256:1',
  ...fields,
});
const plan = (fields: Partial<Plan>): Plan => ({
  target: 'prod',
  now: NOW,
  due: [],
  upcoming: [],
  missed: [],
  skipped: [],
  ...fields,
});
const style = makeStyle(false);

describe('human plan', () => {
  it('says how long until each upcoming slot, in seconds under a minute', () => {
    const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString().replace('.000Z', 'Z');
    const slots = [30_000, 59_000, 90_000, 3 * 3_600_000 + 5 * 60_000, 3 * 86_400_000];
    const text = renderPlanHuman(
      plan({
        upcoming: slots.map((ms, i) => item(`s${i}@${at(ms)}`, { slot: at(ms) })),
      }),
      'target prod: https://gw.example',
      style,
    );
    expect(text.match(/— in [^\n]+/g)).toEqual([
      '— in 30s',
      '— in 59s',
      '— in 2m',
      '— in 3h 5m',
      '— in 3d 0h',
    ]);
  });

  it('lists each section with its items, campaign rows cut to five, then the summary', () => {
    const rows = Array.from({ length: 7 }, (_, i) =>
      item(`remind/r${i}`, { campaign: 'remind', row: `r${i}` }),
    );
    const text = renderPlanHuman(
      plan({
        due: [item('welcome'), ...rows],
        skipped: [
          item('old', { reason: 'already placed S-1 at 2026-11-23T10:00:00.000Z' }),
          item('edited', { changed: true, reason: 'changed since placed' }),
        ],
      }),
      'target prod: https://gw.example',
      style,
    );
    expect(text).toBe(
      [
        'target prod: https://gw.example',
        `evaluated at ${NOW}`,
        '',
        'Campaigns (1):',
        '  remind: 7 rows — 7 due',
        '',
        'Due now — apply places these (8):',
        '  + prod/welcome  → +15550001111  (calls/a.yaml:3)',
        ...rows.slice(0, 5).map((r) => `  + ${r.key}  → +15550001111  (calls/a.yaml:3)`),
        '  … and 2 more rows of campaign remind',
        '',
        'Changed since placed — not placed again (1):',
        '  ~ prod/edited  → +15550001111  (calls/a.yaml:3) — changed since placed',
        '',
        'Skipped (1):',
        '  = prod/old  → +15550001111  (calls/a.yaml:3) — already placed S-1 at 2026-11-23T10:00:00.000Z',
        '',
        'Plan: 8 to place, 0 missed, 1 skipped, 0 upcoming, 1 changed since placed.',
        '',
      ].join('\n'),
    );
  });

  it('counts every row of a campaign: the suppressed ones and those the per-number limit holds back too', () => {
    const row = (id: string, fields: Partial<PlanItem> = {}) =>
      item(`camp/${id}`, { campaign: 'camp', row: id, ...fields });
    const p = plan({
      due: [row('r1'), row('r4')],
      suppressed: [row('r3', { reason: 'on lists/dnc.csv:2' })],
      waiting: [row('r2', { reason: 'per_number 1/24h' })],
      upcoming: [row('r5', { waiting: true, opens: NOW })],
    });
    expect(campaignCounts(p)).toEqual([
      {
        name: 'camp',
        rows: 5,
        due: 2,
        waiting: 2,
        expired: 0,
        upcoming: 0,
        missed: 0,
        skipped: 0,
        suppressed: 1,
      },
    ]);
    expect(renderPlanHuman(p, 'target prod', style)).toContain(
      '  camp: 5 rows — 2 due, 2 waiting, 1 suppressed\n',
    );
  });

  it('comes in pieces of bounded size, however many calls it lists', () => {
    const skipped = Array.from({ length: 3000 }, (_, i) =>
      item(`call-${i}`, { reason: 'already placed' }),
    );
    const pieces = [...planHumanPieces(plan({ skipped }), 'target prod', style)];
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThan(70 * 1024);
    const text = pieces.join('');
    expect(text.split('\n')).toHaveLength(3 + 1 + 3000 + 1 + 1 + 1);
    expect(
      text.endsWith('Plan: 0 to place, 0 missed, 3000 skipped, 0 upcoming. Nothing to do now.\n'),
    ).toBe(true);
  });
});

describe('campaign counts of a campaign with cron', () => {
  const slot = (id: string, at: string, fields: Partial<PlanItem> = {}) =>
    item(`cr/${id}@${at}`, { name: `cr/${id}`, campaign: 'cr', row: id, slot: at, ...fields });
  const hours = (h: number) => `2026-11-24T${String(h).padStart(2, '0')}:00:00Z`;

  it('counts each row once, where its due slot, else its next slot, else its latest slot stands; the slots apart', () => {
    const p = plan({
      due: [slot('x3', hours(10))],
      // x1 and x2 have their next slots to come; x3's is to come after its due one.
      upcoming: ['x1', 'x2', 'x3'].flatMap((id) => [11, 12, 13].map((h) => slot(id, hours(h)))),
      // x1 was placed at 09:00 and missed at 08:00; x4 has no slot to come: its latest stands.
      missed: [slot('x1', hours(8)), slot('x4', hours(9)), slot('x5', hours(7))],
      skipped: [slot('x1', hours(9)), slot('x4', hours(8)), slot('x5', hours(6))],
    });
    const [counts] = campaignCounts(p);
    expect(counts).toEqual({
      name: 'cr',
      rows: 5,
      due: 1,
      waiting: 0,
      expired: 0,
      upcoming: 2,
      missed: 2,
      skipped: 0,
      suppressed: 0,
      done: 0,
      slots: {
        due: 1,
        waiting: 0,
        expired: 0,
        upcoming: 9,
        missed: 3,
        skipped: 3,
        suppressed: 0,
      },
    });
    expect(renderPlanHuman(p, 'target prod', style)).toContain(
      '  cr: 5 rows — 1 due, 2 upcoming, 2 missed; slots listed: 1 due, 9 upcoming, 3 missed, 3 skipped (placed, unknown, held or disabled)\n',
    );
  });

  it('a row whose slot the per-number limit holds back, or on a do-not-call list, counts there', () => {
    const [counts] = campaignCounts(
      plan({
        waiting: [slot('x1', hours(10))],
        suppressed: [slot('x2', hours(10))],
        upcoming: [slot('x1', hours(11)), slot('x2', hours(11))],
      }),
    );
    expect(counts).toMatchObject({ rows: 2, waiting: 1, suppressed: 1, upcoming: 0 });
  });

  it('a row the plan lists no slot of counts once, as done; a campaign with none listed keeps its line', () => {
    const p = plan({
      upcoming: [slot('x1', hours(11))],
      campaigns: [
        { name: 'cr', rows: 3, slotted: true },
        { name: 'over', rows: 2, slotted: true },
      ],
    });
    const counts = campaignCounts(p);
    expect(counts.map((c) => [c.name, c.rows, c.upcoming, c.done, c.slots?.upcoming])).toEqual([
      ['cr', 3, 1, 2, 1],
      ['over', 2, 0, 2, 0],
    ]);
    const text = renderPlanHuman(p, 'target prod', style);
    expect(text).toContain(
      '  cr: 3 rows — 1 upcoming, 2 done (no slot left); slots listed: 1 upcoming\n',
    );
    expect(text).toContain('  over: 2 rows — 2 done (no slot left); slots listed: nothing\n');
  });
});

describe('human and JSON plan of a target renamed', () => {
  it('names each target no longer defined, and each on the same gateway, under the header', () => {
    const p = plan({
      goneTargets: [{ target: 'gw', entries: 3 }],
      sameGateway: [{ target: 'old', entries: 1 }],
    });
    const lines = renderPlanHuman(p, 'target prod: https://vg.example.com', style).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'target prod: https://vg.example.com',
      `evaluated at ${NOW}`,
      "target gw is not defined in this checkout's callops.yaml: its 3 entries stay in the lockfile, and no call, slot or row placed under it is placed again under another target's name",
      'target old is the same gateway as prod (its base_url and account_sid): a call, slot or row placed under either name (1 entry under old) is placed once',
    ]);
    const json = JSON.parse(JSON.stringify(planJson(p)));
    expect(json.goneTargets).toEqual([{ target: 'gw', entries: 3 }]);
    expect(json.sameGateway).toEqual([{ target: 'old', entries: 1 }]);
    expect(JSON.parse(JSON.stringify(planJson(plan({})))).goneTargets).toBeUndefined();
  });

  it('names each target that does not resolve here, holding entries, under the header', () => {
    const p = plan({ unresolvedTargets: [{ target: 'gw', entries: 1 }] });
    const lines = renderPlanHuman(p, 'target prod: https://vg.example.com', style).split('\n');
    expect(lines[2]).toBe(
      "target gw does not resolve here (a variable in its base_url or account_sid is unset or empty, or its base_url is not a URL): its 1 entry is read as another gateway's, and what it placed is placed again under prod; were gw this gateway renamed, set its variables (or remove it from callops.yaml) before applying",
    );
    const json = JSON.parse(JSON.stringify(planJson(p)));
    expect(json.unresolvedTargets).toEqual([{ target: 'gw', entries: 1 }]);
    expect(JSON.parse(JSON.stringify(planJson(plan({})))).unresolvedTargets).toBeUndefined();
  });
});
