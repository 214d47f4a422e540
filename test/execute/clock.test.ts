import { afterEach, describe, expect, it, vi } from 'vitest';
import { flattenHeaders } from '../../src/execute/client.js';
import { isoClock } from '../../src/execute/clock.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('isoClock', () => {
  it('reads the time as toISOString writes it, anew whenever the millisecond changes', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T10:00:00.000Z'), toFake: ['Date'] });
    const now = isoClock();
    expect(now()).toBe('2026-12-01T10:00:00.000Z');
    expect(now()).toBe('2026-12-01T10:00:00.000Z');
    vi.setSystemTime(Date.parse('2026-12-01T10:00:00.001Z'));
    expect(now()).toBe('2026-12-01T10:00:00.001Z');
    vi.setSystemTime(Date.parse('2026-12-01T09:59:59.999Z'));
    expect(now()).toBe('2026-12-01T09:59:59.999Z');
  });
});

describe('flattenHeaders', () => {
  it('lower-cases names, joins repeated values and leaves out absent ones', () => {
    const headers: Record<string, string | string[] | undefined> = Object.create({
      inherited: 'not a header',
    });
    headers['Content-Type'] = 'application/json';
    headers['set-cookie'] = ['a=1', 'b=2'];
    headers['x-none'] = undefined;
    expect(flattenHeaders(headers)).toEqual({
      'content-type': 'application/json',
      'set-cookie': 'a=1, b=2',
    });
  });
});
