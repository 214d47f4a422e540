import { describe, expect, it } from 'vitest';
import { hoursAt } from '../../src/schedule/hours.js';
import { schedule } from '../plan/make.js';

describe('calling hours and a date-only end', () => {
  it('end 2026-11-30 includes the whole day: open at 23:59:59.5, over at the next midnight', () => {
    const spec = schedule({ end: '2026-11-30' });
    expect(hoursAt(spec, Date.parse('2026-11-30T23:59:59.500Z'))).toEqual({ state: 'open' });
    expect(hoursAt(spec, Date.parse('2026-12-01T00:00:00Z'))).toEqual({
      state: 'expired',
      end: Date.parse('2026-12-01T00:00:00Z'),
    });
  });

  it("the next midnight is read in the schedule's zone", () => {
    const spec = schedule({ end: '2026-11-30', timezone: 'America/New_York' });
    expect(hoursAt(spec, Date.parse('2026-12-02T00:00:00Z'))).toEqual({
      state: 'expired',
      end: Date.parse('2026-12-01T05:00:00Z'),
    });
  });

  it('a window that does not open again before end says when end is reached', () => {
    const spec = schedule({ end: '2026-11-30', window: '09:00-17:00' });
    const hours = hoursAt(spec, Date.parse('2026-11-30T18:00:00Z'));
    expect(hours).toMatchObject({ state: 'waiting', end: Date.parse('2026-12-01T00:00:00Z') });
    expect(hours.state === 'waiting' && hours.opens).toBeFalsy();
  });
});
