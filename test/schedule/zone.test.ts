import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isoDateTime, localTime, parseInstant, zoneOf } from '../../src/schedule/zone.js';

/** Zones with unusual changes: half-hour shifts, negative summer time, Ramadan breaks. */
const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Europe/Dublin',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Asia/Kathmandu',
  'America/Santiago',
  'Africa/Casablanca',
  'Asia/Tehran',
  'UTC',
];

/** The offset (ms) as luxon reads it from Intl, for every instant asked. */
const truth = (zone: string, t: number): number => DateTime.fromMillis(t, { zone }).offset * 60_000;

const FROM = Date.UTC(1975, 0, 1);
const TO = Date.UTC(2090, 0, 1);

describe('zoneOf offsets, read by day', () => {
  it('equal the offset read for the instant itself, anywhere from 1975 to 2090', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (name, t) => {
        expect(zoneOf(name)?.offset(t)).toBe(truth(name, t));
      }),
      { numRuns: 3000 },
    );
  });

  it('change at the very millisecond the clocks do, on both sides of each change', () => {
    for (const name of ZONES) {
      const zone = zoneOf(name);
      // Every change of three years, found hour by hour, then to the millisecond.
      for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2028, 0, 1); t += 3_600_000) {
        if (truth(name, t) === truth(name, t + 3_600_000)) continue;
        let a = t;
        let b = t + 3_600_000;
        while (b - a > 1) {
          const mid = Math.floor((a + b) / 2);
          if (truth(name, mid) === truth(name, b)) b = mid;
          else a = mid;
        }
        for (const at of [a - 1, a, b, b + 1]) expect(zone?.offset(at)).toBe(truth(name, at));
      }
    }
  });
});

describe('hour 24', () => {
  // luxon and Date read T24:00 as the next day's midnight; written, it names the day before.
  it('is not on the clock: refused as 25:00 is, never the next day', () => {
    const utc = zoneOf('UTC');
    if (utc === undefined) throw new Error('no UTC');
    for (const text of [
      '2026-12-01T24:00:00Z',
      '2026-12-01T24:00Z',
      '2026-12-01T24:00:00.000+01:00',
      '2026-12-01t24:00:00z',
      '2026-12-01T24:00:00',
    ]) {
      expect(isoDateTime(text), text).toBeUndefined();
      expect(parseInstant(text, utc), text).toBeUndefined();
      expect(parseInstant(text, utc, true), text).toBeUndefined();
    }
    expect(isoDateTime('2026-12-02T00:00:00Z')).toBe(Date.UTC(2026, 11, 2));
    expect(parseInstant('2026-12-01T23:59:59Z', utc)).toBe(Date.UTC(2026, 11, 1, 23, 59, 59));
    // A plain date's whole day still ends at the next midnight.
    expect(parseInstant('2026-12-01', utc, true)).toBe(Date.UTC(2026, 11, 2) - 1);
  });
});

describe('localTime', () => {
  it('tells the two occurrences of a repeated autumn time apart, as the markdown plan does', () => {
    // 01:30 in London on 2027-10-31 is shown at 00:30 UTC (BST) and again at 01:30 UTC (GMT).
    expect(localTime(new Date('2027-10-31T00:30:00Z'), 'Europe/London')).toBe(
      '01:30 GMT+1 Europe/London',
    );
    expect(localTime(new Date('2027-10-31T01:30:00Z'), 'Europe/London')).toBe(
      '01:30 GMT Europe/London',
    );
    expect(localTime(new Date('2026-11-01T05:30:00Z'), 'America/New_York')).toBe(
      '01:30 EDT America/New_York',
    );
    // Lord Howe repeats half an hour: 01:30-02:00.
    expect(localTime(new Date('2027-04-03T14:45:00Z'), 'Australia/Lord_Howe')).toMatch(
      /^2027-04-04 01:45 \S+ Australia\/Lord_Howe$/,
    );
  });

  it('shows any other time as before: no abbreviation', () => {
    expect(localTime(new Date('2027-10-31T02:30:00Z'), 'Europe/London')).toBe(
      '02:30 Europe/London',
    );
    expect(localTime(new Date('2027-10-30T23:30:00Z'), 'Europe/London')).toBe(
      '2027-10-31 00:30 Europe/London',
    );
    expect(localTime(new Date('2026-12-01T08:00:00Z'), 'Europe/Berlin')).toBe(
      '09:00 Europe/Berlin',
    );
  });
});
