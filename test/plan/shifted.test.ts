// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import { describe, expect, it } from 'vitest';
import type { RedialPolicy } from '../../src/campaign/redial.js';
import { buildPlan } from '../../src/plan/index.js';
import { campaignCounts } from '../../src/report/plan.js';
import { numberDigest } from '../../src/screen/number.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, csvRows, entry, lock, schedule } from './make.js';

const NOW = new Date('2026-12-01T12:00:00Z');

/**
 * Row `id` of campaign `nid`, dialling `number`; keyed by position unless `withIds`
 * (`shared`: the campaign writes `shared_numbers: true`).
 */
const row = (id: string, number: string, withIds: boolean | 'shared' = false): CallDefinition =>
  call(`nid/${id}`, {
    campaign: {
      name: 'nid',
      id,
      recipients: 'lists/r.csv',
      ...(withIds ? {} : { positional: true as const }),
      ...(withIds === 'shared' ? { sharedNumbers: true as const } : {}),
      // As the CSV's reading says of an id-keyed CSV whose rows may dial one number.
      ...(withIds === true ? { comparesRows: true as const } : {}),
    },
    options: { application_sid: 'app', from: '+15550001111', to: { type: 'phone', number } },
    definition: `sha256:nid-${id}-${number}`,
  });

const dialled = (number: string, extra: Partial<LockEntry> = {}): LockEntry =>
  entry({ sid: `S-${number.slice(-1)}`, number: numberDigest(number), ...extra });

const plan = (calls: CallDefinition[], entries: Record<string, LockEntry>) =>
  buildPlan({
    calls,
    lock: lock(entries),
    now: NOW,
    runTarget: 'sim',
    explicitTarget: false,
  });

// Ann and Bob were called as rows 1 and 2; then Zed was put above them.
const ANN = '+15550400001';
const BOB = '+15550400002';
const ZED = '+15550400009';
const placedBefore = {
  'sim/nid/1': dialled(ANN, { definition: `sha256:nid-1-${ANN}` }),
  'sim/nid/2': dialled(BOB, { definition: `sha256:nid-2-${BOB}` }),
};

