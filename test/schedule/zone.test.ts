import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { zoneOf } from '../../src/schedule/zone.js';

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
