import { describe, expect, it } from 'vitest';
import { campaignCounts, campaignLines } from '../../src/campaign/progress.js';
import { rowSlots, slotEntriesByRow } from '../../src/campaign/slot-entries.js';
import { targetTwins } from '../../src/plan/twins.js';
import type { Plan } from '../../src/plan/types.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from '../plan/make.js';

/**
 * A campaign with cron (each row placed at every slot) whose target was renamed between two
 * slots (`gw:` → `production:`, the same gateway): the slots placed under the old name are
 * the row's own, as the plan reads them, and a slot held under both names is one slot.
 */

/** The gateways of a project whose only target is `production` (and the simulator). */
const ONLY_PRODUCTION = new Map([
  ['production', 'gateway-1'],
  ['simulator', 'simulator'],
]);

const S9 = '2026-12-01T09:00:00Z';
const S10 = '2026-12-01T10:00:00Z';
const S11 = '2026-12-01T11:00:00Z';

const old = (id: string, slot: string) => `gw/reminders/${id}@${slot}`;
const now = (id: string, slot: string) => `production/reminders/${id}@${slot}`;

const at = (slot: string, e: Partial<LockEntry>): LockEntry =>
  entry({ at: `${slot.slice(0, 19)}.200Z`, ...e });

const completed = {
  status: 'completed' as const,
  sip_status: 200,
  duration: 12,
  answered: true,
  ended_at: '2026-12-01T10:00:05Z',
};

describe('the slots of a row read across its target’s twins', () => {
  const slotsOf = (entries: Record<string, LockEntry>, gateways = ONLY_PRODUCTION) => {
    const state = lock(entries);
    return rowSlots(
      slotEntriesByRow(state.calls),
      state.calls,
      'production/reminders/r1',
      'production',
      targetTwins(state, gateways),
    ).map((e) => [e.at.slice(0, 19), e.status, e.sid ?? '']);
  };

  it('the old name’s slots and the new name’s, oldest first', () => {
    expect(
      slotsOf({
        [now('r1', S11)]: at(S11, { sid: 'n11' }),
        [old('r1', S9)]: at(S9, { sid: 'o9' }),
        [old('r1', S10)]: at(S10, { status: 'unknown' }),
        // Another row's, another campaign's: not this row's.
        [old('r2', S10)]: at(S10, { sid: 'x' }),
        'gw/other/r1@2026-12-01T10:00:00Z': at(S10, { sid: 'y' }),
      }),
    ).toEqual([
      ['2026-12-01T09:00:00', 'placed', 'o9'],
      ['2026-12-01T10:00:00', 'unknown', ''],
      ['2026-12-01T11:00:00', 'placed', 'n11'],
    ]);
  });

  it('a slot under both names is one slot: the entry that may have rung, the own one first', () => {
    expect(
      slotsOf({
        [old('r1', S9)]: at(S9, { sid: 'o9' }),
        [now('r1', S9)]: at(S9, { sid: 'n9' }),
        // Refused under the new name, placed under the old: the call that rang.
        [old('r1', S10)]: at(S10, { sid: 'o10' }),
        [now('r1', S10)]: at(S10, { status: 'failed', httpStatus: 400 }),
        // Refused under both: one refused slot, the own one.
        [old('r1', S11)]: at(S11, { status: 'failed', httpStatus: 503 }),
        [now('r1', S11)]: at(S11, { status: 'failed', httpStatus: 400 }),
      }),
    ).toEqual([
      ['2026-12-01T09:00:00', 'placed', 'n9'],
      ['2026-12-01T10:00:00', 'placed', 'o10'],
      ['2026-12-01T11:00:00', 'failed', ''],
    ]);
    const state = lock({
      [old('r1', S11)]: at(S11, { status: 'failed', httpStatus: 503 }),
      [now('r1', S11)]: at(S11, { status: 'failed', httpStatus: 400 }),
    });
    const [refused] = rowSlots(
      slotEntriesByRow(state.calls),
      state.calls,
      'production/reminders/r1',
      'production',
      targetTwins(state, ONLY_PRODUCTION),
    );
    expect(refused?.httpStatus).toBe(400);
  });

  it('a slot refused under the old name only is the row’s refused slot', () => {
    expect(slotsOf({ [old('r1', S9)]: at(S9, { status: 'failed', httpStatus: 400 }) })).toEqual([
      ['2026-12-01T09:00:00', 'failed', ''],
    ]);
  });

  it('a target the project defines on another gateway is no twin; without gateways none is', () => {
    const entries = { [old('r1', S9)]: at(S9, { sid: 'o9' }) };
    expect(slotsOf(entries, new Map([...ONLY_PRODUCTION, ['gw', 'gateway-2']]))).toEqual([]);
    // Defined on the same gateway: a twin.
    expect(slotsOf(entries, new Map([...ONLY_PRODUCTION, ['gw', 'gateway-1']]))).toEqual([
      ['2026-12-01T09:00:00', 'placed', 'o9'],
    ]);
    const state = lock(entries);
    expect(
      rowSlots(
        slotEntriesByRow(state.calls),
        state.calls,
        'production/reminders/r1',
        'production',
        targetTwins(state, undefined),
      ),
    ).toEqual([]);
  });
});

