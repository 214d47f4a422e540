import { describe, expect, it } from 'vitest';
import { ClockHold, wrongClockRefusal } from '../../src/engine/clock-hold.js';
import type { EngineEvent } from '../../src/engine/events.js';
import type { ClockVerdict } from '../../src/state/postgres/clock.js';
import type { StateStore } from '../../src/state/store.js';

const wrong = (offsetMs: number): ClockVerdict => ({ kind: 'wrong', offsetMs });
const MIN = 60_000;

describe('ClockHold', () => {
  it('holds while the clock is wrong, says so once, again when it moved by more than a minute, and once it is right', async () => {
    const said: EngineEvent[] = [];
    const hold = new ClockHold(async (event) => {
      said.push(event);
    });
    expect(await hold.holds({ kind: 'right' })).toBe(false);
    expect(await hold.holds({ kind: 'off', offsetMs: 30_000 })).toBe(false);
    expect(said).toEqual([]);
    expect(await hold.holds(wrong(61 * MIN))).toBe(true);
    // Measured again: what it drifts (or the round trip) is not news.
    expect(await hold.holds(wrong(61 * MIN + 40_000))).toBe(true);
    expect(await hold.holds(wrong(61 * MIN - 40_000))).toBe(true);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({
      type: 'scheduler:clock-wrong',
      message: expect.stringMatching(
        /^this runner's clock is 61 min behind the state database's, more than 60 s: .*run goes on but places no call until it is right \(measured again every 5 s\): set its clock right \(NTP\)$/,
      ),
    });
    // Set half right: said again, as it is now.
    expect(await hold.holds(wrong(30 * MIN))).toBe(true);
    expect(said).toHaveLength(2);
    expect(said[1]).toMatchObject({
      message: expect.stringMatching(/^this runner's clock is 30 min behind/),
    });
    expect(await hold.holds({ kind: 'right' })).toBe(false);
    expect(said[2]).toMatchObject({
      type: 'scheduler:clock-right',
      message: "this runner's clock agrees with the state database's again",
    });
    // Right it stays: nothing more to say.
    expect(await hold.holds({ kind: 'right' })).toBe(false);
    expect(said).toHaveLength(3);
  });
});

describe('wrongClockRefusal', () => {
  const store = (opened?: ClockVerdict) =>
    ({
      ...(opened && { clock: { opened, measure: async () => opened } }),
    }) as StateStore;

  it('refuses apply from a clock that is wrong, as a condition that passes', () => {
    const refusal = wrongClockRefusal(store(wrong(-2 * 3_600_000)));
    expect(refusal?.kind).toBe('clock');
    expect(refusal?.message).toMatch(
      /^this runner's clock is 2 h ahead of the state database's, more than 60 s: .*placed early; nothing was sent\. Set its clock right \(NTP\), then apply again$/,
    );
  });

  it('lets a clock a few seconds off, and the file store, place', () => {
    expect(wrongClockRefusal(store({ kind: 'off', offsetMs: 20_000 }))).toBeUndefined();
    expect(wrongClockRefusal(store())).toBeUndefined();
  });
});
