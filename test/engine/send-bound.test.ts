import { describe, expect, it } from 'vitest';
import { type BoundCache, sendBound } from '../../src/engine/send-bound.js';
import { call, schedule } from '../plan/make.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('sendBound of a scheduled slot', () => {
  it('is its deadline when its window stays open that long', () => {
    const def = call('daily', { schedule: schedule({ cron: '0 9 * * *', window: '08:00-21:00' }) });
    expect(sendBound(def, at('2026-12-01T09:00:00Z'), 0)).toEqual({
      notAfterMs: at('2026-12-01T09:10:00Z'),
    });
  });

  it('is the close of its window, in its zone, when that comes before its deadline', () => {
    const def = call('late', {
      schedule: schedule({ cron: '* * * * *', window: '00:00-21:00', timezone: 'Europe/Berlin' }),
    });
    // 20:59:58 Berlin (UTC+1): the window closes 2 s later, long before the 10-minute deadline.
    const bound = sendBound(def, at('2026-12-01T19:59:58Z'), 0);
    expect(iso(bound.notAfterMs)).toBe('2026-12-01T20:00:00.000Z');
    expect(bound.closedWhy).toBe('its window 00:00-21:00 closed at 21:00 Europe/Berlin');
    expect(bound.heldFromMs).toBeUndefined();
  });
});

describe('sendBound of a campaign row with calling hours', () => {
  const row = (s: Parameters<typeof schedule>[0]) =>
    call('reminders/r1', {
      schedule: schedule(s),
      campaign: { name: 'reminders', id: 'r1', recipients: 'lists/r.csv' },
    });

  it('holds the row from the close of the window it was found due in', () => {
    const def = row({ window: '09:00-21:00', timezone: 'America/New_York' });
    // 20:50 in New York (UTC-5): the hours close at 21:00 local, 02:00Z the next day.
    const bound = sendBound(def, undefined, at('2026-12-02T01:50:00Z'));
    expect(iso(bound.heldFromMs)).toBe('2026-12-02T02:00:00.000Z');
    expect(bound.heldWhy).toBe(
      'calling hours 09:00-21:00 closed at 2026-12-01 21:00 America/New_York; still due, placed when they open',
    );
    expect(bound.notAfterMs).toBeUndefined();
  });

  it('ends at the campaign end, as an expired row', () => {
    const def = row({ window: '09:00-21:00', timezone: 'Europe/Berlin', end: '2026-12-02' });
    const bound = sendBound(def, undefined, at('2026-12-01T12:00:00Z'));
    // A date ends at the next local midnight; the hours open again on its day before that.
    expect(iso(bound.notAfterMs)).toBe('2026-12-02T23:00:00.000Z');
    expect(bound.closedWhy).toBe(
      'campaign reminders ended at 2026-12-02T23:00:00Z (end 2026-12-02)',
    );
    expect(iso(bound.heldFromMs)).toBe('2026-12-01T20:00:00.000Z');
  });

  it('expires at the close of its last hours before the end, never held as still due', () => {
    const def = row({ window: '09:00-20:00', timezone: 'Europe/London', end: '2026-12-03' });
    const bound = sendBound(def, undefined, at('2026-12-03T19:59:58Z'));
    // The hours close at 20:00 and the end comes at midnight: they never open again.
    expect(iso(bound.notAfterMs)).toBe('2026-12-03T20:00:00.000Z');
    expect(bound.closedWhy).toBe(
      'calling hours 09:00-20:00 closed at 20:00 Europe/London, with no opening before end 2026-12-03 (2026-12-04T00:00:00Z): expired',
    );
    expect(bound.heldFromMs).toBeUndefined();
    expect(bound.heldWhy).toBeUndefined();
  });

  it('holds a row found outside its hours at once', () => {
    const def = row({ window: '09:00-21:00', timezone: 'Europe/Berlin' });
    const found = at('2026-12-01T21:30:00Z');
    expect(sendBound(def, undefined, found).heldFromMs).toBe(found);
  });

  it('has no bound without a window or an end, and shares one per zone in a run', () => {
    expect(sendBound(row({}), undefined, at('2026-12-01T12:00:00Z'))).toEqual({});
    const cache: BoundCache = new Map();
    const def = row({ window: '09:00-21:00', timezone: 'Europe/Berlin' });
    const first = sendBound(def, undefined, at('2026-12-01T12:00:00Z'), cache);
    expect(sendBound(def, undefined, at('2026-12-01T12:00:00Z'), cache)).toBe(first);
  });
});
