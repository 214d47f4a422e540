import { describe, expect, it } from 'vitest';
import { buildPlan, type Plan, type PlanInput, type PlanItem } from '../../src/plan/index.js';
import type { LockEntry } from '../../src/state/types.js';
import type { CallDefinition } from '../../src/validate/model.js';
import { call, entry, lock, schedule } from './make.js';

/**
 * A campaign's rows share one schedule object (one per zone, as the rows of a recipients CSV
 * do) and one memory, and the plan finds their slots once for all of them: each row must still
 * be planned by its own entries, and each campaign by its own memory, exactly as it would be
 * planned alone.
 */

// Hourly, 90 minutes to place a slot: at 10:20 the 09:00 and 10:00 slots are within their
// deadline (10:00 due, 09:00 superseded), the earlier ones missed.
const NOW = new Date('2026-11-10T10:20:00Z');
const hourly = schedule({ cron: '0 * * * *', timezone: 'Europe/Lisbon', deadlineMs: 90 * 60_000 });

const row = (campaign: string, id: string, n: number): CallDefinition =>
  call(`${campaign}/${id}`, {
    campaign: { name: campaign, id, recipients: `lists/${campaign}.csv` },
    options: {
      application_sid: 'app',
      from: '+15550001111',
      to: { type: 'phone', number: `+1555000${String(n).padStart(4, '0')}` },
    },
    // The very same object for every row.
    schedule: hourly,
  });

const at = (slot: string) => `2026-11-10T${slot}:00Z`;
const key = (campaign: string, id: string, slot: string) => `prod/${campaign}/${id}@${at(slot)}`;

/** Rows, in CSV order, and their entries: rows without any between rows with some. */
const remind = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id, i) => row('remind', id, i));
const recall = ['a', 'b'].map((id, i) => row('recall', id, 50 + i));
const entries: Record<string, LockEntry> = {
  // b: its 10:00 slot placed.
  [key('remind', 'b', '10:00')]: entry({ sid: 'CA-b10' }),
  // c: 09:00 placed, 10:00 refused.
  [key('remind', 'c', '09:00')]: entry({ sid: 'CA-c09' }),
  [key('remind', 'c', '10:00')]: entry({ status: 'failed', httpStatus: 503 }),
  // d: 10:00 unknown.
  [key('remind', 'd', '10:00')]: entry({ status: 'unknown' }),
  // f: two slots past their deadline with entries (not missed).
  [key('remind', 'f', '07:00')]: entry({ sid: 'CA-f07' }),
  [key('remind', 'f', '06:00')]: entry({ status: 'failed' }),
  // g: 11:00 placed ahead of its time (a rehearsal: at 10:15, before its slot).
  [key('remind', 'g', '11:00')]: entry({ sid: 'CA-g11', at: '2026-11-10T10:15:00.000Z' }),
  // h: as c, so that two rows with the same entries share what they find.
  [key('remind', 'h', '09:00')]: entry({ sid: 'CA-h09' }),
  [key('remind', 'h', '10:00')]: entry({ status: 'failed', httpStatus: 503 }),
  // recall/b: its 10:00 slot placed.
  [key('recall', 'b', '10:00')]: entry({ sid: 'CA-rb10' }),
};
// Two memories: remind known since 06:00, recall since 09:30 with nothing missed before.
const memories = {
  'prod/remind': { since: '2026-11-10T06:00:00.000Z' },
  'prod/recall': { since: '2026-11-10T09:30:00.000Z' },
};

const input = (calls: readonly CallDefinition[]): PlanInput => ({
  calls,
  lock: lock(entries, memories),
  now: NOW,
  runTarget: 'prod',
  explicitTarget: false,
});

/** What an item shows (its getters read into plain data). */
const shown = (item: PlanItem) => ({
  key: item.key,
  slot: item.slot,
  local: item.local,
  reason: item.reason,
  to: item.to,
  waiting: item.waiting,
  expired: item.expired,
});

