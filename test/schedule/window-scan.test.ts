import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inWindow,
  nextSlots,
  scanNextSlots,
  scanSlots,
  slotEndsAt,
} from '../../src/schedule/index.js';
import type { ScheduleSpec } from '../../src/validate/model.js';

const spec = (s: Partial<ScheduleSpec>): ScheduleSpec => ({
  timezone: 'UTC',
  deadlineMs: 600_000,
  ...s,
});
const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());
const next = (s: Partial<ScheduleSpec>, after: string, n = 3): string[] =>
  iso(nextSlots(spec(s), new Date(after), n, { inWindow: true }));

describe('next slots of a dense cron whose window opens hours ahead', () => {
  it('finds every-5-seconds slots 9.5 h ahead in Pacific/Kiritimati (UTC+14)', () => {
    // 14:30 local: the window 00:00-12:00 opens at local midnight.
    expect(
      next(
        { cron: '*/5 * * * * *', timezone: 'Pacific/Kiritimati', window: '00:00-12:00' },
        '2026-06-10T00:30:00Z',
      ),
    ).toEqual(['2026-06-10T10:00:00.000Z', '2026-06-10T10:00:05.000Z', '2026-06-10T10:00:10.000Z']);
  });

  it('finds every-5-seconds slots 11.5 h ahead in Etc/GMT+12 (UTC-12)', () => {
    expect(
      next(
        { cron: '*/5 * * * * *', timezone: 'Etc/GMT+12', window: '00:00-12:00' },
        '2026-06-10T00:30:00Z',
      ),
    ).toEqual(['2026-06-10T12:00:00.000Z', '2026-06-10T12:00:05.000Z', '2026-06-10T12:00:10.000Z']);
  });

  it('finds every-second slots 22 h ahead', () => {
    expect(next({ cron: '* * * * * *', window: '10:00-12:00' }, '2026-06-10T12:00:00Z', 2)).toEqual(
      ['2026-06-11T10:00:00.000Z', '2026-06-11T10:00:01.000Z'],
    );
  });

  it('finds every-second slots 23 h ahead in Asia/Kathmandu (UTC+5:45)', () => {
    // 09:01 local on 2026-06-10: the window 08:00-09:00 opens at 08:00 local the next day.
    expect(
      next(
        { cron: '* * * * * *', timezone: 'Asia/Kathmandu', window: '08:00-09:00' },
        '2026-06-10T03:16:00Z',
        1,
      ),
    ).toEqual(['2026-06-11T02:15:00.000Z']);
  });

  it('finds the window across the spring change (America/New_York, 2026-03-08)', () => {
    // 10:00 EST on the 7th; the clocks jump at 02:00 on the 8th: 09:00 is EDT (13:00 UTC).
    expect(
      next(
        { cron: '* * * * * *', timezone: 'America/New_York', window: '09:00-09:01' },
        '2026-03-07T15:00:00Z',
      ),
    ).toEqual(['2026-03-08T13:00:00.000Z', '2026-03-08T13:00:01.000Z', '2026-03-08T13:00:02.000Z']);
  });

  it('finds the repeated hour of the autumn change (Europe/Berlin, 2026-10-25)', () => {
    // 02:40 CEST: 02:00-02:30 comes again at 02:00 CET (01:00 UTC), and every hour counts.
    expect(
      next(
        { cron: '*/5 * * * * *', timezone: 'Europe/Berlin', window: '02:00-02:30' },
        '2026-10-25T00:40:00Z',
      ),
    ).toEqual(['2026-10-25T01:00:00.000Z', '2026-10-25T01:00:05.000Z', '2026-10-25T01:00:10.000Z']);
  });

  it('judges a time skipped in spring by the time the cron names, not by the jump', () => {
    // 02:30 does not exist on 2026-03-29 in Berlin; its slot would be at 03:00 CEST, inside
    // 03:00-04:00, but 02:30 is not: a time the cron names outside the window is no slot.
    expect(
      next(
        { cron: '0 30 2 * * *', timezone: 'Europe/Berlin', window: '03:00-04:00' },
        '2026-03-28T12:00:00Z',
        1,
      ),
    ).toEqual([]);
    // `30 1 * * *` in London with 02:00-03:00 (validate: "never falls inside"): not even on
    // 2027-03-28, when 01:30 is skipped and the clocks show 02:00.
    expect(
      next(
        { cron: '30 1 * * *', timezone: 'Europe/London', window: '02:00-03:00' },
        '2027-03-27T12:00:00Z',
        1,
      ),
    ).toEqual([]);
  });

  it('keeps a skipped time inside its window at the jump, missed at once when the window is skipped too', () => {
    // 02:30 in New York on 2026-03-08 is skipped: its slot is 03:00 EDT (07:00 UTC).
    const s = spec({
      cron: '30 2 * * *',
      timezone: 'America/New_York',
      window: '02:00-03:00',
      deadlineMs: 3_600_000,
    });
    const [slot] = nextSlots(s, new Date('2026-03-07T12:00:00Z'), 1, { inWindow: true });
    expect(slot?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(slot && inWindow(s, slot)).toBe(true);
    // The whole window 02:00-03:00 was skipped: the slot can never be placed.
    expect(slot && slotEndsAt(s, slot.getTime())).toEqual({
      at: Date.parse('2026-03-08T07:00:00Z'),
      by: 'window',
    });
    // With a window that is still open after the jump, it is placed then.
    const wider = { ...s, window: '02:00-04:00', deadlineMs: 7_200_000 };
    expect(slotEndsAt(wider, Date.parse('2026-03-08T07:00:00Z'))).toEqual({
      at: Date.parse('2026-03-08T08:00:00Z'),
      by: 'window',
    });
  });

  it('is not truncated when the cron never falls inside its window: there is no slot', () => {
    const scan = scanNextSlots(
      spec({ cron: '* * 13-23 * * *', window: '00:00-12:00' }),
      new Date('2026-06-10T00:00:00Z'),
      3,
      { inWindow: true },
    );
    expect(scan).toEqual({ slots: [], truncated: false });
  });

  it('costs a few steps per day: a per-second cron with a 1-minute window stays fast', () => {
    const s = spec({ cron: '* * * * * *', timezone: 'America/New_York', window: '09:00-09:01' });
    const started = performance.now();
    for (let day = 0; day < 365; day++) {
      const after = new Date(Date.UTC(2026, 0, 1, 15) + day * 86_400_000);
      expect(nextSlots(s, after, 3, { inWindow: true })).toHaveLength(3);
    }
    // A whole 8-year horizon of windows: 1000 slots, 17 windows' worth.
    const scan = scanSlots(s, new Date('2026-01-01T00:00:00Z'), new Date('2034-01-01T00:00:00Z'), {
      inWindow: true,
    });
    expect(scan.slots).toHaveLength(1000);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('next slots with another filter: scan after scan, never "no slot" at a cap', () => {
  it('goes on past one scan of MAX_STEPS wall times', () => {
    // 05:30 UTC: 9,000 per-second wall times ahead, nearly two scans' worth.
    const accept = (d: Date) => d.getUTCHours() === 5 && d.getUTCMinutes() === 30;
    expect(
      iso(
        nextSlots(spec({ cron: '* * * * * *' }), new Date('2026-06-10T03:00:00Z'), 1, { accept }),
      ),
    ).toEqual(['2026-06-10T05:30:00.000Z']);
  });

  it('says the search stopped when its scans run out', () => {
    const scan = scanNextSlots(spec({ cron: '* * * * * *' }), new Date('2026-06-10T00:00:00Z'), 1, {
      accept: () => false,
    });
    expect(scan).toEqual({ slots: [], truncated: true });
  });
});

describe('inWindow gives what stepping through with an accept filter gives', () => {
  const zones = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
  ];
  const crons = [
    '*/20 * * * *',
    '30 2 * * *',
    '0 * * * *',
    '*/7 1-3 * * *',
    '15 0 9,21 * * *',
    '30 1 * * *',
    '0,30 2,3 * * *',
  ];
  const windows = [
    '02:00-02:30',
    '03:00-04:00',
    '08:00-21:00',
    '21:00-06:00',
    '01:30-03:15',
    '02:00-03:00',
    '02:30-03:30',
  ];
  it('for sparse crons around the DST changes of 2026', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.constantFrom(...crons),
        fc.constantFrom(...windows),
        fc.constantFrom(
          Date.UTC(2026, 2, 7),
          Date.UTC(2026, 2, 27),
          Date.UTC(2026, 3, 3),
          Date.UTC(2026, 9, 3),
          Date.UTC(2026, 9, 24),
          Date.UTC(2026, 9, 31),
        ),
        fc.integer({ min: 0, max: 3 * 86_400_000 }),
        (timezone, cron, window, day, offset) => {
          const s = spec({ cron, timezone, window });
          const after = new Date(day + offset);
          const options = { horizonMs: 4 * 86_400_000 };
          const skipped = nextSlots(s, after, 5, { ...options, inWindow: true });
          const stepped = nextSlots(s, after, 5, { ...options, accept: (d) => inWindow(s, d) });
          expect(iso(skipped)).toEqual(iso(stepped));
        },
      ),
      { numRuns: 300 },
    );
  });
});
