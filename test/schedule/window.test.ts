import { describe, expect, it } from 'vitest';
import { compileSchedule, inWindow, windowClosesAt } from '../../src/schedule/index.js';
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

describe('windowClosesAt', () => {
  const at = (iso: string) => Date.parse(iso);
  const closes = (s: Partial<ScheduleSpec>, iso: string) => {
    const t = windowClosesAt(spec({ cron: '* * * * *', ...s }), at(iso));
    return t === undefined ? undefined : new Date(t).toISOString();
  };
  const berlin = { window: '08:00-21:00', timezone: 'Europe/Berlin' };

  it('is the end of the window that holds the instant, in its zone', () => {
    // 20:59:58 in Berlin (UTC+1 in December) closes at 21:00 Berlin, 2 s later.
    expect(closes(berlin, '2026-12-01T19:59:58Z')).toBe('2026-12-01T20:00:00.000Z');
    expect(closes(berlin, '2026-12-01T07:00:00Z')).toBe('2026-12-01T20:00:00.000Z');
    // UTC+2 in July: 21:00 is 19:00Z.
    expect(closes(berlin, '2026-07-01T12:00:00Z')).toBe('2026-07-01T19:00:00.000Z');
  });

  it('is the instant itself outside the window, or when the window cannot be read', () => {
    expect(closes(berlin, '2026-12-01T20:00:00Z')).toBe('2026-12-01T20:00:00.000Z');
    expect(closes(berlin, '2026-12-01T05:00:00Z')).toBe('2026-12-01T05:00:00.000Z');
    expect(closes({ window: '8-21' }, '2026-12-01T12:00:00Z')).toBe('2026-12-01T12:00:00.000Z');
    expect(closes({ ...berlin, timezone: 'Nowhere/X' }, '2026-12-01T12:00:00Z')).toBe(
      '2026-12-01T12:00:00.000Z',
    );
  });

  it('never closes without a window, or with a window of the whole day', () => {
    expect(closes({}, '2026-12-01T12:00:00Z')).toBeUndefined();
    expect(closes({ window: '00:00-24:00' }, '2026-12-01T12:00:00Z')).toBeUndefined();
  });

  it('closes a night window the next morning in its evening part', () => {
    const night = { window: '21:00-06:00', timezone: 'Europe/Berlin' };
    expect(closes(night, '2026-12-01T22:00:00Z')).toBe('2026-12-02T05:00:00.000Z');
    expect(closes(night, '2026-12-02T03:00:00Z')).toBe('2026-12-02T05:00:00.000Z');
    expect(closes({ window: '22:00-24:00' }, '2026-12-01T23:00:00Z')).toBe(
      '2026-12-02T00:00:00.000Z',
    );
  });

  it('follows the daylight-saving changes', () => {
    // 29 March 2026: Berlin jumps from 02:00 to 03:00 (01:00Z); a 02:30 end is skipped, so
    // the window closes as the clocks jump.
    expect(
      closes({ window: '00:00-02:30', timezone: 'Europe/Berlin' }, '2026-03-29T00:30:00Z'),
    ).toBe('2026-03-29T01:00:00.000Z');
    // The day of the change, 21:00 is already summer time (19:00Z).
    expect(closes(berlin, '2026-03-29T12:00:00Z')).toBe('2026-03-29T19:00:00.000Z');
    // 25 October 2026: 02:00-03:00 occurs twice; in the repeated hour the window ends at
    // the second 02:30 (01:30Z), not the first (00:30Z).
    const early = { window: '00:00-02:30', timezone: 'Europe/Berlin' };
    expect(closes(early, '2026-10-24T23:00:00Z')).toBe('2026-10-25T00:30:00.000Z');
    expect(closes(early, '2026-10-25T01:10:00Z')).toBe('2026-10-25T01:30:00.000Z');
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