const BUCKETS = ['due', 'upcoming', 'missed', 'skipped'] as const;

/** The items of one row in each section, and its missed slots reported. */
const rowOf = (plan: Plan, name: string) => ({
  ...Object.fromEntries(BUCKETS.map((b) => [b, plan[b].filter((i) => i.name === name).map(shown)])),
  unreported: (plan.unreported ?? [])
    .filter((r) => r.items.some((i) => i.name === name))
    .map((r) => ({ ...r, items: r.items.map(shown) })),
});

const keysIn = (items: readonly PlanItem[], name: string) =>
  items.filter((i) => i.name === name).map((i) => i.key);

describe('rows of a scheduled campaign sharing one schedule', () => {
  const plan = buildPlan(input([...remind, ...recall]));

  it('are each planned as that row alone would be: its own entries, its own memory', () => {
    for (const one of [...remind, ...recall]) {
      // Alone, with a schedule object of its own: nothing is shared with another row.
      const alone = buildPlan(input([{ ...one, schedule: { ...hourly } }]));
      expect(rowOf(plan, one.name), one.name).toEqual(rowOf(alone, one.name));
    }
  });

  it("take their due slot from their own entries, not another row's", () => {
    expect(keysIn(plan.due, 'remind/a')).toEqual([key('remind', 'a', '10:00')]);
    expect(keysIn(plan.due, 'remind/b')).toEqual([]);
    expect(plan.skipped.find((i) => i.key === key('remind', 'b', '10:00'))?.reason).toMatch(
      /^already placed CA-b10/,
    );
    expect(plan.due.find((i) => i.name === 'remind/c')?.reason).toMatch(/^retrying: failed/);
    expect(keysIn(plan.due, 'remind/d')).toEqual([]);
    expect(keysIn(plan.due, 'remind/e')).toEqual([key('remind', 'e', '10:00')]);
  });

  it('list their own missed slots: superseded by their own latest slot, past their deadline unless entered', () => {
    const reasons = (name: string) =>
      plan.missed.filter((i) => i.name === name).map((i) => `${i.slot} ${i.reason}`);
    // Known since 06:00: slots whose deadline passed after it (from 04:30 on) are missed.
    expect(reasons('remind/a')).toEqual([
      `${at('05:00')} deadline passed at ${at('06:30')}; never placed late`,
      `${at('06:00')} deadline passed at ${at('07:30')}; never placed late`,
      `${at('07:00')} deadline passed at ${at('08:30')}; never placed late`,
      `${at('08:00')} deadline passed at ${at('09:30')}; never placed late`,
      `${at('09:00')} superseded by ${at('10:00')}: catch-up places only the most recent slot (schedule.catchup: all places every one)`,
    ]);
    expect(reasons('remind/b').at(-1)).toBe(
      `${at('09:00')} superseded by ${at('10:00')}, already placed: an earlier slot is never placed after a later one`,
    );
    expect(reasons('remind/d').at(-1)).toBe(
      `${at('09:00')} superseded by ${at('10:00')}, whose outcome is unknown: an earlier slot is never placed after a later one`,
    );
    // f's entries at 06:00 and 07:00 keep those slots from being missed.
    expect(keysIn(plan.missed, 'remind/f')).toEqual([
      key('remind', 'f', '05:00'),
      key('remind', 'f', '08:00'),
      key('remind', 'f', '09:00'),
    ]);
    // recall was first seen at 09:30: no slot of its was over before.
    expect(keysIn(plan.missed, 'recall/a')).toEqual([key('recall', 'a', '09:00')]);
  });

  it('list their own next slots: one placed ahead is shown placed and one more is looked for', () => {
    expect(keysIn(plan.upcoming, 'remind/a')).toEqual(
      ['11:00', '12:00', '13:00'].map((s) => key('remind', 'a', s)),
    );
    expect(keysIn(plan.upcoming, 'remind/g')).toEqual(
      ['12:00', '13:00', '14:00'].map((s) => key('remind', 'g', s)),
    );
  });
});
