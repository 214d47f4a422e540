import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  MAX_SLOTS,
  nextSlots,
  scanSlots,
  searchEnd,
  slotsBetween,
} from '../../src/schedule/index.js';
import type { ScheduleSpec } from '../../src/validate/model.js';

const spec = (s: Partial<ScheduleSpec>): ScheduleSpec => ({
  timezone: 'UTC',
  deadlineMs: 600_000,
  ...s,
});
// The minutes of an every-hour cron's minute field (a list, or a step from 0).
const cronMinutes = (cron: string): Set<number> => {
  const field = cron.split(' ')[0] ?? '';
  if (field.startsWith('*/')) {
    const step = Number(field.slice(2));
    return new Set(Array.from({ length: 60 / step }, (_, i) => i * step));
  }
  return new Set(field.split(',').map(Number));
};
const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());
const between = (s: Partial<ScheduleSpec>, after: string, until: string): string[] =>
  iso(slotsBetween(spec(s), new Date(after), new Date(until)));

describe('slotsBetween, plain schedules', () => {
  it('lists a daily 5-field schedule, after exclusive and until inclusive', () => {
    expect(between({ cron: '0 9 * * *' }, '2026-06-01T09:00:00Z', '2026-06-03T09:00:00Z')).toEqual([
      '2026-06-02T09:00:00.000Z',
      '2026-06-03T09:00:00.000Z',
    ]);
  });

  it('reads 6 fields with seconds first', () => {
    expect(
      between({ cron: '30 0 9 * * *' }, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z'),
    ).toEqual(['2026-06-01T09:00:30.000Z']);
  });

  it('applies the time zone to the wall time', () => {
    expect(
      between(
        { cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
        '2026-06-05T00:00:00Z',
        '2026-06-09T00:00:00Z',
      ),
    ).toEqual(['2026-06-05T07:00:00.000Z', '2026-06-08T07:00:00.000Z']);
  });

  it('yields nothing for a schedule it cannot read', () => {
    expect(between({ cron: '61 * * * *' }, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z')).toEqual(
      [],
    );
    expect(
      between(
        { cron: '0 9 * * *', timezone: 'Mars/Base' },
        '2026-06-01T00:00:00Z',
        '2026-06-02T00:00:00Z',
      ),
    ).toEqual([]);
    expect(between({ at: 'next tuesday' }, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z')).toEqual(
      [],
    );
  });
});

describe('daylight saving, America/New_York 2026-11-01 (01:00-01:59 occurs twice)', () => {
  const ny = { timezone: 'America/New_York' };
  const a = '2026-10-31T00:00:00Z';
  const b = '2026-11-03T00:00:00Z';

  it('fires 02:30 once a day, never at the spurious 01:30 EST', () => {
    expect(between({ ...ny, cron: '30 2 * * *' }, a, b)).toEqual([
      '2026-10-31T06:30:00.000Z',
      '2026-11-01T07:30:00.000Z',
      '2026-11-02T07:30:00.000Z',
    ]);
  });

  it('makes the repeated 01:30 one slot: the first occurrence (EDT)', () => {
    expect(between({ ...ny, cron: '30 1 * * *' }, a, b)).toEqual([
      '2026-10-31T05:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('keeps one slot per wall time for a pinned hour with several minutes', () => {
    expect(
      between({ ...ny, cron: '0,30 1 * * *' }, '2026-11-01T04:00:00Z', '2026-11-01T09:00:00Z'),
    ).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z']);
  });

  it('keeps both 01:00s of an hourly schedule: they are two different hours', () => {
    expect(
      between({ ...ny, cron: '0 * * * *' }, '2026-11-01T03:30:00Z', '2026-11-01T08:00:00Z'),
    ).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
    expect(
      between({ ...ny, cron: '*/30 * * * *' }, '2026-11-01T04:45:00Z', '2026-11-01T07:00:00Z'),
    ).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
    ]);
  });

  it('gives a slot the same identity whatever range finds it', () => {
    // 01:30 EST (06:30Z) is the second occurrence: not a slot even when the range starts after the first.
    expect(
      between({ ...ny, cron: '30 1 * * *' }, '2026-11-01T06:00:00Z', '2026-11-01T09:00:00Z'),
    ).toEqual([]);
  });
});

describe('daylight saving, Europe/Berlin 2026-10-25 (02:00-02:59 occurs twice)', () => {
  const berlin = { timezone: 'Europe/Berlin' };

  it('fires 02:30 once, at its first occurrence (CEST)', () => {
    expect(
      between({ ...berlin, cron: '30 2 * * *' }, '2026-10-24T00:00:00Z', '2026-10-27T00:00:00Z'),
    ).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('keeps both 02:00s of an hourly schedule', () => {
    expect(
      between({ ...berlin, cron: '0 * * * *' }, '2026-10-24T22:30:00Z', '2026-10-25T02:00:00Z'),
    ).toEqual([
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });
});

describe('daylight saving, spring forward (a skipped wall time)', () => {
  it('places a skipped 02:30 at the moment the clocks jump (New York, 2026-03-08)', () => {
    expect(
      between(
        { cron: '30 2 * * *', timezone: 'America/New_York' },
        '2026-03-07T00:00:00Z',
        '2026-03-10T00:00:00Z',
      ),
    ).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('places a skipped 02:30 at 03:00 CEST (Berlin, 2026-03-29)', () => {
    expect(
      between(
        { cron: '30 2 * * *', timezone: 'Europe/Berlin' },
        '2026-03-28T00:00:00Z',
        '2026-03-31T00:00:00Z',
      ),
    ).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('merges skipped times of a fixed-hour cron with the 03:00 slot', () => {
    expect(
      between(
        { cron: '0,30 2,3 * * *', timezone: 'America/New_York' },
        '2026-03-08T06:15:00Z',
        '2026-03-08T07:45:00Z',
      ),
    ).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z']);
  });
});

describe('daylight saving, spring forward, a cron that fires in every hour', () => {
  // As cron (Vixie, cronie) runs a "wildcard" job: the skipped hour never elapses, so its
  // times are no slots; moved to the jump, they would ring right beside their neighbours.
  it('gives `59 * * * *` no slot in the skipped hour (New York, 2026-03-08)', () => {
    expect(
      between(
        { cron: '59 * * * *', timezone: 'America/New_York' },
        '2026-03-08T06:00:00Z',
        '2026-03-08T09:00:00Z',
      ),
    ).toEqual(['2026-03-08T06:59:00.000Z', '2026-03-08T07:59:00.000Z', '2026-03-08T08:59:00.000Z']);
  });

  it('gives `30 * * * *` no slot at 01:30 (London, 2027-03-28)', () => {
    expect(
      between(
        { cron: '30 * * * *', timezone: 'Europe/London' },
        '2027-03-28T00:00:00Z',
        '2027-03-28T02:00:00Z',
      ),
    ).toEqual(['2027-03-28T00:30:00.000Z', '2027-03-28T01:30:00.000Z']);
  });

  it('gives `15,45 * * * *` no slot at 02:15 (Lord Howe, a 30-minute jump, 2026-10-04)', () => {
    // 02:00 LHST (+10:30) is 15:30 UTC: the clocks show 02:30 LHDT (+11) then.
    expect(
      between(
        { cron: '15,45 * * * *', timezone: 'Australia/Lord_Howe' },
        '2026-10-03T15:00:00Z',
        '2026-10-03T16:30:00Z',
      ),
    ).toEqual(['2026-10-03T15:15:00.000Z', '2026-10-03T15:45:00.000Z', '2026-10-03T16:15:00.000Z']);
  });

  it('keeps the slot the jump lands on when the cron names it (`*/30`, New York)', () => {
    expect(
      between(
        { cron: '*/30 * * * *', timezone: 'America/New_York' },
        '2026-03-08T06:15:00Z',
        '2026-03-08T07:45:00Z',
      ),
    ).toEqual(['2026-03-08T06:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T07:30:00.000Z']);
  });

  it("still moves a fixed-hour cron's skipped time to the jump: `15 2 * * *` (Lord Howe)", () => {
    expect(
      between(
        { cron: '15 2 * * *', timezone: 'Australia/Lord_Howe' },
        '2026-10-03T00:00:00Z',
        '2026-10-04T00:00:00Z',
      ),
    ).toEqual(['2026-10-03T15:30:00.000Z']);
  });
});

describe('at', () => {
  const range = ['2026-11-01T00:00:00Z', '2026-12-31T00:00:00Z'] as const;

  it('is one slot at an absolute time with an offset', () => {
    expect(between({ at: '2026-12-01T09:00:00-05:00' }, ...range)).toEqual([
      '2026-12-01T14:00:00.000Z',
    ]);
    expect(between({ at: '2026-12-01T09:00:00Z', timezone: 'Asia/Tokyo' }, ...range)).toEqual([
      '2026-12-01T09:00:00.000Z',
    ]);
  });

  it('reads a wall time without offset in the schedule time zone', () => {
    expect(between({ at: '2026-12-01T09:00:00', timezone: 'Europe/Berlin' }, ...range)).toEqual([
      '2026-12-01T08:00:00.000Z',
    ]);
    expect(between({ at: '2026-11-01T01:30', timezone: 'America/New_York' }, ...range)).toEqual([
      '2026-11-01T05:30:00.000Z',
    ]);
  });

  it('is no slot when outside the range', () => {
    expect(
      between({ at: '2026-12-01T09:00:00Z' }, '2026-12-01T09:00:00Z', '2026-12-02T00:00:00Z'),
    ).toEqual([]);
  });
});

describe('start and end', () => {
  const daily = { cron: '0 0 * * *', timezone: 'America/New_York' };

  it('bounds slots by local days, both days included', () => {
    expect(
      between(
        { ...daily, start: '2026-12-01', end: '2026-12-03' },
        '2026-11-25T00:00:00Z',
        '2026-12-10T00:00:00Z',
      ),
    ).toEqual(['2026-12-01T05:00:00.000Z', '2026-12-02T05:00:00.000Z', '2026-12-03T05:00:00.000Z']);
  });

  it('accepts date-times as bounds: [start, end), a slot at `end` itself is none', () => {
    expect(
      between(
        { cron: '0 * * * *', start: '2026-12-01T10:00:00Z', end: '2026-12-01T12:00:00Z' },
        '2026-12-01T00:00:00Z',
        '2026-12-02T00:00:00Z',
      ),
    ).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-01T11:00:00.000Z']);
  });

  it('bounds an at schedule too', () => {
    expect(
      between(
        { at: '2026-12-01T09:00:00Z', end: '2026-11-30' },
        '2026-11-01T00:00:00Z',
        '2026-12-31T00:00:00Z',
      ),
    ).toEqual([]);
  });
});

describe('caps', () => {
  it('cuts a per-second schedule at MAX_SLOTS and says so', () => {
    const scan = scanSlots(
      spec({ cron: '* * * * * *' }),
      new Date('2026-06-01T00:00:00Z'),
      new Date('2026-06-08T00:00:00Z'),
    );
    expect(scan.truncated).toBe(true);
    expect(scan.slots).toHaveLength(MAX_SLOTS);
    expect(scan.slots[0]?.toISOString()).toBe('2026-06-01T00:00:01.000Z');
    expect(scan.slots.at(-1)?.toISOString()).toBe('2026-06-01T00:16:40.000Z');
  });

  it('is not truncated when the range holds fewer slots', () => {
    const scan = scanSlots(
      spec({ cron: '* * * * *' }),
      new Date('2026-06-01T00:00:00Z'),
      new Date('2026-06-01T01:00:00Z'),
    );
    expect(scan.truncated).toBe(false);
    expect(scan.slots).toHaveLength(60);
  });

  it('honours a smaller limit and an accept filter', () => {
    const scan = scanSlots(
      spec({ cron: '0 * * * *' }),
      new Date('2026-06-01T00:00:00Z'),
      new Date('2026-06-02T00:00:00Z'),
      { limit: 2, accept: (d) => d.getUTCHours() % 5 === 0 },
    );
    expect(iso(scan.slots)).toEqual(['2026-06-01T05:00:00.000Z', '2026-06-01T10:00:00.000Z']);
    expect(scan.truncated).toBe(true);
  });
});

describe('step cap', () => {
  it('stops after MAX_STEPS wall times when a filter refuses them all', () => {
    const scan = scanSlots(
      spec({ cron: '* * * * *' }),
      new Date('2026-06-01T00:00:00Z'),
      new Date('2026-07-01T00:00:00Z'),
      { accept: () => false },
    );
    // Every wall time up to the 5000th minute was examined: the range after it was not.
    expect(scan).toEqual({
      slots: [],
      truncated: true,
      through: new Date('2026-06-04T11:19:59.999Z'),
    });
  });

  it('honours start when looking ahead', () => {
    expect(
      iso(
        nextSlots(
          spec({ cron: '0 9 * * *', start: '2026-07-01' }),
          new Date('2026-06-01T00:00:00Z'),
          2,
        ),
      ),
    ).toEqual(['2026-07-01T09:00:00.000Z', '2026-07-02T09:00:00.000Z']);
  });
});

describe('nextSlots', () => {
  it('gives the next n slots after a time', () => {
    expect(
      iso(
        nextSlots(
          spec({ cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }),
          new Date('2026-06-05T08:00:00Z'),
          3,
        ),
      ),
    ).toEqual(['2026-06-08T07:00:00.000Z', '2026-06-09T07:00:00.000Z', '2026-06-10T07:00:00.000Z']);
  });

  it('orders slots by instant across the autumn change', () => {
    expect(
      iso(
        nextSlots(
          spec({ cron: '*/30 * * * *', timezone: 'America/New_York' }),
          new Date('2026-11-01T04:15:00Z'),
          3,
        ),
      ),
    ).toEqual(['2026-11-01T04:30:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z']);
  });

  it('stops at the horizon', () => {
    expect(
      nextSlots(spec({ cron: '0 0 1 6 *' }), new Date('2026-06-02T00:00:00Z'), 3, {
        horizonMs: 30 * 86_400_000,
      }),
    ).toEqual([]);
  });

  it('finds an `at` however far past the horizon: one instant, no search', () => {
    const after = new Date('2026-06-01T00:00:00Z');
    expect(iso(nextSlots(spec({ at: '2035-06-01T09:00:00Z' }), after, 3))).toEqual([
      '2035-06-01T09:00:00.000Z',
    ]);
    expect(
      iso(nextSlots(spec({ at: '2027-06-01T00:00:00Z' }), after, 3, { horizonMs: 86_400_000 })),
    ).toEqual(['2027-06-01T00:00:00.000Z']);
  });

  it('counts the horizon from `start` when it lies later', () => {
    const s = spec({ cron: '0 9 * * 1', start: '2040-01-01' });
    expect(iso(nextSlots(s, new Date('2026-06-01T00:00:00Z'), 2))).toEqual([
      '2040-01-02T09:00:00.000Z',
      '2040-01-09T09:00:00.000Z',
    ]);
    expect(searchEnd(s, new Date('2026-06-01T00:00:00Z'), 86_400_000)).toEqual(
      new Date('2040-01-02T00:00:00Z'),
    );
  });
});

describe('properties', () => {
  const zones = ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'UTC', 'Asia/Kolkata'];
  const crons = [
    '30 2 * * *',
    '0 * * * *',
    '*/20 * * * *',
    '15 1,2,3 * * *',
    '0 0 * * 0',
    '45 */2 * * *',
  ];
  // Around the 2026 autumn and spring changes of those zones.
  const bases = [
    Date.parse('2026-11-01T00:00:00Z'),
    Date.parse('2026-10-24T20:00:00Z'),
    Date.parse('2026-03-07T20:00:00Z'),
    Date.parse('2026-04-04T12:00:00Z'),
  ];

  it('splitting a range never adds, loses or moves a slot', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...crons),
        fc.constantFrom(...bases),
        fc.integer({ min: 0, max: 36 * 60 }),
        fc.integer({ min: 0, max: 36 * 60 }),
        (timezone, cron, base, m1, m2) => {
          const s = spec({ cron, timezone });
          const a = new Date(base);
          const b = new Date(base + Math.min(m1, m2) * 60_000);
          const c = new Date(base + Math.max(m1, m2) * 60_000);
          const whole = iso(slotsBetween(s, a, c));
          const parts = [...iso(slotsBetween(s, a, b)), ...iso(slotsBetween(s, b, c))];
          expect(parts).toEqual(whole);
          expect([...whole].sort()).toEqual(whole);
          expect(new Set(whole).size).toBe(whole.length);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('an every-hour cron fires exactly when the local clock shows one of its times', () => {
    // Whatever the zone's changes: a skipped time never fires (no slot moved to the jump), a
    // repeated one fires at each occurrence. The local clock is read by luxon, minute by minute.
    const everyHour = ['59 * * * *', '30 * * * *', '15,45 * * * *', '*/20 * * * *', '0 * * * *'];
    const springAndAutumn = [
      Date.parse('2026-03-07T20:00:00Z'),
      Date.parse('2026-03-28T12:00:00Z'),
      Date.parse('2027-03-27T12:00:00Z'),
      Date.parse('2026-10-03T00:00:00Z'),
      Date.parse('2026-10-24T20:00:00Z'),
      Date.parse('2026-10-31T20:00:00Z'),
      Date.parse('2026-04-04T00:00:00Z'),
    ];
    const zonesWithLondon = [...zones, 'Europe/London'];
    fc.assert(
      fc.property(
        fc.constantFrom(...zonesWithLondon),
        fc.constantFrom(...everyHour),
        fc.constantFrom(...springAndAutumn),
        fc.integer({ min: 0, max: 24 * 60 }),
        (timezone, cron, base, m) => {
          const after = base + m * 60_000;
          const until = after + 12 * 3_600_000;
          const minutes = cronMinutes(cron);
          const expected: string[] = [];
          for (let t = after + 60_000 - (after % 60_000); t <= until; t += 60_000) {
            const local = DateTime.fromMillis(t, { zone: timezone });
            if (minutes.has(local.minute)) expected.push(new Date(t).toISOString());
          }
          expect(
            iso(slotsBetween(spec({ cron, timezone }), new Date(after), new Date(until))),
          ).toEqual(expected);
        },
      ),
      { numRuns: 120 },
    );
  });

  it('nextSlots agrees with slotsBetween', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...crons),
        fc.constantFrom(...bases),
        fc.integer({ min: 0, max: 24 * 60 }),
        fc.integer({ min: 1, max: 5 }),
        (timezone, cron, base, m, n) => {
          const s = spec({ cron, timezone });
          const after = new Date(base + m * 60_000);
          const horizonMs = 3 * 86_400_000;
          const next = iso(nextSlots(s, after, n, { horizonMs }));
          const all = iso(slotsBetween(s, after, new Date(after.getTime() + horizonMs)));
          expect(next).toEqual(all.slice(0, n));
        },
      ),
      { numRuns: 60 },
    );
  });
});
