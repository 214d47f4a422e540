import { describe, expect, it } from 'vitest';
import { compileSchedule, inWindow } from '../../src/schedule/index.js';
import type { ScheduleSpec } from '../../src/validate/model.js';

const spec = (s: Partial<ScheduleSpec>): ScheduleSpec => ({
  timezone: 'UTC',
  deadlineMs: 600_000,
  ...s,
});

describe('inWindow', () => {
  const day = spec({ cron: '* * * * *', window: '08:00-21:00', timezone: 'Europe/Berlin' });

  it('admits local times from the start up to, not including, the end minute', () => {
    // Berlin is UTC+1 in December.
    expect(inWindow(day, new Date('2026-12-01T06:59:59Z'))).toBe(false);
    expect(inWindow(day, new Date('2026-12-01T07:00:00Z'))).toBe(true);
    expect(inWindow(day, new Date('2026-12-01T19:59:59Z'))).toBe(true);
    expect(inWindow(day, new Date('2026-12-01T20:00:00Z'))).toBe(false);
  });

  it('follows the zone offset through the summer', () => {
    expect(inWindow(day, new Date('2026-07-01T06:00:00Z'))).toBe(true); // 08:00 CEST
    expect(inWindow(day, new Date('2026-07-01T05:59:00Z'))).toBe(false);
  });

  it('wraps past midnight when the start is later than the end', () => {
    const night = spec({ cron: '* * * * *', window: '21:00-08:00' });
    expect(inWindow(night, new Date('2026-12-01T23:30:00Z'))).toBe(true);
    expect(inWindow(night, new Date('2026-12-01T03:00:00Z'))).toBe(true);
    expect(inWindow(night, new Date('2026-12-01T07:59:00Z'))).toBe(true);
    expect(inWindow(night, new Date('2026-12-01T08:00:00Z'))).toBe(false);
    expect(inWindow(night, new Date('2026-12-01T12:00:00Z'))).toBe(false);
  });

  it('admits everything without a window', () => {
    expect(inWindow(spec({ cron: '* * * * *' }), new Date('2026-12-01T03:00:00Z'))).toBe(true);
  });

  it('admits nothing with an unreadable or empty window, or an unknown zone', () => {
    const noon = new Date('2026-12-01T12:00:00Z');
    expect(inWindow(spec({ cron: '* * * * *', window: '8-21' }), noon)).toBe(false);
    expect(inWindow(spec({ cron: '* * * * *', window: '12:00-12:00' }), noon)).toBe(false);
    expect(
      inWindow(spec({ cron: '* * * * *', window: '08:00-21:00', timezone: 'Nowhere/X' }), noon),
    ).toBe(false);
  });
});

describe('compileSchedule', () => {
  it('reads good schedules and refuses unreadable ones', () => {
    expect(compileSchedule(spec({ cron: '0 9 * * 1-5', start: '2026-12-01' }))).toBeDefined();
    expect(compileSchedule(spec({ at: '2026-12-01T09:00:00-05:00' }))).toBeDefined();
    expect(compileSchedule(spec({ cron: '0 9 * *' }))).toBeUndefined();
    expect(
      compileSchedule(spec({ cron: '0 9 * * *', at: '2026-12-01T09:00:00Z' })),
    ).toBeUndefined();
    expect(compileSchedule(spec({}))).toBeUndefined();
    expect(compileSchedule(spec({ cron: '0 9 * * *', end: 'someday' }))).toBeUndefined();
  });

  it('knows which schedules count elapsed hours', () => {
    expect(compileSchedule(spec({ cron: '0 * * * *' }))?.everyHour).toBe(true);
    expect(compileSchedule(spec({ cron: '0 0-23 * * *' }))?.everyHour).toBe(true);
    expect(compileSchedule(spec({ cron: '0 */2 * * *' }))?.everyHour).toBe(false);
    expect(compileSchedule(spec({ cron: '30 1 * * *' }))?.everyHour).toBe(false);
  });
});
