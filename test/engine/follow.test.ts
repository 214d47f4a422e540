import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { follow } from '../../src/engine/follow.js';

/** The signals Node keeps on `signal` for AbortSignal.any made of it (none once let go). */
const dependants = (signal: AbortSignal): number => {
  const key = Object.getOwnPropertySymbols(signal).find(
    (s) => s.description === 'kDependantSignals',
  );
  const set = key === undefined ? undefined : (signal as unknown as Record<symbol, unknown>)[key];
  return set instanceof Set ? set.size : 0;
};

describe("a batch's stop, following the run's signal", () => {
  it('aborts with the run, and stops alone', () => {
    const run = new AbortController();
    const alone = follow(run.signal);
    alone.controller.abort();
    expect(run.signal.aborted).toBe(false);
    alone.release();
    const batch = follow(run.signal);
    run.abort('stop');
    expect(batch.controller.signal.aborted).toBe(true);
    expect(batch.controller.signal.reason).toBe('stop');
    batch.release();
    expect(follow(run.signal).controller.signal.aborted).toBe(true);
  });

  it("leaves nothing on the run's signal once each batch ends", () => {
    const run = new AbortController();
    for (let i = 0; i < 10_000; i++) {
      const batch = follow(run.signal);
      batch.release();
    }
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
    expect(dependants(run.signal)).toBe(0);
  });
});