describe('status --campaign and report of a campaign with cron whose target was renamed', () => {
  const cronRow = (id: string): CallDefinition =>
    call(`reminders/${id}`, {
      campaign: { name: 'reminders', id, recipients: 'lists/r.csv' },
      schedule: schedule({ cron: '0 * * * *' }),
    });
  const plan: Plan = {
    target: 'production',
    now: '2026-12-01T11:30:00Z',
    due: [],
    upcoming: ['r1', 'r2', 'r3'].map((id) => ({
      key: `production/reminders/${id}@2026-12-01T12:00:00Z`,
      name: `reminders/${id}`,
      target: 'production',
      file: 'lists/r.csv',
      line: 2,
      to: `+1555000${id.slice(1)}`,
      definition: 'sha256:x',
      campaign: 'reminders',
      row: id,
      slot: '2026-12-01T12:00:00Z',
    })),
    missed: [],
    skipped: [],
  };
  const lines = (entries: Record<string, LockEntry>) =>
    campaignLines(
      'reminders',
      ['r1', 'r2', 'r3'].map(cronRow),
      lock(entries),
      plan,
      undefined,
      undefined,
      ONLY_PRODUCTION,
    );

  it('count each row’s slots under either name once, standing at its latest: its sid and outcome', () => {
    const found = lines({
      // r1: placed under the old name only.
      [old('r1', S10)]: at(S10, {
        sid: 'o10',
        outcome: { ...completed, status: 'busy', sip_status: 486, answered: false },
      }),
      [old('r1', S11)]: at(S11, { sid: 'o11', outcome: completed }),
      // r2: a slot under the old name, the next under the new one; one slot under both.
      [old('r2', S9)]: at(S9, { sid: 'p9' }),
      [now('r2', S9)]: at(S9, { status: 'failed', httpStatus: 400 }),
      [old('r2', S10)]: at(S10, { sid: 'p10', outcome: completed }),
      [now('r2', S11)]: at(S11, {
        sid: 'q11',
        outcome: { ...completed, status: 'no-answer', sip_status: 487, answered: false },
      }),
      // r3: an unknown slot under the old name: it may have rung.
      [old('r3', S11)]: at(S11, { status: 'unknown' }),
    });
    expect(
      found.map((l) => [l.id, l.state, l.attempts, l.sid ?? '', l.lastAttemptAt ?? '']),
    ).toEqual([
      ['r1', 'answered', 2, 'o11', '2026-12-01T11:00:00.200Z'],
      ['r2', 'no-answer', 3, 'q11', '2026-12-01T11:00:00.200Z'],
      ['r3', 'unknown', 1, '', '2026-12-01T11:00:00.200Z'],
    ]);
    expect(found[0]).toMatchObject({ sipStatus: 200, duration: 12 });
    expect(campaignCounts('reminders', found)).toMatchObject({
      attempts: 6,
      states: { answered: 1, 'no-answer': 1, unknown: 1, held: 0, waiting: 0 },
    });
  });

  it('a row whose every slot the old name placed reads as it did before the rename', () => {
    const before = campaignLines(
      'reminders',
      ['r1', 'r2', 'r3'].map(cronRow),
      lock({
        [`production/reminders/r1@${S11}`]: at(S11, { sid: 'o11', outcome: completed }),
      }),
      plan,
      undefined,
      undefined,
      ONLY_PRODUCTION,
    );
    expect(lines({ [old('r1', S11)]: at(S11, { sid: 'o11', outcome: completed }) })).toEqual(
      before,
    );
  });
});
