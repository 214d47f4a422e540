import { describe, expect, it } from 'vitest';
import { buildPlan, type PlanInput } from '../../src/plan/index.js';
import { checkReplace } from '../../src/plan/replace.js';
import { numberDigest } from '../../src/screen/number.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const K = 'prod/reminders/r1';

/** Row r1 of campaign `reminders`: calling hours only (no redial, no cron/at). */
const row = (extra: Partial<CallDefinition> = {}): CallDefinition =>
  call('reminders/r1', {
    campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
    schedule: schedule({ window: '00:00-23:59' }),
    definition: 'sha256:row-now',
    ...extra,
  });

const placed = (definition: string): LockEntry =>
  entry({ sid: 'S-1', callId: 'C-1', definition, at: '2026-12-01T08:00:00.000Z' });

const plan = (calls: Record<string, LockEntry>, extra: Partial<PlanInput> = {}) =>
  buildPlan({
    calls: [row()],
    lock: lock(calls),
    now: NOW,
    runTarget: 'prod',
    explicitTarget: false,
    ...extra,
  });

describe('a campaign row with calling hours only, placed', () => {
  it('as it was placed: skipped, not changed', () => {
    const p = plan({ [K]: placed('sha256:row-now') });
    expect(p.due).toEqual([]);
    expect(p.skipped).toHaveLength(1);
    expect(p.skipped[0]?.changed).toBeUndefined();
    expect(p.skipped[0]?.reason).toBe('already placed S-1 at 2026-12-01T08:00:00.000Z');
  });

  it('edited since: changed since placed, with the --replace that places it again, not due', () => {
    const p = plan({ [K]: placed('sha256:row-before') });
    expect(p.due).toEqual([]);
    expect(p.skipped).toHaveLength(1);
    expect(p.skipped[0]).toMatchObject({ key: K, changed: true });
    expect(p.skipped[0]?.reason).toBe(
      'changed since placed (already placed S-1 at 2026-12-01T08:00:00.000Z); `callops apply --replace reminders/r1` places it again',
    );
  });

  it('edited to another number: its reason says the call went to another number than it dials now', () => {
    const to = (number: string) =>
      plan({ [K]: { ...placed('sha256:row-before'), number: numberDigest(number) } }).skipped[0]
        ?.reason;
    expect(to('+15550009999')).toBe(
      'changed since placed (already placed S-1 at 2026-12-01T08:00:00.000Z, to another number than it dials now); `callops apply --replace reminders/r1` places it again',
    );
    // The same number (another cell was edited): nothing said of it.
    expect(to('+15550002222')).not.toContain('another number');
  });

  it('with --replace: due as a replacement of the earlier placement, inside its hours', () => {
    const p = plan({ [K]: placed('sha256:row-before') }, { replace: ['reminders/r1'] });
    expect(p.due).toHaveLength(1);
    expect(p.due[0]).toMatchObject({
      key: K,
      reason: 'replaces S-1 placed at 2026-12-01T08:00:00.000Z (--replace)',
      replaces: { sid: 'S-1', callId: 'C-1', at: '2026-12-01T08:00:00.000Z' },
    });
    // Outside its hours the replacement waits for them.
    const closed = plan(
      { [K]: placed('sha256:row-before') },
      { replace: ['reminders/r1'], now: new Date('2026-12-01T23:59:30Z') },
    );
    expect(closed.due).toEqual([]);
    expect(closed.upcoming[0]).toMatchObject({ key: K, waiting: true });
    expect(closed.upcoming[0]?.replaces?.sid).toBe('S-1');
  });

  it('a row of a campaign without a schedule, edited to another number, says so too', () => {
    const reason = buildPlan({
      calls: [row({ schedule: undefined })],
      lock: lock({ [K]: { ...placed('sha256:row-before'), number: numberDigest('+15550009999') } }),
      now: NOW,
      runTarget: 'prod',
      explicitTarget: false,
    }).skipped[0]?.reason;
    expect(reason).toContain(', to another number than it dials now); ');
  });

  it('--replace of a row never placed says so, without promising apply places it', () => {
    expect(
      checkReplace('reminders/r1', {
        calls: [row()],
        lock: lock({}),
        now: NOW,
        runTarget: 'prod',
        explicitTarget: false,
      }),
    ).toBe(
      'prod/reminders/r1 is not placed yet: --replace places a placed call again (`callops plan` says when, or why not, it is placed)',
    );
  });

  it('--replace is accepted for it, refused for a row of a redial or cron campaign', () => {
    const input = (c: CallDefinition, only?: string[]) => ({
      calls: [c],
      lock: lock({ [K]: placed('sha256:row-before') }),
      now: NOW,
      runTarget: 'prod',
      explicitTarget: false,
      ...(only === undefined ? {} : { only }),
    });
    expect(checkReplace('reminders/r1', input(row()))).toBeUndefined();
    expect(checkReplace('reminders/r1', input(row(), ['reminders']))).toBeUndefined();
    expect(checkReplace('reminders/r1', input(row(), ['other']))).toBe('it is not among --only');
    const redial = row({ redial: { on: ['no-answer'], afterMs: 0, backoff: 1, maxAttempts: 2 } });
    expect(checkReplace('reminders/r1', input(redial))).toMatch(
      /^its campaign redials by outcome: .*give it a new id in its CSV/,
    );
    const cron = row({ schedule: schedule({ cron: '0 9 * * *' }) });
    expect(checkReplace('reminders/r1', input(cron))).toMatch(/^it is scheduled/);
  });

  it("--replace of a campaign's name says it takes one of its rows (--only takes the name)", () => {
    const input = {
      calls: [row()],
      lock: lock({ [K]: placed('sha256:row-before') }),
      now: NOW,
      runTarget: 'prod',
      explicitTarget: false,
    };
    expect(checkReplace('reminders', input)).toBe(
      '`reminders` is a campaign: --replace takes one of its rows, `reminders/ID` (`callops plan --only reminders` lists them)',
    );
    expect(checkReplace('remind', input)).toBe(
      'no call of that name (see `callops plan` for the calls)',
    );
  });
});

