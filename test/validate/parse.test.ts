import { describe, expect, it } from 'vitest';
import { isInWindow, parseDuration, parseRate, parseWindow } from '../../src/validate/index.js';

describe('parseDuration', () => {
  it.each([
    ['10m', 600_000],
    ['30s', 30_000],
    ['1h', 3_600_000],
    ['90s', 90_000],
    ['500ms', 500],
    ['2d', 172_800_000],
    ['1h30m', 5_400_000],
    [' 15s ', 15_000],
    ['0s', 0],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'm', '10 m', '1.5h', '-1s', '10min', '10M', 'h1', '99999999999999999999d'])(
    '%j is not a duration',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('parseRate', () => {
  it.each([
    ['5/s', { count: 5, perMs: 1_000 }],
    ['600/5m', { count: 600, perMs: 300_000 }],
    ['100/1h', { count: 100, perMs: 3_600_000 }],
    ['2 / 500ms', { count: 2, perMs: 500 }],
    ['1000/d', { count: 1000, perMs: 86_400_000 }],
  ])('%s', (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
  });

  it.each(['5', '5/', '/s', '0/s', '5/0s', '5/x', 'five/s', '5/s/s', '-5/s'])(
    '%j is not a rate',
    (text) => {
      expect(parseRate(text)).toBeUndefined();
    },
  );
});

describe('parseWindow', () => {
  it.each([
    ['08:00-21:00', { startMinute: 480, endMinute: 1260 }],
    ['00:00-24:00', { startMinute: 0, endMinute: 1440 }],
    ['21:00-06:30', { startMinute: 1260, endMinute: 390 }],
    ['09:15 - 17:45', { startMinute: 555, endMinute: 1065 }],
    ['09:00-09:00', { startMinute: 540, endMinute: 540 }],
  ])('%s', (text, window) => {
    expect(parseWindow(text)).toEqual(window);
  });

  it.each([
    '8:00-21:00',
    '08:00',
    '08:00-25:00',
    '24:00-08:00',
    '08:60-09:00',
    '08:00–21:00',
    '8-21',
    'always',
  ])('%j is not a window', (text) => {
    expect(parseWindow(text)).toBeUndefined();
  });

  it('tells whether a minute of the day is inside, half-open, wrapping past midnight', () => {
    const day = { startMinute: 480, endMinute: 1260 };
    expect([479, 480, 1259, 1260].map((m) => isInWindow(day, m))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    const night = { startMinute: 1260, endMinute: 390 };
    expect([1259, 1260, 0, 389, 390, 600].map((m) => isInWindow(night, m))).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
});