describe('rows keyed by position (a CSV without an id column)', () => {
  it('a row that moved to a new position is not placed again: the campaign dialled its number', () => {
    const p = plan([row('1', ZED), row('2', ANN), row('3', BOB)], placedBefore);
    expect(p.due).toEqual([]);
    const held = p.skipped.find((i) => i.key === 'sim/nid/3');
    expect(held?.reason).toBe(
      `not placed: this campaign already dialled ${BOB} as sim/nid/2 (placed S-2 at 2026-12-01T08:00:01.123Z); lists/r.csv has no id column, so its rows are keyed by their position, and a row added, removed or moved above shifts them: give the CSV an id column`,
    );
    // Rows 1 and 2 now name other people: changed since placed, as before.
    expect(p.skipped.filter((i) => i.changed === true).map((i) => i.key)).toEqual([
      'sim/nid/1',
      'sim/nid/2',
    ]);
    // Row 1 (Zed, never called) may be placed with --replace; row 2 (Ann) would be refused.
    const reasonOf = (key: string) => p.skipped.find((i) => i.key === key)?.reason ?? '';
    expect(reasonOf('sim/nid/1')).toContain('`callops apply --replace nid/1` places it again');
    expect(reasonOf('sim/nid/2')).toContain(
      `; --replace would not place it: not placed: this campaign already dialled ${ANN} as sim/nid/1 `,
    );
    expect(reasonOf('sim/nid/2')).not.toContain('places it again');
  });

  it('--replace of a row that now names someone already called is held as well', () => {
    const p = buildPlan({
      calls: [row('1', ZED), row('2', ANN), row('3', BOB)],
      lock: lock(placedBefore),
      now: NOW,
      runTarget: 'sim',
      explicitTarget: false,
      replace: ['nid/2'],
    });
    expect(p.due.map((i) => i.key)).toEqual([]);
    expect(p.skipped.find((i) => i.key === 'sim/nid/2')?.reason).toMatch(
      /^not placed: this campaign already dialled \+15550400001 as sim\/nid\/1 /,
    );
  });

  it('a new row with a new number is due; so is one whose earlier call may not have rung', () => {
    const p = plan([row('1', ANN), row('2', BOB), row('3', ZED)], {
      ...placedBefore,
      'sim/nid/9': dialled(ZED, { status: 'failed' }),
    });
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/3']);
  });

  it('an unknown or claimed entry counts (it may have rung); another campaign does not', () => {
    const unknown = plan([row('1', ZED), row('2', ANN)], {
      'sim/nid/1': dialled(ANN, { status: 'unknown', definition: `sha256:nid-1-${ANN}` }),
    });
    expect(unknown.due).toEqual([]);
    expect(unknown.skipped.find((i) => i.key === 'sim/nid/2')?.reason).toContain(
      'as sim/nid/1 (unknown S-1 at',
    );
    const other = plan([row('1', ANN)], { 'sim/other/7': dialled(ANN) });
    expect(other.due.map((i) => i.key)).toEqual(['sim/nid/1']);
  });

  it('with an id column, a row whose number another row was called at is held', () => {
    const entries = { 'sim/nid/ann': dialled(ANN, { definition: `sha256:nid-ann-${ANN}` }) };
    const p = plan(csvRows([row('ann', ANN, true), row('ann-2', ANN, true)]), entries);
    expect(p.due).toEqual([]);
    expect(p.skipped.find((i) => i.key === 'sim/nid/ann-2')?.reason).toBe(
      `not placed: this campaign already dialled ${ANN} as sim/nid/ann (placed S-1 at 2026-12-01T08:00:01.123Z); row \`ann\` of lists/r.csv (line 4), which dials it too, and a campaign calls a number once; if they are people sharing a phone, write \`shared_numbers: true\` in the campaign to call each row`,
    );
    // `shared_numbers: true`: two people sharing a phone, each called.
    const shared = plan(csvRows([row('ann', ANN, 'shared'), row('ann-2', ANN, 'shared')]), entries);
    expect(shared.due.map((i) => i.key)).toEqual(['sim/nid/ann-2']);
  });

  it('a redial of the same row is that row: not held', () => {
    const p = plan([row('1', ANN), row('2', BOB)], {
      'sim/nid/1': dialled(ANN, { definition: `sha256:nid-1-${ANN}` }),
      'sim/nid/2#2': dialled(BOB, { definition: `sha256:nid-2-${BOB}`, status: 'placed' }),
    });
    expect(p.due.map((i) => i.key)).not.toContain('sim/nid/1');
    expect(p.skipped.map((i) => i.reason ?? '').join('\n')).not.toContain('already dialled');
  });
});

