import { describe, expect, it } from 'vitest';
import { offsetMinutes, whyNotAnInstant } from '../../src/schedule/written.js';
import { isoDateTime, parseInstant, zoneOf } from '../../src/schedule/zone.js';

const UTC = zoneOf('UTC');
if (UTC === undefined) throw new Error('no UTC zone');

/**
 * luxon reads `+24:00` as an offset of a whole day, `+14:60` as 15 hours and `T24:00:00` as
 * the next day's midnight: an `at:` or `--now` so written would name an instant hours or
 * days from the one meant. They name none.
 */
describe('whyNotAnInstant', () => {
  it('refuses an offset no zone has, saying the range', () => {
    for (const text of [
      '2026-07-01T09:00:00+24:00',
      '2026-07-01T09:00:00+14:60',
      '2026-07-01T09:00:00+99:99',
      '2026-07-01T09:00:00-14:01',
      '2026-07-01T09:00:00+2400',
      '2026-07-01T09:00:00+15',
      '2026-07-01T09:00+05:60',
    ]) {
      const offset = /[+-][\d:]+$/.exec(text)?.[0];
      expect(whyNotAnInstant(text), text).toBe(
        `${offset} is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)`,
      );
      expect(isoDateTime(text), text).toBeUndefined();
      expect(parseInstant(text, UTC), text).toBeUndefined();
    }
  });

  it('takes every offset a zone uses, in each way ISO-8601 writes one', () => {
    const cases = [
      ['2026-07-01T09:00:00+14:00', '2026-06-30T19:00:00.000Z'],
      ['2026-07-01T09:00:00-12:00', '2026-07-01T21:00:00.000Z'],
      ['2026-07-01T09:00:00+05:45', '2026-07-01T03:15:00.000Z'],
      ['2026-07-01T09:00:00+0530', '2026-07-01T03:30:00.000Z'],
      ['2026-07-01T09:00:00-03', '2026-07-01T12:00:00.000Z'],
      ['2026-07-01T09:00:00Z', '2026-07-01T09:00:00.000Z'],
    ] as const;
    for (const [text, instant] of cases) {
      expect(whyNotAnInstant(text), text).toBeUndefined();
      expect(new Date(isoDateTime(text) ?? Number.NaN).toISOString(), text).toBe(instant);
    }
  });

  it('refuses 24:00 as a time of day, as it refuses 09:60', () => {
    for (const [text, clock] of [
      ['2026-07-01T24:00:00Z', '24:00:00'],
      ['2026-07-01T24:00Z', '24:00'],
      ['2026-07-01T24:00:00.000+02:00', '24:00:00'],
      ['2026-07-01T09:60:00Z', '09:60:00'],
    ] as const) {
      expect(whyNotAnInstant(text), text).toBe(
        `${clock} is not a time of day (00:00:00 to 23:59:59)`,
      );
      expect(isoDateTime(text), text).toBeUndefined();
    }
    expect(parseInstant('2026-07-01T24:00:00', UTC)).toBeUndefined();
    expect(whyNotAnInstant('2026-07-01T23:59:59Z')).toBeUndefined();
  });

  it('says which day is not on the calendar', () => {
    expect(whyNotAnInstant('2027-02-29T09:00:00Z')).toBe(
      '2027-02-29 does not exist: February 2027 has 28 days',
    );
    expect(whyNotAnInstant('2028-02-30T09:00:00+01:00')).toBe(
      '2028-02-30 does not exist: February 2028 has 29 days',
    );
    expect(whyNotAnInstant('2026-13-01T09:00:00Z')).toBe(
      '2026-13-01 is not a date: a month is 01 to 12',
    );
    expect(whyNotAnInstant('2026-02-30')).toBe(
      '2026-02-30 does not exist: February 2026 has 28 days',
    );
    expect(whyNotAnInstant('2028-02-29T09:00:00Z')).toBeUndefined();
  });

  it('leaves what is no ISO-8601 at all to luxon (no reason, no instant)', () => {
    expect(whyNotAnInstant('next monday')).toBeUndefined();
    expect(isoDateTime('next monday')).toBeUndefined();
  });
});

describe('offsetMinutes', () => {
  it('reads ±HH:MM, ±HHMM and ±HH', () => {
    expect(offsetMinutes('+05:30')).toBe(330);
    expect(offsetMinutes('-0400')).toBe(-240);
    expect(offsetMinutes('+09')).toBe(540);
  });
});
