import { CronTime } from 'cron';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { cronMatcher, parseCron } from '../../src/schedule/cron.js';
import { CRON_UNITS, parseCronExpression } from '../../src/schedule/libs.js';

const viaCron = (expression: string, after: number): number | undefined => {
  try {
    const cron = new CronTime(expression, 'UTC');
    return cron.getNextDateFrom(DateTime.fromMillis(after, { zone: 'utc' }), 'UTC').toMillis();
  } catch {
    return undefined;
  }
};
const viaMatcher = (expression: string, after: number): number | undefined => {
  const fields = parseCron(expression);
  return fields ? cronMatcher(fields)(after) : undefined;
};

describe('parseCron', () => {
  it('reads what cron reads, names and presets included', () => {
    expect(parseCron('0 9 * * MON-FRI')).toMatchObject({
      second: [0],
      minute: [0],
      hour: [9],
      dayOfWeek: [1, 2, 3, 4, 5],
    });
    expect(parseCron('*/20 8-10 * * 7')).toMatchObject({
      minute: [0, 20, 40],
      hour: [8, 9, 10],
      dayOfWeek: [0],
    });
    expect(parseCron('0 0-22 * * *')?.hour).toHaveLength(23);
    expect(parseCron('@hourly')?.hour).toHaveLength(24);
    expect(parseCron('15 30 9 * * *')?.second).toEqual([15]);
  });

  it('refuses what cron refuses', () => {
    expect(parseCron('61 * * * *')).toBeUndefined();
    expect(parseCron('0 9 * *')).toBeUndefined();
    expect(parseCron('0 9 L * *')).toBeUndefined();
  });
});

describe('cronMatcher', () => {
  it('admits a day matching either day field when both are restricted', () => {
    const next = (after: string) =>
      new Date(viaMatcher('0 0 13 * 5', Date.parse(after)) ?? 0).toISOString();
    expect(next('2026-02-01T00:00:00Z')).toBe('2026-02-06T00:00:00.000Z'); // a Friday
    expect(next('2026-02-07T00:00:00Z')).toBe('2026-02-13T00:00:00.000Z'); // the 13th
  });

  it('finds nothing for a date that never comes', () => {
    expect(viaMatcher('0 0 30 2 *', Date.parse('2026-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('agrees with cron getNextDateFrom in UTC', () => {
    const part = (min: number, max: number) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc
          .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
          .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 2, max: 7 }).map((step) => `*/${step}`),
        fc
          .uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 })
          .map((v) => v.join(',')),
      );
    const expression = fc
      .tuple(
        fc.option(part(0, 59), { nil: undefined }),
        part(0, 59),
        part(0, 23),
        part(1, 28),
        part(1, 12),
        part(0, 7),
      )
      .map((f) => f.filter((x) => x !== undefined).join(' '));
    const after = fc.integer({
      min: Date.parse('2024-01-01T00:00:00Z'),
      max: Date.parse('2030-01-01T00:00:00Z'),
    });
    fc.assert(
      fc.property(expression, after, (expr, t) => {
        expect(viaMatcher(expr, t)).toBe(viaCron(expr, t));
      }),
      { numRuns: 400 },
    );
  });
});

describe('parseCronExpression (cron parser without CronTime constructor)', () => {
  // What `new CronTime(expression)` keeps or throws: the reference.
  const viaConstructor = (expression: string, zone?: string) => {
    try {
      const cron = new CronTime(expression, zone) as unknown as Record<string, unknown>;
      return { fields: CRON_UNITS.map((unit) => cron[unit]) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const viaParser = (expression: string) => {
    try {
      const parsed = parseCronExpression(expression);
      return { fields: CRON_UNITS.map((unit) => parsed[unit]) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const token = fc.constantFrom(
    '*',
    '*/5',
    '*/0',
    '0',
    '7',
    '59',
    '60',
    '1-5',
    '5-1',
    '1--2',
    '-1',
    '1,2,3',
    '1,,2',
    '5/2',
    '1-10/3',
    'mon',
    'MON-FRI',
    'jan',
    'sun-sat',
    'xyz',
    'L',
    '?',
    '1#2',
    '@daily',
    '@hourly',
    '',
  );
  const expression = fc.oneof(
    fc.array(token, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(' ')),
    fc.string({ maxLength: 30 }),
  );

  it('keeps and refuses exactly what CronTime does, with its words', () => {
    fc.assert(
      fc.property(expression, (e) => {
        const parsed = viaParser(e);
        expect(parsed).toEqual(viaConstructor(e));
        expect(parsed).toEqual(viaConstructor(e, 'UTC'));
      }),
      { numRuns: 2000, seed: 20261130 },
    );
    expect(viaParser('0 9 * * MON-FRI')).toEqual(viaConstructor('0 9 * * MON-FRI'));
    expect(viaParser('61 * * * *').error).toBe(viaConstructor('61 * * * *').error);
    expect(viaParser('61 * * * *').error).toMatch(/range/i);
  });
});