describe('a campaign row with calling hours only, once its campaign ended', () => {
  const over = row({ schedule: schedule({ window: '00:00-23:59', end: '2026-12-01T11:00:00Z' }) });
  const words = 'campaign reminders ended at 2026-12-01T11:00:00Z (end 2026-12-01T11:00:00Z)';
  const input = (calls: Record<string, LockEntry>) => ({
    calls: [over],
    lock: lock(calls),
    now: NOW,
    runTarget: 'prod',
    explicitTarget: false,
  });

  it('placed and edited since: changed since placed, not placed again because it ended, never expired', () => {
    const p = plan({ [K]: placed('sha256:row-before') }, { calls: [over] });
    expect(p.missed).toEqual([]);
    expect(p.skipped).toHaveLength(1);
    expect(p.skipped[0]).toMatchObject({ key: K, changed: true });
    expect(p.skipped[0]?.expired).toBeUndefined();
    expect(p.skipped[0]?.reason).toBe(
      `changed since placed (already placed S-1 at 2026-12-01T08:00:00.000Z); not placed again: ${words}`,
    );
  });

  it('--replace is refused: it was placed and the campaign ended (nothing planned to send)', () => {
    expect(checkReplace('reminders/r1', input({ [K]: placed('sha256:row-before') }))).toBe(
      `${K} was placed (S-1 at 2026-12-01T08:00:00.000Z) and is not placed again: ${words}`,
    );
    const p = plan(
      { [K]: placed('sha256:row-before') },
      { calls: [over], replace: ['reminders/r1'] },
    );
    expect(p.due).toEqual([]);
    expect(p.missed).toEqual([]);
    expect(p.skipped[0]?.replaces).toBeUndefined();
    // Before the end it is replaced as usual.
    const before = {
      ...input({ [K]: placed('sha256:row-before') }),
      now: new Date('2026-12-01T10:00:00Z'),
    };
    expect(checkReplace('reminders/r1', before)).toBeUndefined();
  });

  it('unknown: --replace says it is not placed again, with the full resolve commands', () => {
    for (const retryUnknown of [false, true]) {
      const unknown = entry({ status: 'unknown', at: '2026-12-01T08:00:00.000Z' });
      expect(checkReplace('reminders/r1', { ...input({ [K]: unknown }), retryUnknown })).toBe(
        `${K} is unknown (it may have been placed) and is not placed again: ${words}; settle it with \`callops resolve ${K} --placed SID\` or \`callops resolve ${K} --not-placed\``,
      );
    }
  });

  it('never placed: --replace says it expired', () => {
    expect(checkReplace('reminders/r1', input({}))).toBe(
      `${K} was never placed and ${words}: it is expired, never placed`,
    );
    const p = plan({}, { calls: [over] });
    expect(p.missed[0]).toMatchObject({ key: K, expired: true });
  });
});

describe('a campaign row after its end', () => {
  const over = { calls: [row({ schedule: schedule({ end: '2026-11-30' }) })] };
  const unknown = entry({ status: 'unknown', at: '2026-11-20T08:00:00.000Z' });

  it('unknown: never expired, not placed again even with --retry-unknown', () => {
    for (const retryUnknown of [false, true]) {
      const p = plan({ [K]: unknown }, { ...over, retryUnknown });
      expect(p.due).toEqual([]);
      expect(p.missed).toEqual([]);
      expect(p.skipped[0]?.key).toBe(K);
      expect(p.skipped[0]?.reason).toBe(
        `unknown — not placed again: campaign reminders ended at 2026-12-01T00:00:00Z (end 2026-11-30); settle: \`callops resolve --check ${K}\` looks it up on the gateway; or \`callops resolve ${K} --placed SID\` or \`--not-placed\``,
      );
    }
  });

  it('never reached: expired, reported once (through the end) and not again', () => {
    const first = plan({}, over);
    expect(first.missed[0]).toMatchObject({ key: K, expired: true });
    expect(first.unreported).toEqual([
      expect.objectContaining({
        memory: 'prod/reminders',
        count: 1,
        expired: true,
        through: '2026-12-01T00:00:00Z',
      }),
    ]);
    expect(first.memory?.['prod/reminders']).toBeDefined();
    const again = plan(
      {},
      {
        ...over,
        lock: lock(
          {},
          {
            'prod/reminders': { since: NOW.toISOString(), reportedThrough: '2026-12-01T00:00:00Z' },
          },
        ),
      },
    );
    expect(again.missed[0]).toMatchObject({ key: K, expired: true });
    expect(again.unreported).toEqual([]);
  });
});