describe('rows whose keys changed (an id column added, an id edited)', () => {
  const withIds = (rows: [string, string][]) =>
    csvRows(rows.map(([id, number]) => row(id, number, true)));

  it('an id column added after a run: its rows dial whom rows 1 and 2 called, and are held', () => {
    const p = plan(
      withIds([
        ['p1', ANN],
        ['p2', BOB],
        ['p3', ZED],
      ]),
      placedBefore,
    );
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/p3']);
    expect(p.skipped.find((i) => i.key === 'sim/nid/p1')?.reason).toBe(
      `not placed: this campaign already dialled ${ANN} as sim/nid/1 (placed S-1 at 2026-12-01T08:00:01.123Z); lists/r.csv has no row \`1\` that dials it now: the person was called under another key (an id column added since, an id edited), and a new key does not call a person again`,
    );
    expect(p.skipped.find((i) => i.key === 'sim/nid/p2')?.reason).toMatch(
      new RegExp(`^not placed: this campaign already dialled \\${BOB} as sim/nid/2 `),
    );
  });

  it('an id edited: the row under its new id is held; another row sharing the number is not', () => {
    const before = { 'sim/nid/ann': dialled(ANN, { definition: `sha256:nid-ann-${ANN}` }) };
    const renamed = plan(withIds([['anna', ANN]]), before);
    expect(renamed.due).toEqual([]);
    expect(renamed.skipped[0]?.reason).toMatch(/already dialled .* as sim\/nid\/ann \(/);
    // `ann` is still a row of the CSV dialling that number: `ann-2` dials it too, held.
    const once = plan(
      withIds([
        ['ann', ANN],
        ['ann-2', ANN],
      ]),
      before,
    );
    expect(once.due).toEqual([]);
    expect(once.skipped.find((i) => i.key === 'sim/nid/ann-2')?.reason).toMatch(
      /^not placed: this campaign already dialled .* as sim\/nid\/ann \(.*; row `ann` of lists\/r.csv \(line 4\), which dials it too/,
    );
    // With `shared_numbers: true`, `ann-2` shares Ann's phone.
    const shared = plan(csvRows([row('ann', ANN, 'shared'), row('ann-2', ANN, 'shared')]), before);
    expect(shared.due.map((i) => i.key)).toEqual(['sim/nid/ann-2']);
  });

  it('ids given in another order than the rows had: a changed row is not offered --replace', () => {
    // Ann and Bob were rows 1 and 2; the new id column names Ann `2` and Bob `1`.
    const p = plan(
      withIds([
        ['2', ANN],
        ['1', BOB],
      ]),
      placedBefore,
    );
    expect(p.due).toEqual([]);
    const reasonOf = (key: string) => p.skipped.find((i) => i.key === key)?.reason ?? '';
    expect(reasonOf('sim/nid/2')).toContain(
      `--replace would not place it: not placed: this campaign already dialled ${ANN} as sim/nid/1 `,
    );
    expect(reasonOf('sim/nid/1')).toContain(
      `--replace would not place it: not placed: this campaign already dialled ${BOB} as sim/nid/2 `,
    );
    const replaced = buildPlan({
      calls: withIds([
        ['2', ANN],
        ['1', BOB],
      ]),
      lock: lock(placedBefore),
      now: NOW,
      runTarget: 'sim',
      explicitTarget: false,
      replace: ['nid/2'],
    });
    expect(replaced.due).toEqual([]);
  });

  it("a row's own redial is its own, though another key dialled the number too", () => {
    const policy: RedialPolicy = { on: ['no-answer'], afterMs: 0, backoff: 1, maxAttempts: 2 };
    const p = plan(
      withIds([['p1', ANN]]).map((c) => ({ ...c, redial: policy })),
      {
        'sim/nid/1': dialled(ANN),
        'sim/nid/p1': dialled(ANN, {
          definition: `sha256:nid-p1-${ANN}`,
          outcome: {
            status: 'no-answer',
            sip_status: 487,
            duration: 0,
            answered: false,
            ended_at: '2026-12-01T09:00:00Z',
          },
        }),
      },
    );
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/p1#2']);
  });
});

describe('rows keyed by position: calls a --replace placed again, and rows of one run', () => {
  it('a call kept in an entry history (replaced) counts: its number was dialled', () => {
    const p = plan([row('1', ZED), row('2', ANN)], {
      'sim/nid/1': dialled(ZED, {
        definition: `sha256:nid-1-${ZED}`,
        history: [{ sid: 'S-old', at: '2026-12-01T07:00:00.000Z', number: numberDigest(ANN) }],
      }),
    });
    expect(p.due).toEqual([]);
    expect(p.skipped.find((i) => i.key === 'sim/nid/2')?.reason).toContain(
      `already dialled ${ANN} as sim/nid/1 (placed S-old at 2026-12-01T07:00:00.000Z)`,
    );
  });

  it('a row edited back to whom its key called before a --replace is not offered --replace', () => {
    for (const withIds of [false, true]) {
      // Row 1 called Ann, was replaced to Zed, and names Ann again.
      const entries = {
        'sim/nid/1': dialled(ZED, {
          definition: `sha256:nid-1-${ZED}`,
          history: [{ sid: 'S-old', at: '2026-12-01T07:00:00.000Z', number: numberDigest(ANN) }],
        }),
      };
      const rows = csvRows([row('1', ANN, withIds)]);
      const p = plan(rows, entries);
      const reason = p.skipped[0]?.reason ?? '';
      expect(p.skipped[0]?.changed).toBe(true);
      expect(reason).toContain(
        `to another number than it dials now); --replace would not place it: not placed: this campaign already dialled ${ANN} as sim/nid/1 (placed S-old at 2026-12-01T07:00:00.000Z); that is this row's own key: it called the number before \`--replace\` placed it again`,
      );
      expect(reason).not.toContain('places it again');
      const replaced = buildPlan({
        calls: rows,
        lock: lock(entries),
        now: NOW,
        runTarget: 'sim',
        explicitTarget: false,
        replace: ['nid/1'],
      });
      expect(replaced.due).toEqual([]);
      expect(replaced.skipped[0]?.reason).toMatch(/^not placed: this campaign already dialled /);
    }
    // Replaced to the same number (another cell edited): --replace calls whom it called.
    const same = plan([row('1', ANN)], {
      'sim/nid/1': dialled(ANN, {
        definition: `sha256:nid-1-${ANN}-before`,
        history: [{ sid: 'S-old', at: '2026-12-01T07:00:00.000Z', number: numberDigest(ANN) }],
      }),
    });
    expect(same.skipped[0]?.reason).toContain('`callops apply --replace nid/1` places it again');
  });

  it('two rows of one run dialling one number: the first is due, the later held', () => {
    const p = plan([row('1', ANN), row('2', BOB), row('3', ANN)], {});
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/1', 'sim/nid/2']);
    expect(p.skipped.find((i) => i.key === 'sim/nid/3')?.reason).toMatch(
      /^not placed: sim\/nid\/1 of this campaign dials \+15550400001 too, in this run; /,
    );
    // With an id column too: a campaign calls a number once, whatever the rows' keys.
    const ids = plan(csvRows([row('a', ANN, true), row('b', BOB, true), row('c', ANN, true)]), {});
    expect(ids.due.map((i) => i.key)).toEqual(['sim/nid/a', 'sim/nid/b']);
    expect(ids.skipped.find((i) => i.key === 'sim/nid/c')?.reason).toBe(
      `not placed: sim/nid/a of this campaign dials ${ANN} too, in this run; that is row \`a\` of lists/r.csv (line 4), and a campaign calls a number once; if they are people sharing a phone, write \`shared_numbers: true\` in the campaign to call each row`,
    );
    // Written without its +, the number is the same person's.
    const bare = plan(csvRows([row('a', ANN, true), row('b', ANN.slice(1), true)]), {});
    expect(bare.due.map((i) => i.key)).toEqual(['sim/nid/a']);
    // `shared_numbers: true`: the rows are two people sharing a phone, both due.
    const shared = plan([row('a', ANN, 'shared'), row('b', ANN, 'shared')], {});
    expect(shared.due.map((i) => i.key)).toEqual(['sim/nid/a', 'sim/nid/b']);
  });
});

describe('rows keyed by position once the campaign ended', () => {
  it('a row whose number was dialled under another key is held, not expired "never placed"', () => {
    const ended = (c: CallDefinition): CallDefinition => ({
      ...c,
      schedule: schedule({ end: '2026-12-01T10:00:00Z' }),
    });
    const p = plan(
      [row('1', ZED), row('2', ANN), row('3', BOB), row('4', ZED.replace(/9$/, '8'))].map(ended),
      placedBefore,
    );
    expect(p.skipped.find((i) => i.key === 'sim/nid/3')?.reason).toMatch(
      new RegExp(`^not placed: this campaign already dialled \\${BOB} as sim/nid/2 `),
    );
    // Only row 4 (a new number) was never reached: expired, and reported as such.
    expect(p.missed.map((i) => [i.key, i.expired])).toEqual([['sim/nid/4', true]]);
    expect((p.unreported ?? []).flatMap((r) => r.items.map((i) => i.key))).toEqual(['sim/nid/4']);
    expect(p.unreported?.[0]?.count).toBe(1);
  });
});

describe('rows keyed by position not due yet', () => {
  const calls = (spec: Parameters<typeof schedule>[0], withIds = false): CallDefinition[] =>
    [row('1', ZED, withIds), row('2', ANN, withIds), row('3', BOB, withIds)].map((c) => ({
      ...c,
      schedule: schedule(spec),
    }));
  const reasonWhenDue = plan(calls({}), placedBefore).skipped.find(
    (i) => i.key === 'sim/nid/3',
  )?.reason;

  it.each([
    ['outside its calling hours', { window: '14:00-18:00' }],
    ['before its start', { start: '2026-12-05T09:00:00Z' }],
  ])('a row whose number was dialled under another key is held %s, not waiting', (_, spec) => {
    const p = plan(calls(spec), placedBefore);
    expect(reasonWhenDue).toMatch(/^not placed: this campaign already dialled /);
    const held = p.skipped.find((i) => i.key === 'sim/nid/3');
    expect(held?.reason).toBe(reasonWhenDue);
    expect(held?.waiting).toBeUndefined();
    expect(held?.opens).toBeUndefined();
    expect(p.upcoming).toEqual([]);
    expect(p.due).toEqual([]);
    // Counted once, as skipped (rows 1 and 2 changed since placed, row 3 held).
    expect(campaignCounts(p)).toEqual([
      expect.objectContaining({ name: 'nid', rows: 3, skipped: 3, waiting: 0, upcoming: 0 }),
    ]);
  });

  it('a new row outside its hours still waits; with shared_numbers nothing is held', () => {
    const fresh = plan(
      [row('1', ANN), row('2', BOB), row('3', ZED)].map((c) => ({
        ...c,
        schedule: schedule({ window: '14:00-18:00' }),
      })),
      placedBefore,
    );
    expect(fresh.upcoming.map((i) => [i.key, i.waiting])).toEqual([['sim/nid/3', true]]);
    // Two rows of one number (people sharing a phone): the later one waits for its hours too.
    const ids = plan(
      csvRows(
        [row('ann', ANN, 'shared'), row('ann-2', ANN, 'shared')].map((c) => ({
          ...c,
          schedule: schedule({ window: '14:00-18:00' }),
        })),
      ),
      { 'sim/nid/ann': dialled(ANN, { definition: `sha256:nid-ann-${ANN}` }) },
    );
    expect(ids.upcoming.map((i) => [i.key, i.waiting])).toEqual([['sim/nid/ann-2', true]]);
    expect(ids.skipped.map((i) => i.reason ?? '').join('\n')).not.toContain('not placed:');
    // Without it, a number is called once: the later row is held, not waiting.
    const once = plan(
      csvRows(
        [row('ann', ANN, true), row('ann-2', ANN, true)].map((c) => ({
          ...c,
          schedule: schedule({ window: '14:00-18:00' }),
        })),
      ),
      { 'sim/nid/ann': dialled(ANN, { definition: `sha256:nid-ann-${ANN}` }) },
    );
    expect(once.upcoming).toEqual([]);
    expect(once.skipped.find((i) => i.key === 'sim/nid/ann-2')?.reason).toMatch(
      /^not placed: this campaign already dialled /,
    );
  });

  it('a redial waiting for its delay, of a number another row dialled, is held', () => {
    const policy: RedialPolicy = {
      on: ['no-answer'],
      afterMs: 3_600_000,
      backoff: 1,
      maxAttempts: 3,
    };
    const redialled = (c: CallDefinition): CallDefinition => ({ ...c, redial: policy });
    const p = plan([row('1', ANN), row('2', ANN)].map(redialled), {
      'sim/nid/1': dialled(ANN, { definition: `sha256:nid-1-${ANN}` }),
      'sim/nid/2': dialled(ANN, {
        definition: `sha256:nid-2-${ANN}`,
        at: '2026-12-01T11:50:00.000Z',
        outcome: {
          status: 'no-answer',
          sip_status: 487,
          duration: 0,
          answered: false,
          ended_at: '2026-12-01T11:51:00Z',
        },
      }),
    });
    expect(p.upcoming.map((i) => i.key)).toEqual([]);
    expect(p.skipped.find((i) => i.key === 'sim/nid/2#2')?.reason).toMatch(
      new RegExp(`^not placed: this campaign already dialled \\${ANN} as sim/nid/1 `),
    );
  });

  it('the next slots of a campaign with cron are held as its due slot would be', () => {
    // Ann and Bob were called at yesterday's slot as rows 1 and 2; then Zed was put above them.
    const p = plan(calls({ cron: '0 9 * * *' }), {
      'sim/nid/1@2026-11-30T09:00:00Z': dialled(ANN),
      'sim/nid/2@2026-11-30T09:00:00Z': dialled(BOB),
    });
    const next = ['2026-12-02T09:00:00Z', '2026-12-03T09:00:00Z', '2026-12-04T09:00:00Z'];
    expect(p.upcoming.map((i) => i.key)).toEqual(next.map((slot) => `sim/nid/1@${slot}`));
    const held = p.skipped.filter((i) => i.name === 'nid/3');
    expect(held.map((i) => i.slot)).toEqual(next);
    for (const item of held) {
      expect(item.reason).toMatch(
        new RegExp(`^not placed: this campaign already dialled \\${BOB} as sim/nid/2@`),
      );
    }
    expect(p.skipped.filter((i) => i.name === 'nid/2').map((i) => i.slot)).toEqual(next);
    expect(campaignCounts(p)).toEqual([
      expect.objectContaining({ name: 'nid', rows: 3, upcoming: 1, skipped: 2 }),
    ]);
  });
});

describe('rows keyed by position that dial one number, not due yet', () => {
  const at = (
    id: string,
    number: string,
    spec: Parameters<typeof schedule>[0],
    withIds: boolean | 'shared' = false,
  ) => ({
    ...row(id, number, withIds),
    schedule: schedule(spec),
  });
  // A fresh campaign: rows 1 and 3 dial Ann; nothing placed yet.
  const rows = (spec: Parameters<typeof schedule>[0], withIds: boolean | 'shared' = false) => [
    at('1', ANN, spec, withIds),
    at('2', BOB, spec, withIds),
    at('3', ANN, spec, withIds),
  ];
  const reasonWhenDue = plan(rows({}), {}).skipped.find((i) => i.key === 'sim/nid/3')?.reason;

  it.each([
    ['outside its calling hours', { window: '14:00-18:00' }],
    ['before its start', { start: '2026-12-05T09:00:00Z' }],
  ])('the later row is held %s, as it is once due, not waiting', (_, spec) => {
    expect(reasonWhenDue).toMatch(
      new RegExp(`^not placed: sim/nid/1 of this campaign dials \\${ANN} too, in this run;`),
    );
    const p = plan(rows(spec), {});
    expect(p.upcoming.map((i) => i.key)).toEqual(['sim/nid/1', 'sim/nid/2']);
    const held = p.skipped.find((i) => i.key === 'sim/nid/3');
    expect(held?.reason).toBe(reasonWhenDue);
    expect(held?.waiting).toBeUndefined();
    expect(held?.opens).toBeUndefined();
    expect(campaignCounts(p)).toEqual([
      expect.objectContaining({ name: 'nid', rows: 3, waiting: 2, skipped: 1 }),
    ]);
  });

  it('the row whose hours open first is placed; the other is held, whichever comes first', () => {
    // Row 1 opens at 14:00 UTC, row 2 (the same number) at 13:00 UTC: row 2 is placed first.
    const p = plan(
      [at('1', ANN, { window: '14:00-18:00' }), at('2', ANN, { window: '13:00-18:00' })],
      {},
    );
    expect(p.upcoming.map((i) => i.key)).toEqual(['sim/nid/2']);
    expect(p.skipped.find((i) => i.key === 'sim/nid/1')?.reason).toMatch(
      new RegExp(`^not placed: sim/nid/2 of this campaign dials \\${ANN} too, in this run;`),
    );
  });

  it('a row due now and a later one waiting: the waiting one is held', () => {
    const p = plan([at('1', ANN, {}), at('2', ANN, { window: '14:00-18:00' })], {});
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/1']);
    expect(p.upcoming).toEqual([]);
    expect(p.skipped.find((i) => i.key === 'sim/nid/2')?.reason).toMatch(
      /^not placed: sim\/nid\/1 of this campaign dials /,
    );
  });

  it('with an id column the later row is held as well; with shared_numbers both rows wait', () => {
    const once = plan(csvRows(rows({ window: '14:00-18:00' }, true)), {});
    expect(once.upcoming.map((i) => i.key)).toEqual(['sim/nid/1', 'sim/nid/2']);
    expect(once.skipped.find((i) => i.key === 'sim/nid/3')?.reason).toMatch(
      new RegExp(
        `^not placed: sim/nid/1 of this campaign dials \\${ANN} too, in this run; that is row \`1\``,
      ),
    );
    const p = plan(rows({ window: '14:00-18:00' }, 'shared'), {});
    expect(p.upcoming.map((i) => i.key)).toEqual(['sim/nid/1', 'sim/nid/2', 'sim/nid/3']);
    expect(p.skipped).toEqual([]);
  });
});

describe('--retry-unknown of a call that dials another number now', () => {
  const retry = (number: string, entryNumber: string) =>
    buildPlan({
      calls: [call('c1', { options: { to: { type: 'phone', number } } })],
      lock: lock({
        'sim/c1': entry({
          status: 'unknown',
          sid: undefined,
          number: numberDigest(entryNumber),
          definition: 'sha256:c1-v1',
        }),
      }),
      now: NOW,
      runTarget: 'sim',
      explicitTarget: false,
      retryUnknown: true,
    });

  it('is held: its unknown attempt may have rung the other number; settle it first', () => {
    const p = retry('+15550000132', '+15550000131');
    expect(p.due).toEqual([]);
    expect(p.skipped[0]?.reason).toBe(
      'not retried: its unknown attempt (at 2026-12-01T08:00:01.123Z) dialled another number than it dials now, and may have rung; settle it first: `callops resolve --check sim/c1` looks it up on the gateway; or `callops resolve sim/c1 --placed SID` or `--not-placed`',
    );
  });

  it('to the same number it is retried', () => {
    expect(retry('+15550000131', '+15550000131').due.map((i) => i.key)).toEqual(['sim/c1']);
  });

  // `to` written as `${TO}`: the plan shows the reference, the number is the resolved one.
  const byReference = (numbers: Record<string, string>, retryUnknown: boolean) => {
    const asked: string[] = [];
    const calls = ['c1', 'c2'].map((name) =>
      call(name, { options: { to: { type: 'phone', number: '${TO}' } } }),
    );
    const p = buildPlan({
      calls,
      lock: lock({
        'sim/c1': entry({
          status: 'unknown',
          sid: undefined,
          number: numberDigest('+15550000131'),
        }),
      }),
      now: NOW,
      runTarget: 'sim',
      explicitTarget: false,
      retryUnknown,
      numberOf: (item) => {
        asked.push(item.key);
        return numbers[item.name];
      },
    });
    return { p, asked };
  };

  it('is held when the number comes from a ${VAR} that changed, with no screen configured', () => {
    const { p, asked } = byReference({ c1: '+15550000132', c2: '+15550000133' }, true);
    expect(p.due.map((i) => i.key)).toEqual(['sim/c2']);
    expect(p.skipped.map((i) => i.key)).toEqual(['sim/c1']);
    expect(p.skipped[0]?.reason).toMatch(/^not retried: its unknown attempt .* settle it first/);
    expect(p.skipped[0]?.to).toContain('${TO}');
    // Only the unknown entry's number is looked up.
    expect(asked).toEqual(['sim/c1']);
  });

  it('a ${VAR} that still resolves to its number, or resolves to none, is retried', () => {
    expect(byReference({ c1: '+15550000131' }, true).p.due.map((i) => i.key)).toEqual([
      'sim/c1',
      'sim/c2',
    ]);
    expect(byReference({}, true).p.due.map((i) => i.key)).toEqual(['sim/c1', 'sim/c2']);
  });

  it('without --retry-unknown no number is looked up', () => {
    const { p, asked } = byReference({ c1: '+15550000132' }, false);
    expect(p.due.map((i) => i.key)).toEqual(['sim/c2']);
    expect(asked).toEqual([]);
  });
});

describe('rows whose `to` takes a ${VAR} beside the row value', () => {
  // `to` as a row makes it: `${PFX}` left for the environment, the cell's digits after it.
  const byVar = (
    id: string,
    number: string,
    withIds: boolean | 'shared' = false,
  ): CallDefinition => {
    const made = row(id, number, withIds);
    return {
      ...made,
      options: { ...made.options, to: { type: 'phone', number: number.replace('+1', '${PFX}') } },
    };
  };
  // What the project's environment makes of it (PFX=+1); undefined when PFX is not set.
  const resolving =
    (pfx: string | undefined) =>
    (c: CallDefinition): string | undefined => {
      const text = (c.options.to as { number: string }).number;
      return pfx === undefined ? undefined : text.replace('${PFX}', pfx);
    };
  const planWith = (
    calls: CallDefinition[],
    entries: Record<string, LockEntry>,
    pfx: string | null = '+1',
  ) =>
    buildPlan({
      calls,
      lock: lock(entries),
      now: NOW,
      runTarget: 'sim',
      explicitTarget: false,
      callNumber: resolving(pfx ?? undefined),
    });
  const reasonOf = (p: ReturnType<typeof planWith>, key: string) =>
    p.skipped.find((i) => i.key === key)?.reason ?? '';

  it('a row that moved to a new position is held by its resolved number, shown as written', () => {
    const p = planWith([byVar('1', ZED), byVar('2', ANN), byVar('3', BOB)], placedBefore);
    expect(p.due).toEqual([]);
    expect(reasonOf(p, 'sim/nid/3')).toMatch(
      /^not placed: this campaign already dialled \$\{PFX\}5550400002 as sim\/nid\/2 \(placed S-2 /,
    );
    expect(reasonOf(p, 'sim/nid/2')).toContain(
      '; --replace would not place it: not placed: this campaign already dialled ${PFX}5550400001 as sim/nid/1 ',
    );
    // The variable's value is never part of a reason.
    expect(p.skipped.map((i) => i.reason).join('\n')).not.toContain(BOB);
  });

  it('two rows of one run dialling one number: the later is held', () => {
    const p = planWith([byVar('1', ANN), byVar('2', BOB), byVar('3', ANN)], {});
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/1', 'sim/nid/2']);
    expect(reasonOf(p, 'sim/nid/3')).toMatch(
      /^not placed: sim\/nid\/1 of this campaign dials \$\{PFX\}5550400001 too, in this run; /,
    );
  });

  it('an id edited: the row under its new id is held; another row sharing the number is not', () => {
    const entries = { 'sim/nid/b': dialled(BOB, { definition: `sha256:nid-b-${BOB}` }) };
    const p = planWith(
      csvRows([byVar('a', ANN, true), byVar('b2', BOB, true), byVar('c', ANN, 'shared')]),
      entries,
    );
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/a', 'sim/nid/c']);
    expect(reasonOf(p, 'sim/nid/b2')).toMatch(
      /^not placed: this campaign already dialled \$\{PFX\}5550400002 as sim\/nid\/b /,
    );
    // Bob's phone is row `b`'s now too: held, the number called once.
    const once = planWith(csvRows([byVar('b', BOB, true), byVar('b2', BOB, true)]), entries);
    expect(once.due).toEqual([]);
    expect(reasonOf(once, 'sim/nid/b2')).toMatch(
      /^not placed: this campaign already dialled \$\{PFX\}5550400002 as sim\/nid\/b .*, which dials it too/,
    );
    // `shared_numbers: true`: both are people of one phone, neither held.
    const shared = planWith(
      csvRows([byVar('b', BOB, 'shared'), byVar('b2', BOB, 'shared')]),
      entries,
    );
    expect(shared.due.map((i) => i.key)).toEqual(['sim/nid/b2']);
  });

  it('a variable not set leaves the rows due: resolving their requests says so', () => {
    const p = planWith([byVar('1', ZED), byVar('2', ANN), byVar('3', BOB)], placedBefore, null);
    expect(p.due.map((i) => i.key)).toEqual(['sim/nid/3']);
  });
});
